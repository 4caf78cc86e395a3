"""The reference deployment's hook implementations: it adds ``commons serve``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from commons_core import hookimpl

if TYPE_CHECKING:
    import click


@hookimpl
def commons_cli_commands() -> Sequence[click.Command]:
    """``commons serve``."""
    from commons_reference.cli import serve

    return [serve]
