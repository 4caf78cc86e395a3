"""The conformance suite: what every plugin must keep, run by a few lines in its tests.

::

    # tests/test_conformance.py of a plugin
    from commons_core.conformance import PluginConformance
    from commons_visit_log import plugin


    class TestConformance(PluginConformance):
        plugin = plugin

A plugin that needs others (``requires=``) lists them: ``requires = {"love_supermarket":
love_supermarket.plugin}``. Each check is a test of its own, on SQLite and, when
``COMMONS_TEST_POSTGRES_URL`` is set, on PostgreSQL:

- it loads beside the core without a conflict;
- its tables distribute by community (Citus keys: ``community_id`` first in every
  primary key and in every foreign key to a community-scoped table);
- its migrations start one branch after the core's and create exactly its tables;
- every permission it declares is granted to some role (the administrator's ``*``
  does not count), and every grant names a role that exists;
- every hookspec it adds is documented;
- every entity that refers to a resident declares its erasure (``Entity(erasure=…)``);
- its rule codes carry its name (``visit_log.…``);
- its demo loads, and a reader of its records without ``reveal:`` permissions gets
  every sensitive field masked, in the SDK and in the API's JSON.

A failing check says what to fix, naming the table, permission, hook or field.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest

from commons_core.access import WITHHELD, Actor, Role, Scope
from commons_core.hookspecs import PROJECT
from commons_core.model import Label, sensitive_fields
from commons_core.plugin import Plugin
from commons_core.plugins import PluginHost, make_plugin_host
from commons_core.services import Commons
from commons_core.storage.schema import Entity
from commons_core.testing import (
    assert_branch_from_core,
    assert_community_keys,
    assert_no_schema_drift,
    backend_params,
    loaded_demo,
)
from commons_core.validation.codes import misnamed_codes

__all__ = ["READER", "PluginConformance"]

READER = "conformance_reader"
"""The role the masking check reads as: every entity's ``list`` and ``read``, no reveal."""


_READER_PLUGIN = Plugin(
    name="conformance",
    label=Label("一致性检查", "conformance checks"),
    package=__name__,
    roles=[Role(READER, Label("一致性检查读者", "conformance reader"), ("*:list", "*:read"))],
)
"""Adds the :data:`READER` role, for the masking check only."""


