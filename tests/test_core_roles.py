"""The core knows no plugin: the roles a plugin's staff act in come with the plugin."""

from __future__ import annotations

from pathlib import Path

from commons_core import open_commons
from commons_core.access import BUILTIN_ROLES
from commons_core.demo import DEMO_USERS, demo_users
from commons_core.plugins import make_plugin_host

from .roles import READER


def test_without_plugins_the_core_has_no_clerk_and_no_health_worker(tmp_path: Path) -> None:
    host = make_plugin_host(load_entry_points=False)
    commons = open_commons(f"sqlite:///{tmp_path}/roles.db", host=host, upgrade=True)
    try:
        roles = set(commons.access.roles)
    finally:
        commons.close()
    assert roles == {"administrator", "cadre", "grid_worker", "auditor", "resident"}
    assert {r.name for r in BUILTIN_ROLES} == roles
    assert {role for _, role in demo_users(host.roles())} == roles, "no demo user without a role"


def test_the_demo_makes_a_user_for_each_plugin_role_named_with_dashes() -> None:
    worker = READER.__class__("street_sweeper", READER.label, ())
    users = demo_users([READER, worker, READER])
    assert users == [*DEMO_USERS, ("reader", "reader"), ("street-sweeper", "street_sweeper")]
