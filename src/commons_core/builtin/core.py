"""The core's own hook implementations: its entities, rules, reports and migrations."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table

from commons_core.hookspecs import hookimpl
from commons_core.reports import CommunitySummary, Report
from commons_core.storage.migrate import CORE_BRANCH
from commons_core.storage.schema import Entity, MigrationBranch
from commons_core.storage.tables import core_entities, core_tables
from commons_core.validation import Rule
from commons_core.validation.core_rules import core_rules


@hookimpl
def commons_entities() -> Sequence[Entity]:
    """The core model's entities."""
    return core_entities()


@hookimpl
def commons_tables() -> Sequence[Table]:
    """Users and the audit trail."""
    return core_tables()


@hookimpl
def commons_validation_rules() -> Sequence[Rule]:
    """The core model's rules."""
    return core_rules()


@hookimpl
def commons_reports() -> Sequence[Report]:
    """``community-summary``."""
    return [CommunitySummary()]


@hookimpl
def commons_migration_locations() -> Sequence[MigrationBranch]:
    """The core's Alembic branch."""
    return [CORE_BRANCH]
