"""Persistence: the shared metadata and tables, engines, migrations, row security."""

from commons_core.storage.derive import record_table
from commons_core.storage.engine import DEFAULT_URL, make_engine
from commons_core.storage.erasure import ANONYMOUS, Erasure
from commons_core.storage.migrate import CORE_BRANCH, CORE_HEAD
from commons_core.storage.money import MONEY, money_column
from commons_core.storage.schema import (
    AttrsList,
    AwareDateTime,
    Entity,
    EnumSet,
    EnumValue,
    MigrationBranch,
    StringTuple,
    community_fk,
    community_table,
    metadata,
    reference_table,
)

__all__ = [
    "ANONYMOUS",
    "CORE_BRANCH",
    "CORE_HEAD",
    "DEFAULT_URL",
    "MONEY",
    "AttrsList",
    "AwareDateTime",
    "Entity",
    "EnumSet",
    "EnumValue",
    "Erasure",
    "MigrationBranch",
    "StringTuple",
    "community_fk",
    "community_table",
    "make_engine",
    "metadata",
    "money_column",
    "record_table",
    "reference_table",
]
