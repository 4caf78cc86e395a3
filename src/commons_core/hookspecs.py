"""The hooks a plugin can implement: the contract between the core and its plugins.

Implement a hook by defining a function of the same name in your plugin's
hooks module and marking it with :data:`commons_core.hookimpl`. Hooks are
called with keyword arguments; an implementation may accept only the
arguments it needs. Every hook below says when it is called and what it
returns. A plugin that implements a ``commons_*`` hook not listed here is
rejected with an error naming the plugin and the hook.

Example (a whole plugin module)::

    from commons_core import hookimpl

    @hookimpl
    def commons_reports():
        return [MyReport()]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import cattrs
    import click
    from sqlalchemy import Table

    from commons_core.access import Permission, Role
    from commons_core.demo import DemoContext
    from commons_core.model import DomainEvent
    from commons_core.plugins import PluginHost
    from commons_core.reports import Report
    from commons_core.services import Commons, UnitOfWork
    from commons_core.storage import Entity, MigrationBranch
    from commons_core.validation import Rule

__all__ = ["PROJECT", "CommonsSpecs", "hookimpl", "hookspec"]

PROJECT = "commons_core"
"""The pluggy project name, which is also the entry-point group plugins register in."""

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class CommonsSpecs:
    """Every hook of the core. Plugins may add hookspecs of their own (see the first hook)."""

    # Hookspecs have no bodies: the docstring is the specification.

    @hookspec(historic=True)
    def commons_add_hookspecs(self, host: PluginHost) -> None:
        """Add hookspecs of a plugin's own, so that other plugins can extend it.

        Called once for every plugin as it is registered (a historic hook, so
        plugins registered later still receive it). Hooks a plugin defines
        must not start with ``commons_``; name them after the plugin.

        :param host: the plugin host; call ``host.add_hookspecs(MySpecs)``.
        :returns: nothing.

        Example::

            from commons_core.hookspecs import hookspec

            class LoveSupermarketSpecs:
                @hookspec
                def love_supermarket_restocked(self, uow, items): ...

            @hookimpl
            def commons_add_hookspecs(host):
                host.add_hookspecs(LoveSupermarketSpecs)
        """

    @hookspec
    def commons_entities(self) -> Sequence[Entity]:
        """Contribute models and their tables.

        Called when a host builds its schema (database, migrations, access
        rules, exports). Each :class:`~commons_core.storage.Entity` pairs a
        frozen attrs class with the SQLAlchemy table that stores it; its
        fields' labels and sensitivity come from the attrs metadata.
        Community-scoped tables must carry ``community_id`` in their primary
        key and in every foreign key to another community-scoped table.

        :returns: the plugin's entities.

        Example::

            @hookimpl
            def commons_entities():
                return [Entity(model=Sale, table=sale_table, name="love_supermarket_sale")]
        """

    @hookspec
    def commons_tables(self) -> Sequence[Table]:
        """Contribute tables that do not store an entity (link tables, ledgers of totals …).

        Called when the schema is built, like :meth:`commons_entities`. Define
        the tables on :data:`commons_core.storage.metadata`, prefixed with the
        plugin's name.

        :returns: the tables.

        Example::

            @hookimpl
            def commons_tables():
                return [love_supermarket_stock_total]
        """

    @hookspec
    def commons_converter(self, converter: cattrs.Converter) -> None:
        """Register cattrs structure and unstructure hooks for the plugin's types.

        Called once per host, after the core's hooks are registered and
        before the converter is first used.

        :param converter: the host's private converter.
        :returns: nothing.

        Example::

            @hookimpl
            def commons_converter(converter):
                converter.register_unstructure_hook(Money, str)
        """

    @hookspec
    def commons_validation_rules(self) -> Sequence[Rule]:
        """Contribute field rules and object rules.

        Called once per host. A :class:`~commons_core.validation.FieldRule`
        checks and normalises one field and runs while input is structured;
        an :class:`~commons_core.validation.ObjectRule` checks a whole object.
        Both run on every path: API input, imports, and objects built in
        Python before they are stored.

        :returns: the rules.

        Example::

            @hookimpl
            def commons_validation_rules():
                return [ObjectRule(Measurement, "measurement", check_measurement)]
        """

    @hookspec
    def commons_permissions(self) -> Sequence[Permission]:
        """Declare the permissions a plugin checks, with bilingual labels.

        Called once per host. Entities get ``<entity>:<action>`` permissions
        automatically; declare the others here (``love_supermarket:sell``).

        :returns: the permissions.

        Example::

            @hookimpl
            def commons_permissions():
                return [Permission("love_supermarket:sell", Label("销售", "sell at the counter"))]
        """

    @hookspec
    def commons_roles(self) -> Sequence[Role]:
        """Contribute new roles.

        Called once per host, before :meth:`commons_role_grants`. Role names
        are global: name them after the plugin's trade (``patroller``).

        :returns: the roles.

        Example::

            @hookimpl
            def commons_roles():
                return [Role("patroller", Label("巡逻员", "patroller"), ("safety_patrol_*:read",))]
        """

    @hookspec
    def commons_role_grants(self) -> Mapping[str, Sequence[str]]:
        """Grant permissions to existing roles (built-in or other plugins').

        Called once per host. Permission patterns may use ``*`` for a part:
        ``elderly_health_*:read``.

        :returns: role name → permission patterns to add.

        Example::

            @hookimpl
            def commons_role_grants():
                return {"health_worker": ["elderly_health_*:*", "reveal:health"]}
        """

    @hookspec
    def commons_on_events(self, uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
        """React to domain events inside the unit of work that produced them.

        Called once per batch of events, just before the unit of work commits
        (once per batch of an import, never once per row). A plugin may read
        and write through ``uow``; raising an exception rolls the whole unit
        of work back, and the error names the plugin.

        :param uow: the unit of work, acting as the same actor.
        :param events: the events of this batch, in order.
        :returns: nothing.

        Example::

            @hookimpl
            def commons_on_events(uow, events):
                elderly = [
                    e for e in events
                    if isinstance(e, ResidentRegistered) and e.birth_date <= SIXTY_YEARS_AGO
                ]
                uow.repo(HealthFile).add_many(
                    HealthFile(community_id=e.community_id, resident_id=e.resident_id)
                    for e in elderly
                )
        """

    @hookspec
    def commons_events_committed(self, commons: Commons, events: Sequence[DomainEvent]) -> None:
        """Be told of domain events after their unit of work has committed.

        Called once per committed unit of work that produced events. The
        changes are already durable; use this for notifications and caches.
        To write, open a new unit of work with ``commons.unit_of_work(actor)``.

        :param commons: the SDK handle.
        :param events: every event of the unit of work, in order.
        :returns: nothing.

        Example::

            @hookimpl
            def commons_events_committed(commons, events):
                if any(isinstance(e, ResidentMovedOut) for e in events):
                    stock_cache.clear()
        """

    @hookspec
    def commons_reports(self) -> Sequence[Report]:
        """Contribute reports, run by ``commons report NAME``.

        Called once per host. Report names are global: prefix them with the
        plugin's name (``love-supermarket-ledger``).

        :returns: the reports.

        Example::

            @hookimpl
            def commons_reports():
                return [LedgerReport(), DisclosureReport()]
        """

    @hookspec
    def commons_cli_commands(self) -> Sequence[click.Command]:
        """Contribute ``commons`` subcommands.

        Called when the command line starts. A command reaches the SDK through
        :func:`commons_core.cli.get_commons` on its click context. Name
        commands after the plugin; a name taken by the core is skipped with a
        warning.

        :returns: click commands or groups.

        Example::

            @click.command("love-supermarket-stock", help="库存 / show the stock.")
            def stock():
                with get_commons().unit_of_work(get_actor(), readonly=True) as uow:
                    echo_json(current_stock(uow))

            @hookimpl
            def commons_cli_commands():
                return [stock]
        """

    @hookspec
    def commons_demo_data(self, uow: UnitOfWork, demo: DemoContext) -> None:
        """Add the plugin's demo data to the demo communities.

        Called by ``commons demo`` after the core's demo data is written, in
        the same unit of work, so the demo is loaded whole or not at all.

        :param uow: the unit of work.
        :param demo: the demo communities, a seeded random generator and the demo date.
        :returns: nothing.

        Example::

            @hookimpl
            def commons_demo_data(uow, demo):
                for data in demo.data.values():
                    poor = [h for h in data.households if h.statuses]
                    uow.repo(Card).add_many(
                        Card(community_id=h.community_id, household_id=h.id,
                             issued_on=demo.today - timedelta(days=demo.rng.randint(0, 365)))
                        for h in poor
                    )
        """

    @hookspec
    def commons_migration_locations(self) -> Sequence[MigrationBranch]:
        """Hand over the plugin's Alembic branch.

        Called when migrations run. The branch's revisions carry the branch
        label and ``depends_on`` the core revision they need.

        :returns: the branches (usually one).

        Example::

            @hookimpl
            def commons_migration_locations():
                versions = Path(__file__).parent / "migrations" / "versions"
                return [MigrationBranch("love_supermarket", versions)]
        """

    @hookspec
    def commons_web_pages(self) -> Sequence[object]:
        """Contribute pages and API routes to a web application built on the SDK.

        Called by web applications when they start; what the objects are is
        the application's contract (the reference deployment takes Litestar
        route handlers and routers, see its README).

        :returns: route handlers.

        Example::

            @hookimpl
            def commons_web_pages():
                return [ledger_page]
        """
