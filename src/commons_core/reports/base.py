"""What a report is: a name, a bilingual title, and a function from a community to figures.

A report returns a :class:`ReportResult`: ``data`` is what ``--format json``
prints (its keys are a contract users' scripts rely on), ``columns`` and
``rows`` are what ``table`` and ``csv`` print. Reports read through the unit
of work (``uow.scoped(...)``), so they see only what the actor may see, and
should run a number of SQL statements that does not grow with the data.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import attrs

from commons_core.model import Community, Label

if TYPE_CHECKING:
    from commons_core.services import UnitOfWork

__all__ = ["Report", "ReportColumn", "ReportParams", "ReportResult"]


@attrs.frozen
class ReportColumn:
    """A column of a report's table: its key (CSV header) and bilingual label."""

    key: str
    label: Label


@attrs.frozen
class ReportParams:
    """Options every report may use: the day it is computed for, and a period."""

    as_of: date = attrs.field(factory=date.today)
    start: date | None = None
    end: date | None = None


@attrs.frozen
class ReportResult:
    """A report's output."""

    data: dict[str, Any]
    columns: tuple[ReportColumn, ...]
    rows: tuple[tuple[Any, ...], ...]


class Report(ABC):
    """Base class of reports. Subclass, set the class attributes, implement :meth:`run`."""

    name: str
    """The command-line name, prefixed with the plugin's (``love-supermarket-ledger``)."""
    title: Label
    """The report's title."""
    description: Label = Label("", "")
    """One sentence on what it shows."""
    public: bool = False
    """Whether it is fit for public posting (masks people)."""

    @abstractmethod
    def run(self, uow: UnitOfWork, community: Community, params: ReportParams) -> ReportResult:
        """Compute the report for ``community``."""


def key_value_rows(
    data: dict[str, Any], labels: dict[str, Label]
) -> tuple[tuple[ReportColumn, ...], tuple[tuple[Any, ...], ...]]:
    """Columns and rows for a report that is one record of figures (key, label, value)."""
    columns = (
        ReportColumn("key", Label("指标", "key")),
        ReportColumn("label", Label("名称", "label")),
        ReportColumn("value", Label("数值", "value")),
    )
    rows: list[tuple[Any, ...]] = []
    for key, value in data.items():
        label = labels.get(key, Label(key, key))
        if isinstance(value, dict):
            rows.extend((f"{key}.{k}", f"{label.zh} {k}", v) for k, v in value.items())
        else:
            rows.append((key, str(label), value))
    return columns, tuple(rows)


def rows_of(
    records: Sequence[dict[str, Any]], columns: Sequence[ReportColumn]
) -> tuple[tuple[Any, ...], ...]:
    """Rows for ``columns`` out of a list of dicts."""
    return tuple(tuple(r.get(c.key) for c in columns) for r in records)
