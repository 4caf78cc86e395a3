"""Engines: SQLite as the embedded default, PostgreSQL (psycopg 3) for production.

SQLite gets WAL journaling, foreign keys, a busy timeout, and transactions
that begin ``IMMEDIATE`` when they may write, so concurrent writers queue
for the lock instead of failing halfway or losing work.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from commons_core.errors import ConfigurationError

__all__ = ["DEFAULT_URL", "make_engine", "normalize_url"]

DEFAULT_URL = "sqlite:///commons.db"
"""The database when none is named: the embedded SQLite file ``commons.db`` here."""
SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` as psycopg 3 URLs; check the rest."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(f"数据库地址无效:{url}", f"not a database URL: {url}") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"不支持的数据库:{parsed.get_backend_name()}(支持 sqlite 与 postgresql)",
            f"unsupported database {parsed.get_backend_name()} (use sqlite or postgresql)",
        )
    return url


def make_engine(url: str = DEFAULT_URL, **kwargs: Any) -> Engine:
    """An engine for ``url`` configured as the SDK needs."""
    url = normalize_url(url)
    # A database error's message must not carry the statement's values: they are residents'
    # ID numbers and phones, and the message reaches logs and screens.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:" and not Path(database).parent.exists():
            raise ConfigurationError(
                f"数据库文件所在目录不存在:{database}",
                f"the folder of the database file does not exist: {database}",
            )
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # Python sees text as str whatever the client encoding, but in GBK, BIG5 or Shift-JIS
    # (PGCLIENTENCODING, or a server's default) a character may hold the byte of a
    # backslash, which psycopg's COPY and text-array code take for an escape: UTF-8
    # unless the URL asks otherwise.
    if "client_encoding" not in make_url(url).query:
        kwargs["connect_args"] = {"client_encoding": "UTF8", **kwargs.get("connect_args", {})}
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN, not the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("commons_begin", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")
