"""The plugin's tables, all community-scoped and prefixed ``elderly_health_``.

Every link carries ``community_id`` (Citus co-location). Every record names
its resident, so zone and household actors see only their own residents'
records, and the coverage report joins residents, files and check-ups on
indexes ``(community_id, resident_id, …)``.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, Index, Integer, Numeric, String, Text, UniqueConstraint, Uuid

from commons_core.storage import Entity, EnumSet, EnumValue, community_fk, community_table

from .model import CheckUp, ChronicCondition, FileStatus, HealthFile, Measurement

__all__ = ["ENTITIES", "check_up", "health_file", "measurement"]

FILE = "elderly_health_file"
READING = Numeric(4, 1)
"""Blood glucose and weight: one decimal place, below 1000."""

health_file = community_table(
    FILE,
    Column("resident_id", Uuid, nullable=False),
    Column("status", EnumValue(FileStatus), nullable=False),
    Column("due_on", Date),
    Column("opened_on", Date),
    Column("clinic_id", Uuid),
    Column("conditions", EnumSet(ChronicCondition, 200)),
    Column("contact_name", String(100)),
    Column("contact_relation", String(50)),
    Column("contact_phone", String(20)),
    Column("note", Text),
    community_fk("resident_id", "resident"),
    community_fk("clinic_id", "partner_unit"),
    UniqueConstraint("community_id", "resident_id"),
)

measurement = community_table(
    "elderly_health_measurement",
    Column("resident_id", Uuid, nullable=False),
    Column("file_id", Uuid, nullable=False),
    Column("measured_on", Date, nullable=False),
    Column("systolic", Integer),
    Column("diastolic", Integer),
    Column("glucose", READING),
    Column("weight", READING),
    community_fk("resident_id", "resident"),
    community_fk("file_id", FILE),
    Index(None, "community_id", "resident_id", "measured_on"),
)

check_up = community_table(
    "elderly_health_check_up",
    Column("resident_id", Uuid, nullable=False),
    Column("file_id", Uuid, nullable=False),
    Column("checked_on", Date, nullable=False),
    Column("clinic_id", Uuid, nullable=False),
    Column("findings", Text),
    community_fk("resident_id", "resident"),
    community_fk("file_id", FILE),
    community_fk("clinic_id", "partner_unit"),
    Index(None, "community_id", "resident_id", "checked_on"),
)

ENTITIES = (
    Entity(HealthFile, health_file, resident_column="resident_id"),
    Entity(Measurement, measurement, resident_column="resident_id"),
    Entity(CheckUp, check_up, resident_column="resident_id"),
)
"""The plugin's entities; their names (the table names) prefix their permissions."""
