"""The days the SDK accepts anywhere: stored in a record, or asked of a report.

Python's dates run from 0001-01-01 to 9999-12-31, and the SDK computes with
them (ages, "the last 12 months", a period's next day): a day near either end
makes that arithmetic overflow. Every day is therefore kept within
:data:`EARLIEST_DAY` and :data:`LATEST_DAY`, wider than any record a
residents' committee holds (birth dates of living people, plans for the coming
decades) and with room for every such computation.
"""

from __future__ import annotations

from datetime import date

from commons_core.validation.rules import RuleViolation

__all__ = ["EARLIEST_DAY", "LATEST_DAY", "out_of_range"]

EARLIEST_DAY = date(1900, 1, 1)
"""The earliest day the SDK accepts."""
LATEST_DAY = date(2100, 12, 31)
"""The latest day the SDK accepts."""


def out_of_range(day: date) -> RuleViolation | None:
    """The violation of a day outside :data:`EARLIEST_DAY`–:data:`LATEST_DAY`, else ``None``."""
    if EARLIEST_DAY <= day <= LATEST_DAY:
        return None
    return RuleViolation(
        "date.range",
        f"日期 {day.isoformat()} 超出范围(应在 {EARLIEST_DAY} 至 {LATEST_DAY} 之间)",
        f"the date {day.isoformat()} is out of range (from {EARLIEST_DAY} to {LATEST_DAY})",
    )
