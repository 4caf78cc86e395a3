"""``commons db``: migrations."""

from __future__ import annotations

import click

from commons_core.cli.context import get_commons


@click.group()
def db() -> None:
    """数据库结构迁移 / database schema migrations."""


@db.command()
def upgrade() -> None:
    """升级到最新结构(核心与所有插件)/ bring the schema to the latest revision of every branch."""
    from commons_core.storage.migrate import branch_heads, pending_heads

    commons = get_commons()
    branches = commons.host.migration_locations()
    pending = pending_heads(commons.engine, branches, commons.tables)
    commons.upgrade()
    # Every branch's head, not the version table's rows: those omit core_0001
    # as soon as a plugin's branch (which depends on it) is applied.
    heads = ", ".join(sorted(branch_heads(commons.engine, branches, commons.tables)))
    if pending:
        click.echo("已升级 / upgraded to: " + heads)
    else:
        click.echo("已是最新 / already at the latest revision: " + heads)


@db.command()
def check() -> None:
    """比较数据库与模型 / compare the database with the model (exit 1 on drift)."""
    from commons_core.storage.migrate import schema_drift

    commons = get_commons()
    drift = schema_drift(commons.engine, commons.tables)
    if drift:
        for item in drift:
            click.echo(f"  {item}")
        raise click.ClickException(f"数据库与模型不一致 / schema drift: {len(drift)} difference(s)")
    click.echo("一致 / no drift")


@db.command()
@click.option("--branch", required=True, help="分支标签(插件名)/ branch label (the plugin's name).")
@click.option("--message", "-m", required=True, help="说明 / what the revision does.")
@click.option("--rev-id", default=None, help="修订号 / revision id (default: generated).")
def revision(branch: str, message: str, rev_id: str | None) -> None:
    """为某分支自动生成迁移 / autogenerate a revision for one branch (plugin authors).

    Compares the model with a scratch SQLite database migrated to the current
    heads, so only what is new appears; review the file before committing it.
    """
    import tempfile

    from commons_core.storage.migrate import autogenerate_revision

    commons = get_commons()
    branches = {b.label: b for b in commons.host.migration_locations()}
    if branch not in branches:
        raise click.UsageError(
            f"没有分支 {branch} / no branch {branch}; known: {', '.join(sorted(branches))}"
        )
    with tempfile.TemporaryDirectory() as scratch:
        path = autogenerate_revision(
            f"sqlite:///{scratch}/scratch.db",
            list(branches.values()),
            commons.tables,
            branches[branch],
            message,
            rev_id,
        )
    click.echo(f"已生成 / written: {path}")


@db.command("grant-login")
@click.argument("name")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def grant_login(name: str, password: str) -> None:
    """创建应用登录角色(PostgreSQL)/ create a login role for the application (PostgreSQL).

    The role is a member of ``commons_app`` and owns no table, so row-level
    security always applies to it. Connect the application with it.
    """
    from sqlalchemy import text

    from commons_core.storage.row_security import APP_ROLE

    commons = get_commons()
    if commons.engine.dialect.name != "postgresql":
        raise click.UsageError("只适用于 PostgreSQL / PostgreSQL only")
    with commons.engine.begin() as connection:
        quoted = connection.dialect.identifier_preparer.quote(name)
        literal = password.replace("'", "''")
        connection.execute(
            text(f"CREATE ROLE {quoted} LOGIN PASSWORD '{literal}' IN ROLE {APP_ROLE}")
        )
    click.echo(f"已创建 / created login role {name} (member of {APP_ROLE})")
