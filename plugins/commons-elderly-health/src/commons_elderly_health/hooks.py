"""The plugin's hook implementations: wiring only, the work is in the modules they name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from commons_core import DomainEvent, hookimpl
from commons_core.storage import Entity, MigrationBranch

from . import PLUGIN_NAME
from .demo import add_demo_data
from .reports import CoverageReport
from .rules import elderly_health_rules
from .services import PERMISSIONS, ROLE_GRANTS, HealthRecords
from .tables import ENTITIES

if TYPE_CHECKING:
    import click

    from commons_core.access import Permission
    from commons_core.demo import DemoContext
    from commons_core.reports import Report
    from commons_core.services import UnitOfWork
    from commons_core.validation import Rule

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


@hookimpl
def commons_entities() -> Sequence[Entity]:
    """Health files, measurements and check-ups."""
    return ENTITIES


@hookimpl
def commons_validation_rules() -> Sequence[Rule]:
    """Plausible readings, systolic above diastolic, days not in the future."""
    return elderly_health_rules()


@hookimpl
def commons_permissions() -> Sequence[Permission]:
    """``elderly_health:record``."""
    return PERMISSIONS


@hookimpl
def commons_role_grants() -> Mapping[str, Sequence[str]]:
    """Health workers keep the records, grid workers note files due, auditors read."""
    return ROLE_GRANTS


@hookimpl
def commons_on_events(uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
    """A file is due for a resident registered at 60+; an anonymised resident's health goes."""
    HealthRecords(uow).on_events(events)


@hookimpl
def commons_reports() -> Sequence[Report]:
    """``elderly-health-coverage``."""
    return [CoverageReport()]


@hookimpl
def commons_cli_commands() -> Sequence[click.Command]:
    """``commons health …``."""
    from .cli import health

    return [health]


@hookimpl
def commons_demo_data(uow: UnitOfWork, demo: DemoContext) -> None:
    """Files for 95% of residents 60+, readings and check-ups by the demo's clinics."""
    add_demo_data(uow, demo)


@hookimpl
def commons_migration_locations() -> Sequence[MigrationBranch]:
    """The ``elderly_health`` Alembic branch."""
    return [MigrationBranch(PLUGIN_NAME, MIGRATIONS)]


@hookimpl
def commons_web_pages() -> Sequence[object]:
    """Coverage, overdue check-ups and a blood-pressure form for the reference deployment."""
    from .web import contribution

    return [contribution()]
