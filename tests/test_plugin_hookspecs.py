"""Plugins may define hookspecs of their own, which other plugins then implement."""

from __future__ import annotations

import types

import pluggy
import pytest

from commons_core import PluginError, hookimpl
from commons_core.hookspecs import PROJECT
from commons_core.plugins import make_plugin_host

hookspec = pluggy.HookspecMarker(PROJECT)


class GreeterSpecs:
    @hookspec(firstresult=True)
    def greeter_greeting(self, name: str) -> str | None:
        """A greeting for ``name``."""


def _owner() -> types.ModuleType:
    module = types.ModuleType("greeter")

    @hookimpl
    def commons_add_hookspecs(host: object) -> None:
        host.add_hookspecs(GreeterSpecs)  # type: ignore[attr-defined]

    @hookimpl(trylast=True)
    def greeter_greeting(name: str) -> str:
        return f"你好 {name}"

    module.commons_add_hookspecs = commons_add_hookspecs  # type: ignore[attr-defined]
    module.greeter_greeting = greeter_greeting  # type: ignore[attr-defined]
    return module


def _extension() -> types.ModuleType:
    module = types.ModuleType("extension")

    @hookimpl
    def greeter_greeting(name: str) -> str | None:
        return "hello admin" if name == "admin" else None

    module.greeter_greeting = greeter_greeting  # type: ignore[attr-defined]
    return module


def test_a_plugin_adds_hookspecs_that_it_and_others_implement() -> None:
    # The extension registers first: its hook has no spec until the owner adds it.
    host = make_plugin_host(
        load_entry_points=False, plugins={"extension": _extension(), "greeter": _owner()}
    )
    assert {p.name: p.status for p in host.plugins}["extension"] == "ok"
    assert {p.name: p.status for p in host.plugins}["greeter"] == "ok"
    assert "greeter_greeting" in host.hook_names()
    assert host.pm.hook.greeter_greeting(name="张三") == "你好 张三"
    assert host.pm.hook.greeter_greeting(name="admin") == "hello admin"


def test_an_implementation_without_its_spec_owner_is_broken() -> None:
    host = make_plugin_host(load_entry_points=False, plugins={"extension": _extension()})
    info = {p.name: p for p in host.plugins}["extension"]
    assert info.status == "broken"
    assert "greeter_greeting" in (info.reason or "")


def test_a_misspelt_core_hook_is_reported_with_a_suggestion() -> None:
    module = types.ModuleType("typo")

    @hookimpl
    def commons_reprots() -> list[object]:
        return []

    module.commons_reprots = commons_reprots  # type: ignore[attr-defined]
    host = make_plugin_host(load_entry_points=False, plugins={})
    with pytest.raises(PluginError, match="did you mean commons_reports"):
        host.register(module, "typo")
