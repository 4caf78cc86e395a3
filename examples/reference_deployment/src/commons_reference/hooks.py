"""The reference deployment's hook implementations: it adds ``commons serve``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from commons_core import hookimpl
from commons_core.plugin import LazyCommand

if TYPE_CHECKING:
    import click


@hookimpl
def commons_cli_commands() -> Sequence[click.Command]:
    """``commons serve``, imported only when it runs (``commons --help`` stays fast)."""
    serve = LazyCommand(
        "serve",
        "commons_reference.cli:serve",
        "启动网页应用 / serve the web app (pages, and the JSON API under /api/v1).",
        "commons_reference",
    )
    return [serve]