class PluginConformance:
    """Subclass as ``TestConformance`` and set :attr:`plugin`: pytest runs every check."""

    plugin: ClassVar[Plugin]
    """The plugin's manifest."""
    requires: ClassVar[Mapping[str, object]] = {}
    """The plugins it needs, by name (its ``requires=``)."""

    # -- the fixtures the checks share ----------------------------------------------

    @pytest.fixture
    def commons_plugins(self) -> Mapping[str, object]:
        """The plugin and those it requires (the testing kit's ``commons`` uses this)."""
        return {self.plugin.name: self.plugin, **self.requires}

    @pytest.fixture(scope="class", params=backend_params())
    @classmethod
    def demo(
        cls, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
    ) -> Iterator[Commons]:
        """The whole demo with the plugin and the masking check's reader role."""
        plugins = {cls.plugin.name: cls.plugin, **cls.requires, "conformance": _READER_PLUGIN}
        with loaded_demo(request.param, tmp_path_factory.mktemp("demo"), plugins) as commons:
            yield commons

    def _host(self) -> PluginHost:
        return make_plugin_host(
            load_entry_points=False, plugins={self.plugin.name: self.plugin, **self.requires}
        )

    def _entities(self) -> list[Entity]:
        return list(self.plugin.value("entities"))

    # -- the checks -------------------------------------------------------------------

    def test_loads_beside_the_core(self) -> None:
        """Registered with the core and what it requires, the plugin is ``ok``."""
        host = self._host()
        info = {p.name: p for p in host.plugins}[self.plugin.name]
        assert info.status == "ok", info.reason

    def test_tables_distribute_by_community(self) -> None:
        """Citus keys: every table ``<name>_…``, community-scoped, keyed by community first."""
        assert_community_keys(self._entities(), self.plugin.name)

    def test_migrations_branch_from_the_core(self) -> None:
        """One branch labelled with the plugin's name, after a revision of the core."""
        folder = self.plugin.folder("migrations/versions")
        if not self._entities():
            pytest.skip("the plugin adds no tables")
        assert folder is not None, f"{self.plugin.package} has no migrations/versions folder"
        assert_branch_from_core(Path(folder), self.plugin.name)

    def test_migrations_create_exactly_the_tables(self, commons: Commons) -> None:
        """After ``db upgrade`` the database matches the tables: no drift."""
        assert_no_schema_drift(commons)

    def test_every_permission_is_granted(self, commons: Commons) -> None:
        """A permission no role holds (but the administrator's ``*``) cannot be used."""
        declared = [p.name for p in self.plugin.value("permissions")]
        roles = [r for r in commons.access.roles.values() if "*" not in r.permissions]
        ungranted = [
            name
            for name in declared
            if not any(
                commons.access.allows(Actor("check", frozenset({r.name}), Scope.everything()), name)
                for r in roles
            )
        ]
        assert not ungranted, f"no role is granted {', '.join(ungranted)}: grant it (grants=)"

    def test_every_hookspec_is_documented(self) -> None:
        """Every hook the plugin adds for others has a docstring."""
        specs = self.plugin.value("hookspecs")
        if specs is None:
            pytest.skip("the plugin adds no hooks")
        marked = [
            name
            for name, function in inspect.getmembers(specs, callable)
            if hasattr(function, f"{PROJECT}_spec")
        ]
        assert marked, f"{specs!r} declares no hookspec"
        undocumented = [n for n in marked if not inspect.getdoc(getattr(specs, n))]
        assert not undocumented, f"hookspecs without a docstring: {', '.join(undocumented)}"

    def test_erasure_is_declared(self) -> None:
        """Every entity that refers to a resident says what anonymising the resident does."""
        from commons_core.services.erasure import undeclared

        missing = undeclared(self._entities())
        assert not missing, f"entities that refer to a resident and declare no erasure: {missing}"

    def test_rule_codes_carry_the_plugins_name(self) -> None:
        """Every code of its rules starts with ``<name>.`` (or is the core's own)."""
        wrong = [
            code for _rule, code in misnamed_codes(self.plugin.name, self.plugin.value("rules"))
        ]
        assert not wrong, f"rule codes without the prefix {self.plugin.name}.: {', '.join(wrong)}"

    def test_demo_loads(self, demo: Commons) -> None:
        """The demo hook runs in the whole demo, and fills at least one of its tables."""
        entities = self._entities()
        if not entities:
            pytest.skip("the plugin adds no tables")
        admin = Actor.local_admin()
        with demo.unit_of_work(admin, readonly=True) as uow:
            counts = {e.name: uow.repo(e.model).count() for e in entities}
        assert any(counts.values()), f"the demo adds no record to any table: {counts}"

    def test_sensitive_fields_are_masked(self, demo: Commons) -> None:
        """Read without ``reveal:`` permissions, no sensitive value comes back in clear."""
        admin, reader = (
            Actor.local_admin(),
            Actor("reader", frozenset({READER}), Scope.everything()),
        )
        for entity in self._entities():
            fields = sensitive_fields(entity.model)
            if not fields:
                continue
            with demo.unit_of_work(admin) as uow:
                found: list[Any] = uow.repo(entity.model).find(limit=20, reveal=True)
                clear = {o.id: o for o in found}
            with demo.unit_of_work(reader, readonly=True) as uow:
                masked: list[Any] = uow.repo(entity.model).find(limit=20)
            for record in masked:
                shown = demo.codec.unstructure(record)
                for field in fields:
                    stored = getattr(clear[record.id], field)
                    if stored is None:
                        continue
                    value = getattr(record, field)
                    assert value != stored or value == WITHHELD, (entity.name, field, value)
                    assert shown[field] == demo.codec.unstructure(value), (entity.name, field)
