"""The plugin's hook implementations: only wiring of the modules beside it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from commons_core import DomainEvent, Household, hookimpl
from commons_core.storage import Entity, MigrationBranch
from commons_love_supermarket import PLUGIN_NAME
from commons_love_supermarket.demo import load_demo_data
from commons_love_supermarket.hookspecs import LoveSupermarketSpecs
from commons_love_supermarket.model import Decision
from commons_love_supermarket.reports import DisclosureReport, LedgerReport, StockReport
from commons_love_supermarket.rules import rules
from commons_love_supermarket.services import (
    PERMISSIONS,
    ROLE_GRANTS,
    SupermarketService,
    default_eligibility,
)
from commons_love_supermarket.tables import ENTITIES

if TYPE_CHECKING:
    import click

    from commons_core.access import Permission
    from commons_core.demo import DemoContext
    from commons_core.plugins import PluginHost
    from commons_core.reports import Report
    from commons_core.services import UnitOfWork
    from commons_core.validation import Rule

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


@hookimpl
def commons_add_hookspecs(host: PluginHost) -> None:
    """Add ``love_supermarket_eligibility``, so other plugins can extend who may buy."""
    host.add_hookspecs(LoveSupermarketSpecs)


@hookimpl
def commons_entities() -> Sequence[Entity]:
    """Settings, catalogue, lots, donations, purchases, sales, the account, eligibility changes."""
    return ENTITIES


@hookimpl
def commons_validation_rules() -> Sequence[Rule]:
    """Money, quantities, donors, links and dates."""
    return rules()


@hookimpl
def commons_permissions() -> Sequence[Permission]:
    """``love_supermarket:sell``, ``:stock`` and ``:manage``."""
    return PERMISSIONS


@hookimpl
def commons_role_grants() -> Mapping[str, Sequence[str]]:
    """The clerk sells and keeps stock, the cadre does everything, the auditor reads."""
    return ROLE_GRANTS


@hookimpl
def commons_on_events(uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
    """Record households that became eligible or ineligible through a status change."""
    SupermarketService(uow).record_eligibility_changes(events)


@hookimpl
def commons_reports() -> Sequence[Report]:
    """The account by month, the stock, and the public disclosure."""
    return [LedgerReport(), StockReport(), DisclosureReport()]


@hookimpl
def commons_cli_commands() -> Sequence[click.Command]:
    """``commons supermarket …``."""
    from commons_love_supermarket.cli import supermarket

    return [supermarket]


@hookimpl
def commons_demo_data(uow: UnitOfWork, demo: DemoContext) -> None:
    """A supermarket with months of history in every demo community."""
    load_demo_data(uow, demo)


@hookimpl
def commons_web_pages() -> Sequence[object]:
    """Stock, sale and ledger pages and their JSON API in the reference deployment."""
    # Imported here: the plugin works where the web app is not installed.
    from commons_love_supermarket.web import contribution

    return [contribution()]


@hookimpl
def commons_migration_locations() -> Sequence[MigrationBranch]:
    """The ``love_supermarket`` Alembic branch."""
    return [MigrationBranch(PLUGIN_NAME, MIGRATIONS)]


@hookimpl(trylast=True)
def love_supermarket_eligibility(household: Household, on: date) -> Decision:
    """The default rule, asked last: 低保 and 困难 households may buy."""
    return default_eligibility(household)
