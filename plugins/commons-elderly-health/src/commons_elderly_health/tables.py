"""The plugin's tables, all community-scoped and prefixed ``elderly_health_``.

Every link carries ``community_id`` (Citus co-location). Every record names
its resident, so zone and household actors see only their own residents'
records, and the coverage report joins residents, files and check-ups on
indexes ``(community_id, resident_id, …)``.
"""

from __future__ import annotations

from sqlalchemy import Index, Numeric, UniqueConstraint

from commons_core.storage import (
    Entity,
    Erasure,
    record_table,
)

from .model import CheckUp, HealthFile, Measurement

__all__ = ["ENTITIES", "check_up", "health_file", "measurement"]

FILE = "elderly_health_file"
READING = Numeric(4, 1)
"""Blood glucose and weight: one decimal place, below 1000."""

health_file = record_table(
    FILE,
    HealthFile,
    UniqueConstraint("community_id", "resident_id"),
)

measurement = record_table(
    "elderly_health_measurement",
    Measurement,
    Index(None, "community_id", "resident_id", "measured_on"),
    types={"glucose": READING, "weight": READING},
)

check_up = record_table(
    "elderly_health_check_up",
    CheckUp,
    Index(None, "community_id", "resident_id", "checked_on"),
)

# An anonymised resident's health goes: files, readings and check-ups are deleted
# (by the core, readings and check-ups before the files they belong to).
FORGOTTEN = Erasure.delete()

ENTITIES = (
    Entity(HealthFile, health_file, resident_column="resident_id", erasure=FORGOTTEN),
    Entity(Measurement, measurement, resident_column="resident_id", erasure=FORGOTTEN),
    Entity(CheckUp, check_up, resident_column="resident_id", erasure=FORGOTTEN),
)
"""The plugin's entities; their names (the table names) prefix their permissions."""
