"""``commons serve``: run the web app with uvicorn."""

from __future__ import annotations

import os
import secrets

import click

from commons_core.cli.context import get_state
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
def serve(host: str, port: int, workers: int, insecure_cookies: bool, proxy_headers: bool) -> None:
    """启动网页应用 / serve the web app (pages, and the JSON API under /api/v1)."""
    import uvicorn

    from commons_core.storage.migrate import upgrade

    state = get_state()
    commons = state.commons()
    upgrade(commons.engine, commons.host.migration_locations(), commons.tables)
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
