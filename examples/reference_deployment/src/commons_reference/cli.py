"""``commons serve``: run the web app with uvicorn."""

from __future__ import annotations

import os
import secrets
from typing import TYPE_CHECKING

import click

from commons_core.cli.context import get_state

if TYPE_CHECKING:
    from commons_core.services import Commons
from commons_reference.settings import INSECURE_ENV, SECRET_ENV


@click.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="监听地址 / address to listen on."
)
@click.option("--port", default=8000, show_default=True, type=int, help="端口 / port.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="工作进程数 / worker processes (use PostgreSQL for more than one).",
)
@click.option(
    "--insecure-cookies",
    is_flag=True,
    help="允许通过 HTTP 发送 Cookie(仅限测试)/ send cookies over plain HTTP (testing only).",
)
@click.option(
    "--proxy-headers",
    is_flag=True,
    help="信任反向代理的 X-Forwarded-* / trust X-Forwarded-* from the proxy.",
)
@click.option(
    "--allow-owner",
    is_flag=True,
    help="允许以数据表所有者或超级用户身份运行(不安全)/ serve even as the tables' owner or"
    " a superuser, who can step out of row-level security (unsafe; testing only).",
)
def serve(
    host: str,
    port: int,
    workers: int,
    insecure_cookies: bool,
    proxy_headers: bool,
    allow_owner: bool,
) -> None:
    """启动网页应用 / serve the web app (pages, and the JSON API under /api/v1).

    Serving changes no schema: run `commons db upgrade` as the tables' owner first.
    On PostgreSQL, serve as a login made by `commons db grant-login`, so that row-level
    security holds even against SQL injected into the app.
    """
    import uvicorn

    from commons_core.storage.migrate import pending_heads

    state = get_state()
    commons = state.commons()
    pending = pending_heads(commons.engine, commons.host.migration_locations(), commons.tables)
    if pending:
        raise click.ClickException(
            "数据库结构不是最新的,请先以数据表所有者身份运行 commons db upgrade / the schema"
            f" is not at the latest revision ({', '.join(sorted(pending))}): run"
            " `commons db upgrade` as the tables' owner first"
        )
    if commons.engine.dialect.name == "postgresql":
        _check_login(commons, allow_owner)
    if workers > 1 and commons.engine.dialect.name == "sqlite":
        raise click.UsageError(
            "SQLite 只能用一个工作进程,多进程请用 PostgreSQL / "
            "SQLite serves one worker; use PostgreSQL for --workers > 1"
        )
    os.environ["COMMONS_DATABASE_URL"] = state.db_url
    # Workers must share the secret; without one, sessions last until the server stops.
    os.environ.setdefault(SECRET_ENV, secrets.token_urlsafe(32))
    if insecure_cookies:
        os.environ[INSECURE_ENV] = "1"
    click.echo(
        f"网页应用 / web app: http://{host}:{port}/  (API: http://{host}:{port}/api/v1/openapi.json)"
    )
    uvicorn.run(
        "commons_reference.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=proxy_headers,
        log_level="info",
    )


def _check_login(commons: Commons, allow_owner: bool) -> None:
    """Refuse a PostgreSQL login that row-level security does not bind."""
    from commons_core.storage.row_security import login_bypasses_row_security

    with commons.engine.connect() as connection:
        reason = login_bypasses_row_security(connection)
    if reason is None:
        return
    message = (
        f"此登录角色可绕过行级安全({reason}):请用 commons db grant-login 创建的角色连接 /"
        f" this login can step out of row-level security ({reason}): connect with a login"
        " made by `commons db grant-login`"
    )
    if not allow_owner:
        raise click.ClickException(message + " (or pass --allow-owner for a test)")
    click.echo(f"警告 / warning: {message}", err=True)
