"""Pages of the core's building blocks (:mod:`commons_core.blocks`).

The core knows no web app, so a block's pages live here, one module per block,
named by :data:`BLOCK_PAGES` under the block's plugin name; the app adds a
block's :class:`~commons_reference.contract.WebContribution` when that block is
registered with the SDK (so a disabled block has no pages).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from commons_core.plugin import resolve

if TYPE_CHECKING:
    from commons_core.plugins import PluginHost
    from commons_reference.contract import WebContribution

__all__ = ["BLOCK_PAGES", "block_contributions"]

BLOCK_PAGES: dict[str, str] = {}
"""Block plugin name → ``"module:attribute"`` of its contribution (or of a function giving it)."""


def block_contributions(host: PluginHost) -> list[tuple[str, WebContribution]]:
    """``(block name, contribution)`` of every registered block that has pages."""
    from commons_reference.contract import WebContribution as Contribution

    registered = {p.name for p in host.plugins if p.status == "ok"}
    found: list[tuple[str, WebContribution]] = []
    for name, reference in BLOCK_PAGES.items():
        if name in registered:
            made = resolve(reference, __name__)
            found.append((name, made if isinstance(made, Contribution) else made()))
    return found
