"""The plugin's public names, imported on first use (see ``__init__.py``)."""

import commons_core.plugin

from .model import (
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
from .reports import COVERAGE, CoverageReport
from .rules import RANGES, ReadingRange
from .services import RECORD, HealthRecords

PLUGIN_NAME: str
plugin: commons_core.plugin.Plugin

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
    "plugin",
    "years_before",
]
