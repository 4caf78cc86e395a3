"""The plugin's hook implementations: wiring only, the work is in the modules they name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from commons_core import hookimpl
from commons_core.storage import Entity, MigrationBranch

from . import PLUGIN_NAME
from .demo import add_demo_data
from .reports import PatrolCoverage
from .rules import safety_patrol_rules
from .services import PERMISSIONS, ROLE_GRANTS
from .tables import ENTITIES

if TYPE_CHECKING:
    import click

    from commons_core.access import Permission
    from commons_core.demo import DemoContext
    from commons_core.reports import Report
    from commons_core.services import UnitOfWork
    from commons_core.validation import Rule


@hookimpl
def commons_entities() -> Sequence[Entity]:
    """Teams, members, routes, patterns, periods, availability, shifts, check-ins, incidents."""
    return ENTITIES


@hookimpl
def commons_validation_rules() -> Sequence[Rule]:
    """Member links, shift spans and zones, date ranges, incident follow-up."""
    return safety_patrol_rules()


@hookimpl
def commons_permissions() -> Sequence[Permission]:
    """``safety_patrol:manage`` and ``safety_patrol:check_in``."""
    return PERMISSIONS


@hookimpl
def commons_role_grants() -> Mapping[str, Sequence[str]]:
    """Cadres manage, grid workers check in and report, auditors read."""
    return ROLE_GRANTS


@hookimpl
def commons_reports() -> Sequence[Report]:
    """``patrol-coverage``."""
    return [PatrolCoverage()]


@hookimpl
def commons_cli_commands() -> Sequence[click.Command]:
    """``commons patrol …``."""
    from .cli import patrol

    return [patrol]


@hookimpl
def commons_demo_data(uow: UnitOfWork, demo: DemoContext) -> None:
    """Teams, routes over every building, a roster and check-ins for the recent weeks."""
    add_demo_data(uow, demo)


@hookimpl
def commons_web_pages() -> Sequence[object]:
    """Roster calendar, check-in and coverage pages and their JSON API in the web app."""
    # Imported here: the plugin works where the web app is not installed.
    from .web import contribution

    return [contribution()]


@hookimpl
def commons_migration_locations() -> Sequence[MigrationBranch]:
    """The ``safety_patrol`` Alembic branch."""
    return [MigrationBranch(PLUGIN_NAME, Path(__file__).parent / "migrations" / "versions")]
