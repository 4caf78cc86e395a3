"""The schema: the branch follows the core's, and every table distributes by community.

That the migration creates exactly the tables is checked on the loaded demo (test_demo.py).
"""

from __future__ import annotations

from commons_safety_patrol import PLUGIN_NAME, plugin
from commons_safety_patrol.tables import ENTITIES

from commons_core.testing import assert_branch_from_core, assert_community_keys


def test_the_branch_starts_from_the_core() -> None:
    folder = plugin.folder("migrations/versions")
    assert folder is not None
    assert_branch_from_core(folder, PLUGIN_NAME)


def test_every_table_is_keyed_and_linked_by_community() -> None:
    assert_community_keys(ENTITIES, PLUGIN_NAME)
