"""The core's own manifest: its entities, tables, rules, reports and migrations.

Declared like any plugin's (:class:`~commons_core.plugin.Plugin`), by
references, so that starting the command line imports none of them.
"""

from __future__ import annotations

from commons_core.model import Label
from commons_core.plugin import Plugin

__all__ = ["core"]

core = Plugin(
    name="commons_core",
    label=Label("核心", "core"),
    # The core's Alembic branch is storage/migrations/versions, labelled commons_core.
    package="commons_core.storage",
    entities="commons_core.storage.tables:core_entities",
    tables="commons_core.storage.tables:core_tables",
    rules="commons_core.validation.core_rules:core_rules",
    reports="commons_core.reports:core_reports",
)
