"""老年人健康档案 / elderly health records: a commons_core plugin.

A health file for every resident aged 60 and over, with chronic conditions,
measurements over time (blood pressure, blood glucose, weight), check-ups by
partner clinics and a contact person; the ``elderly-health-coverage`` report
(coverage, overdue check-ups, the 80+ list for condolence visits). Health
values are sensitive: masked unless revealed with ``reveal:health``. Use it
through :class:`HealthRecords`::

    from commons_elderly_health import HealthRecords

    with commons.unit_of_work(health_worker) as uow:
        health = HealthRecords(uow)
        health.open_file(resident.id)
        health.record_measurement(resident.id, systolic=138, diastolic=86)
"""

PLUGIN_NAME = "elderly_health"
"""The entry-point name, Alembic branch label and table prefix."""

from .model import (  # noqa: E402 - PLUGIN_NAME first, hooks import it
    CONDOLENCE_AGE,
    ELDERLY_AGE,
    CheckUp,
    ChronicCondition,
    FileStatus,
    HealthFile,
    Measurement,
    age_on,
    years_before,
)
from .reports import COVERAGE, CoverageReport  # noqa: E402
from .rules import RANGES, ReadingRange  # noqa: E402
from .services import RECORD, HealthRecords  # noqa: E402

__all__ = [
    "CONDOLENCE_AGE",
    "COVERAGE",
    "ELDERLY_AGE",
    "PLUGIN_NAME",
    "RANGES",
    "RECORD",
    "CheckUp",
    "ChronicCondition",
    "CoverageReport",
    "FileStatus",
    "HealthFile",
    "HealthRecords",
    "Measurement",
    "ReadingRange",
    "age_on",
    "years_before",
]
