"""Reports: the registry's types and the core's reports."""

from commons_core.reports.base import Report, ReportColumn, ReportParams, ReportResult
from commons_core.reports.community_summary import CommunitySummary

__all__ = ["CommunitySummary", "Report", "ReportColumn", "ReportParams", "ReportResult"]
