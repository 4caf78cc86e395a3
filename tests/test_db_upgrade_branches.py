"""``commons db upgrade`` names the head of every branch, plugins' included."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from commons_core import hookimpl
from commons_core.cli.context import CliState
from commons_core.cli.main import make_cli
from commons_core.errors import ConfigurationError
from commons_core.plugins import make_plugin_host
from commons_core.storage import MigrationBranch

REVISION = """
revision = "shop_0001"
down_revision = None
branch_labels = ("shop",)
depends_on = "core_0001"


def upgrade():
    pass


def downgrade():
    pass
"""


def shop_plugin(tmp_path: Path) -> types.ModuleType:
    """A plugin whose only contribution is a migration branch, ``shop``."""
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "shop_0001_initial.py").write_text(REVISION, encoding="utf-8")
    shop = types.ModuleType("shop")

    @hookimpl
    def commons_migration_locations() -> list[MigrationBranch]:
        return [MigrationBranch("shop", versions)]

    shop.commons_migration_locations = commons_migration_locations  # type: ignore[attr-defined]
    return shop


def test_upgrade_lists_the_core_and_plugin_branches(tmp_path: Path) -> None:
    shop = shop_plugin(tmp_path)
    host = make_plugin_host(load_entry_points=False, plugins={"shop": shop})
    url = f"sqlite:///{tmp_path / 'shop.db'}"

    def upgrade() -> str:
        state = CliState(url, None, False, host)
        result = CliRunner().invoke(make_cli(host), ["--db", url, "db", "upgrade"], obj=state)
        assert result.exit_code == 0, result.output
        return result.output.strip()

    # Every branch's head is named: the core's and the plugin's (which depends on core_0001).
    assert upgrade() == "已升级 / upgraded to: core_0002, shop_0001"
    assert upgrade() == "已是最新 / already at the latest revision: core_0002, shop_0001"


def test_a_database_migrated_by_a_missing_plugin_is_a_clear_error(tmp_path: Path) -> None:
    """Uninstalling or disabling a plugin leaves its revision behind: say so, not a traceback."""
    shop = shop_plugin(tmp_path)
    url = f"sqlite:///{tmp_path / 'shop.db'}"

    def upgrade(plugins: dict[str, object]) -> Any:
        host = make_plugin_host(load_entry_points=False, plugins=plugins)
        state = CliState(url, None, False, host)
        return CliRunner().invoke(make_cli(host), ["--db", url, "db", "upgrade"], obj=state)

    assert upgrade({"shop": shop}).exit_code == 0
    # An SDK error, which ``commons`` prints as one line, not Alembic's "Can't locate revision".
    without = upgrade({}).exception
    assert isinstance(without, ConfigurationError)
    assert "shop_0001" in str(without)
    assert "not installed or are disabled" in str(without)
