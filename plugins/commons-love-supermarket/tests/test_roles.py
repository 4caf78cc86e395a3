"""The clerk (爱心超市营业员) is the love supermarket's role, not the core's."""

from __future__ import annotations

from pathlib import Path

from commons_love_supermarket import SELL, plugin

from commons_core import open_commons
from commons_core.access import BUILTIN_ROLES, Actor, Scope
from commons_core.demo import demo_users
from commons_core.plugins import make_plugin_host


def test_the_plugin_brings_the_clerk_with_what_it_could_do_before(tmp_path: Path) -> None:
    assert "clerk" not in {r.name for r in BUILTIN_ROLES}
    host = make_plugin_host(load_entry_points=False, plugins={plugin.name: plugin})
    commons = open_commons(f"sqlite:///{tmp_path}/clerk.db", host=host, upgrade=True)
    try:
        clerk = commons.access.roles["clerk"]
        policy = commons.access
    finally:
        commons.close()
    assert clerk.label.zh == "爱心超市营业员"
    actor = Actor("li", frozenset({"clerk"}), Scope.everything())
    for allowed in ("household:read", "resident:list", "community:read", "partner_unit:read", SELL):
        assert policy.allows(actor, allowed), allowed
    for denied in ("household:update", "reveal:identity", "reveal:assistance", "reveal:contact"):
        assert not policy.allows(actor, denied), denied
    assert ("clerk", "clerk") in demo_users(host.roles()), "the demo's clerk logs in as before"
