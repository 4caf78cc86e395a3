"""Alembic environment, driven from :mod:`commons_core.storage.migrate`.

The caller passes the connection and the target metadata in
``config.attributes``; nothing is read from an ini file.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy.types import TypeDecorator

config = context.config
connection = config.attributes["connection"]
target_metadata = config.attributes["metadata"]


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render the SDK's column types as their plain storage type.

    Migrations must not import model enums: a renamed enum would break old
    revisions. What is stored is a VARCHAR or JSON either way.
    """
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_item=render_item,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=config.attributes.get("include_object"),
)

with context.begin_transaction():
    context.run_migrations()
