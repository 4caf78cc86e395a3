"""The plugin host: loading, unknown hooks, broken and disabled plugins, errors naming plugins."""

from __future__ import annotations

import json
import types
from importlib.metadata import EntryPoint
from typing import Any

import pytest

from commons_core import hookimpl
from commons_core.errors import PluginError
from commons_core.hookspecs import CommonsSpecs
from commons_core.plugins import PluginHost, make_plugin_host
from commons_core.reports import CommunitySummary


def module(name: str, **functions: Any) -> types.ModuleType:
    mod = types.ModuleType(name)
    for key, value in functions.items():
        setattr(mod, key, hookimpl(value))
    return mod


def test_every_hookspec_has_a_docstring_saying_when_it_is_called() -> None:
    hooks = [n for n in dir(CommonsSpecs) if n.startswith("commons_")]
    assert len(hooks) >= 14
    for name in hooks:
        doc = getattr(CommonsSpecs, name).__doc__ or ""
        assert "Called" in doc, name


def test_the_required_hooks_exist() -> None:
    required = {
        "commons_entities",
        "commons_tables",
        "commons_converter",
        "commons_validation_rules",
        "commons_on_events",
        "commons_events_committed",
        "commons_reports",
        "commons_cli_commands",
        "commons_demo_data",
        "commons_migration_locations",
        "commons_permissions",
        "commons_role_grants",
    }
    assert required <= set(make_plugin_host(load_entry_points=False).hook_names())


def test_unknown_core_hook_is_rejected_naming_plugin_and_hook() -> None:
    bad = module("typo", commons_reprots=lambda: [])
    with pytest.raises(PluginError) as caught:
        make_plugin_host(load_entry_points=False, plugins={"typo": bad})
    message = str(caught.value)
    assert "typo" in message and "commons_reprots" in message and "commons_reports" in message


def test_unknown_plugin_defined_hook_marks_the_plugin_broken() -> None:
    orphan = module("orphan", supermarket_eligibility=lambda: None)
    host = make_plugin_host(load_entry_points=False, plugins={"orphan": orphan})
    info = {p.name: p for p in host.plugins}["orphan"]
    assert info.status == "broken"
    assert "supermarket_eligibility" in (info.reason or "")
    assert host.pm.get_plugin("orphan") is None


def test_plugins_can_define_hookspecs_for_other_plugins() -> None:
    from commons_core.hookspecs import hookspec

    class Specs:
        @hookspec
        def shop_price(self, item: str) -> int:  # type: ignore[empty-body]
            """Called to price an item."""

    owner = module("shop", commons_add_hookspecs=lambda host: host.add_hookspecs(Specs))
    extender = module("pricing", shop_price=lambda item: 3)
    host = make_plugin_host(load_entry_points=False, plugins={"pricing": extender, "shop": owner})
    assert all(p.status == "ok" for p in host.plugins)
    assert host.pm.hook.shop_price(item="rice") == [3]


def test_plugin_hookspecs_may_not_use_the_core_prefix() -> None:
    from commons_core.hookspecs import hookspec

    class Specs:
        @hookspec
        def commons_mine(self) -> None:
            """Called never."""

    owner = module("sneaky", commons_add_hookspecs=lambda host: host.add_hookspecs(Specs))
    with pytest.raises(PluginError, match="commons_mine"):
        make_plugin_host(load_entry_points=False, plugins={"sneaky": owner})


def fake_entry_points(monkeypatch: pytest.MonkeyPatch, eps: list[EntryPoint]) -> None:
    monkeypatch.setattr("commons_core.plugins.entry_points", lambda group: eps)
    monkeypatch.setattr(
        "commons_core.plugins._distribution",
        lambda ep: (f"commons-{ep.name.replace('_', '-')}", "9.9"),
    )


def test_a_plugin_that_fails_to_import_is_listed_broken_and_the_others_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    good = module("good_plugin", commons_reports=lambda: [])
    monkeypatch.setitem(__import__("sys").modules, "good_plugin", good)
    fake_entry_points(
        monkeypatch,
        [
            EntryPoint("broken_one", "no_such_module_xyz.hooks", "commons_core"),
            EntryPoint("good", "good_plugin", "commons_core"),
        ],
    )
    host = make_plugin_host()
    infos = {p.name: p for p in host.plugins}
    assert infos["good"].status == "ok"
    broken = infos["broken_one"]
    assert broken.status == "broken"
    assert "commons-broken-one" in (broken.reason or "")
    assert "no_such_module_xyz" in (broken.reason or "")
    assert broken.as_json()["status"] == "broken"


def test_disabled_plugins_are_not_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_entry_points(monkeypatch, [EntryPoint("off", "no_such_module_xyz", "commons_core")])
    monkeypatch.setenv("COMMONS_DISABLED_PLUGINS", "off")
    host = make_plugin_host()
    assert {p.name: p.status for p in host.plugins}["off"] == "disabled"


def test_commons_plugins_json_shows_broken_plugins(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from commons_core.cli import main

    fake_entry_points(monkeypatch, [EntryPoint("broken_one", "no_such_module_xyz", "commons_core")])
    main(["plugins", "--json"])
    captured = capsys.readouterr()
    listed = {p["name"]: p for p in json.loads(captured.out)}
    assert set(listed["commons_core"]) >= {"name", "version", "hooks", "status"}
    assert listed["commons_core"]["status"] == "ok"
    assert listed["broken_one"]["status"] == "broken"
    assert "broken_one" in captured.err


def test_an_exception_in_a_hook_names_the_plugin() -> None:
    def explode() -> list[Any]:
        raise RuntimeError("boom")

    host = make_plugin_host(
        load_entry_points=False, plugins={"exploding": module("x", commons_reports=explode)}
    )
    with pytest.raises(PluginError) as caught:
        host.reports()
    assert caught.value.plugin == "exploding"
    assert "commons_reports" in str(caught.value) and "boom" in str(caught.value)


def test_report_names_are_unique_across_plugins() -> None:
    """The plugin declaring a report name taken already is refused, naming both."""
    twin = module("twin", commons_reports=lambda: [CommunitySummary()])
    host = make_plugin_host(load_entry_points=False, plugins={"twin": twin})
    assert list(host.reports()) == ["community-summary"]
    refused = next(p for p in host.plugins if p.name == "twin")
    assert refused.status == "broken" and refused.reason
    assert "report community-summary" in refused.reason and "commons_core" in refused.reason


def test_a_name_cannot_be_registered_twice() -> None:
    host = PluginHost()
    host.register(module("a"), "same")
    with pytest.raises(PluginError):
        host.register(module("b"), "same")


def test_hosts_do_not_share_state() -> None:
    first = make_plugin_host(
        load_entry_points=False, plugins={"extra": module("e", commons_reports=lambda: [])}
    )
    second = make_plugin_host(load_entry_points=False)
    assert "extra" in {p.name for p in first.plugins}
    assert "extra" not in {p.name for p in second.plugins}
