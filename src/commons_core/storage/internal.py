"""The SDK's own statements, marked so the query guard lets them pass.

Some of the SDK's statements must use a sensitive column, or be SQL text, for
an actor who may not see sensitive values (the server-side masks of an export,
the audit trail's writer, row-level security's settings):
:mod:`commons_core.services.query_guard` refuses such statements from anyone
else. They carry the execution option :data:`INTERNAL`.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Executable

__all__ = ["INTERNAL", "internal"]

INTERNAL = "commons_internal"
"""Execution option marking one of the SDK's own statements."""

StatementT = TypeVar("StatementT", bound=Executable)


def internal(statement: StatementT) -> StatementT:
    """``statement`` marked as the SDK's own (see :data:`INTERNAL`)."""
    return statement.execution_options(**{INTERNAL: True})
