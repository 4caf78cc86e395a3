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
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from commons_core.errors import Problem, raise_if_any
from commons_core.model import Community, Label
from commons_core.reports.calendar import MAX_PERIOD_DAYS, day_problems

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
    """Options every report may use: the day it is computed for, and a period.

    Checked when made, whatever face made them (``--as-of``/``--from``/``--to``,
    the API's ``as_of``/``from``/``to``): every day within
    :data:`~commons_core.reports.calendar.EARLIEST_DAY`–:data:`~commons_core.reports.calendar.LATEST_DAY`,
    a period that starts no later than it ends (``end``, else ``as_of``) and
    covers at most :data:`~commons_core.reports.calendar.MAX_PERIOD_DAYS`;
    otherwise :class:`~commons_core.ValidationError` names each field
    (``as_of``, ``from``, ``to``). A report whose period has no ``start`` of
    its own begins it no earlier than :attr:`earliest_start`.
    """

    as_of: date = attrs.field(factory=date.today)
    start: date | None = None
    end: date | None = None

    def __attrs_post_init__(self) -> None:
        problems = day_problems({"as_of": self.as_of, "from": self.start, "to": self.end})
        if not problems and self.start is not None:
            start, last = self.start.isoformat(), self.period_end.isoformat()
            if self.start > self.period_end:
                problems.append(
                    Problem(
                        "from",
                        start,
                        "period.order",
                        f"起始日期 {start} 晚于结束日期 {last}",
                        f"the period starts ({start}) after it ends ({last})",
                    )
                )
            elif self.start < self.earliest_start:
                problems.append(
                    Problem(
                        "from",
                        start,
                        "period.too_long",
                        f"统计期 {start} 至 {last} 过长:最多 {MAX_PERIOD_DAYS} 天(十年)",
                        f"the period {start} to {last} is too long:"
                        f" at most {MAX_PERIOD_DAYS} days (ten years)",
                    )
                )
        raise_if_any(problems)

    @property
    def period_end(self) -> date:
        """The period's last day: ``end``, else ``as_of``."""
        return self.end or self.as_of

    @property
    def earliest_start(self) -> date:
        """The earliest first day of the period: :data:`MAX_PERIOD_DAYS` up to its end."""
        return self.period_end - timedelta(days=MAX_PERIOD_DAYS - 1)


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
