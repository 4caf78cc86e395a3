"""The health worker (健康管理员) is elderly health's role, not the core's."""

from __future__ import annotations

from pathlib import Path

from commons_elderly_health import RECORD, plugin

from commons_core import open_commons
from commons_core.access import BUILTIN_ROLES, Actor, Scope
from commons_core.demo import demo_users
from commons_core.plugins import make_plugin_host


def test_the_plugin_brings_the_health_worker_with_what_it_could_do_before(
    tmp_path: Path,
) -> None:
    assert "health_worker" not in {r.name for r in BUILTIN_ROLES}
    host = make_plugin_host(load_entry_points=False, plugins={plugin.name: plugin})
    commons = open_commons(f"sqlite:///{tmp_path}/health.db", host=host, upgrade=True)
    try:
        worker = commons.access.roles["health_worker"]
        policy = commons.access
    finally:
        commons.close()
    assert worker.label.zh == "健康管理员"
    actor = Actor("zhang", frozenset({"health_worker"}), Scope.everything())
    allowed_ones = ("resident:read", "partner_unit:list", "reveal:health", "reveal:contact")
    for allowed in (*allowed_ones, RECORD):
        assert policy.allows(actor, allowed), allowed
    for denied in ("resident:update", "reveal:identity", "reveal:assistance"):
        assert not policy.allows(actor, denied), denied
    found = demo_users(host.roles())
    assert ("health-worker", "health_worker") in found, "the demo's health worker logs in as before"
