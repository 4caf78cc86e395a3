"""Migrations: Alembic with a core branch and one branch per plugin.

Plugins hand over their branch (label and folder) through the
``commons_migration_locations`` hook; :func:`upgrade` brings an empty or
older database to the head of every branch. :func:`schema_drift` compares
the migrated database with the metadata, which tests require to be empty.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, Table

from commons_core.errors import ConfigurationError
from commons_core.keys import KeyRing
from commons_core.storage.schema import Entity, MigrationBranch

__all__ = [
    "CORE_BRANCH",
    "CORE_HEAD",
    "alembic_config",
    "branch_heads",
    "current_heads",
    "schema_drift",
    "target_metadata",
    "upgrade",
]

MIGRATIONS = Path(__file__).parent / "migrations"
CORE_BRANCH = MigrationBranch(label="commons_core", path=MIGRATIONS / "versions")
"""The core's Alembic branch: its label and its revisions' folder."""
CORE_HEAD = "core_0001"
"""The core revision plugins' first revisions depend on."""
KEYED_TRAIL = "core_0002"
"""The revision that keys the audit trail: an upgrade through it re-keys older chains."""


def target_metadata(tables: Sequence[Table]) -> MetaData:
    """A MetaData holding exactly ``tables`` (core's and the loaded plugins')."""
    metadata = MetaData(naming_convention=tables[0].metadata.naming_convention if tables else {})
    for table in tables:
        table.to_metadata(metadata)
    return metadata


def alembic_config(
    connection: Connection, branches: Sequence[MigrationBranch], tables: Sequence[Table]
) -> Config:
    """An Alembic config for ``connection`` with every branch's folder."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.set_main_option(
        "version_locations", os.pathsep.join(str(b.path) for b in _unique(branches))
    )
    config.attributes["connection"] = connection
    config.attributes["metadata"] = target_metadata(tables)
    return config


def upgrade(
    engine: Engine,
    branches: Sequence[MigrationBranch],
    tables: Sequence[Table],
    entities: Sequence[Entity] = (),
    keys: KeyRing | None = None,
) -> None:
    """Bring the database to the head of every branch, in one transaction.

    Run as the tables' owner. On PostgreSQL this also (re)installs row-level
    security for every table, plugins' included, with the ``row-scope`` keys of
    ``keys`` (see :mod:`commons_core.storage.row_security`). With ``keys``, audit
    chains written before chains were keyed are verified and re-hashed with
    the current key (:func:`~commons_core.services.audit_check.rekey_legacy_trail`), on
    the one upgrade that passes :data:`KEYED_TRAIL` only.
    """
    with engine.begin() as connection:
        config = alembic_config(connection, branches, tables)
        script = ScriptDirectory.from_config(config)
        current = _refuse_unknown_revisions(connection, script)
        # Chains are re-keyed once, on the upgrade that makes them keyed: never again, so
        # that nobody can have a forged "old" chain signed by a later routine upgrade.
        keying = KEYED_TRAIL not in _reached(script, current)
        command.upgrade(config, "heads")
        if keys is None:
            return
        if keying:
            from commons_core.services.audit import ChainKey
            from commons_core.services.audit_check import rekey_legacy_trail

            rekey_legacy_trail(connection, ChainKey(keys.current, keys.derive("audit-chain")))
        if connection.dialect.name == "postgresql":
            from commons_core.storage.row_security import install

            install(connection, tables, entities, keys)


def current_heads(engine: Engine) -> set[str]:
    """The revisions the database is at."""
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def branch_heads(
    engine: Engine, branches: Sequence[MigrationBranch], tables: Sequence[Table]
) -> set[str]:
    """The head revision of every branch: what an up-to-date database has reached.

    The database's own version table may list fewer: a revision another
    branch depends on (``core_0001`` under a plugin's first revision) is not
    stored as a head once that branch is applied.
    """
    with engine.connect() as connection:
        script = ScriptDirectory.from_config(alembic_config(connection, branches, tables))
        return set(script.get_heads())


def _reached(script: ScriptDirectory, current: set[str]) -> set[str]:
    """Every revision at or below the database's ``current`` heads."""
    reached: set[str] = set()
    for rev in current:
        reached.update(r.revision for r in script.iterate_revisions(rev, "base"))
    return reached


def pending_heads(
    engine: Engine, branches: Sequence[MigrationBranch], tables: Sequence[Table]
) -> set[str]:
    """Head revisions of the branches that the database has not reached."""
    with engine.connect() as connection:
        script = ScriptDirectory.from_config(alembic_config(connection, branches, tables))
        current = _refuse_unknown_revisions(connection, script)
        return set(script.get_heads()) - _reached(script, current)


def _refuse_unknown_revisions(connection: Connection, script: ScriptDirectory) -> set[str]:
    """The database's current revisions, refused if some belong to no branch we know.

    That happens when a plugin that migrated the database is uninstalled or
    disabled; Alembic's own error names neither the cause nor the cure.
    """
    current = set(MigrationContext.configure(connection).get_current_heads())
    known = {revision.revision for revision in script.walk_revisions()}
    unknown = sorted(current - known)
    if unknown:
        names = ", ".join(unknown)
        raise ConfigurationError(
            f"数据库含有未安装或已停用插件的迁移版本 {names}:请安装或启用相应插件",
            f"the database holds migrations {names} of plugins that are not installed or"
            " are disabled: install or enable them",
        )
    return current


def schema_drift(engine: Engine, tables: Sequence[Table]) -> list[Any]:
    """Differences between the database and the metadata (empty when in sync)."""
    metadata = target_metadata(tables)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_object": _skip_unmanaged},
        )
        return list(compare_metadata(context, metadata))


def _skip_unmanaged(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    # Alembic's own table, and the owner's copy of the scope keys (row_security).
    return not (type_ == "table" and name in ("alembic_version", "commons_scope_key"))


def _unique(branches: Sequence[MigrationBranch]) -> list[MigrationBranch]:
    seen: dict[Path, MigrationBranch] = {}
    for branch in branches:
        seen.setdefault(branch.path.resolve(), branch)
    return list(seen.values())


def autogenerate_revision(
    scratch_url: str,
    branches: Sequence[MigrationBranch],
    tables: Sequence[Table],
    branch: MigrationBranch,
    message: str,
    rev_id: str | None = None,
) -> Path:
    """Write a new revision of ``branch`` with what the model has that the heads lack.

    The first revision of a branch starts it (``branch_labels``) and depends
    on :data:`CORE_HEAD`. Returns the file written.
    """
    from commons_core.storage.engine import make_engine

    engine = make_engine(scratch_url)
    try:
        upgrade(engine, branches, tables)
        with engine.begin() as connection:
            config = alembic_config(connection, branches, tables)
            script = ScriptDirectory.from_config(config)
            existing = [
                r for r in script.walk_revisions() if branch.label in (r.branch_labels or ())
            ]
            branch.path.mkdir(parents=True, exist_ok=True)
            first = not existing and branch.label != CORE_BRANCH.label
            written = command.revision(
                config,
                message=message,
                autogenerate=True,
                rev_id=rev_id,
                head="base" if first else f"{branch.label}@head",
                branch_label=branch.label if first else None,
                depends_on=CORE_HEAD if first else None,
                version_path=str(branch.path),
            )
    finally:
        engine.dispose()
    scripts = written if isinstance(written, list) else [written]
    return Path(scripts[0].path) if scripts and scripts[0] is not None else branch.path
