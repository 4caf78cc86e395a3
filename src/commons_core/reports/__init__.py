"""Reports: the registry's types, the days and periods they take, and the core's reports."""

from commons_core.reports.base import Report, ReportColumn, ReportParams, ReportResult
from commons_core.reports.calendar import (
    EARLIEST_DAY,
    LATEST_DAY,
    MAX_PERIOD_DAYS,
    check_days,
    day_problems,
)
from commons_core.reports.community_summary import CommunitySummary

__all__ = [
    "EARLIEST_DAY",
    "LATEST_DAY",
    "MAX_PERIOD_DAYS",
    "CommunitySummary",
    "Report",
    "ReportColumn",
    "ReportParams",
    "ReportResult",
    "check_days",
    "core_reports",
    "day_problems",
]


def core_reports() -> list[Report]:
    """The core's own reports (``community-summary``)."""
    return [CommunitySummary()]
