"""The days a report, a page or an API route may be asked about, and the longest period.

Python's dates end at 0001-01-01 and 9999-12-31, and reports compute with
them: ages (80 years before ``as_of``), "the last 12 months", a period's
next day, a month's grid. A day near either end makes that arithmetic
overflow, and a period of 0001–9999 makes a monthly ledger of 120,000
months. Days from outside are therefore kept within :data:`EARLIEST_DAY`
and :data:`LATEST_DAY` — room for every such computation, and wider than
any record a residents' committee holds (birth dates of living people,
plans for the coming decades) — and periods to :data:`MAX_PERIOD_DAYS`
(any ten calendar years).

:class:`~commons_core.reports.ReportParams` checks its days with
:func:`day_problems`, so every report, core or plugin, inherits the bounds;
a page or route taking a day that is not a report's period calls
:func:`check_days`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from commons_core.errors import Problem, raise_if_any
from commons_core.validation.dates import EARLIEST_DAY, LATEST_DAY, out_of_range

__all__ = ["EARLIEST_DAY", "LATEST_DAY", "MAX_PERIOD_DAYS", "check_days", "day_problems"]

MAX_PERIOD_DAYS = 3653
"""The longest period a report covers, in days: ten calendar years, leap days included."""


def day_problems(days: Mapping[str, date | None]) -> list[Problem]:
    """A problem for each day of ``days`` (field name → day, ``None`` for not given) outside
    :data:`EARLIEST_DAY`–:data:`LATEST_DAY`, naming the field."""
    problems = []
    for name, day in days.items():
        violation = None if day is None else out_of_range(day)
        if day is not None and violation is not None:
            problems.append(
                Problem(name, day.isoformat(), violation.code, violation.zh, violation.en)
            )
    return problems


def check_days(days: Mapping[str, date | None]) -> None:
    """Raise :class:`~commons_core.ValidationError` naming every day of ``days`` out of range.

    ``check_days({"week": week, "night": night})`` in a page taking those query parameters.
    """
    raise_if_any(day_problems(days))
