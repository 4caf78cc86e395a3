"""The role the core's tests act as when they need staff who reveal nothing.

The core's own roles all see something in clear (the grid worker contacts, the
auditor everything); the roles that see nothing are plugins' (the love
supermarket's clerk). The core's tests know no plugin, so they declare this
stand-in through a plugin of their own (``commons_plugins`` in ``conftest.py``).
"""

from __future__ import annotations

from commons_core.access import Role
from commons_core.model import Label
from commons_core.plugin import Plugin

__all__ = ["READER", "READER_PLUGIN"]

READER = Role(
    "reader",
    Label("查阅员", "reader"),
    (
        "household:list",
        "household:read",
        "resident:list",
        "resident:read",
        "community:list",
        "community:read",
        "street_office:list",
        "street_office:read",
    ),
)
"""Lists and reads households and residents; reveals no sensitive field."""

READER_PLUGIN = Plugin(
    name="core_test_roles",
    label=Label("核心测试角色", "the core tests' roles"),
    package="commons_core",
    version="0",
    roles=[READER],
)
"""The plugin the core's tests run with: it adds :data:`READER` and nothing else."""
