"""The supermarket's permissions and what the roles are granted of them."""

from __future__ import annotations

from commons_core import Label
from commons_core.access import Permission

__all__ = ["MANAGE", "PERMISSIONS", "ROLE_GRANTS", "SELL", "STOCK"]

SELL = "love_supermarket:sell"
STOCK = "love_supermarket:stock"
MANAGE = "love_supermarket:manage"

PERMISSIONS = (
    Permission(SELL, Label("爱心超市销售", "sell at the love supermarket")),
    Permission(STOCK, Label("爱心超市商品与入库", "love supermarket catalogue and goods received")),
    Permission(
        MANAGE,
        Label(
            "爱心超市管理(设立、限额、捐款)", "manage the love supermarket (set-up, quota, money)"
        ),
    ),
)

# The services write through the repositories as the acting user, so whoever
# may sell or receive goods needs the entity permissions those writes check.
_CLERK_WRITES = ("item", "lot", "purchase", "donation", "sale", "sale_line", "ledger")
ROLE_GRANTS: dict[str, tuple[str, ...]] = {
    "clerk": (
        SELL,
        STOCK,
        "love_supermarket_*:list",
        "love_supermarket_*:read",
        *(f"love_supermarket_{name}:create" for name in _CLERK_WRITES),
        "love_supermarket_item:update",
        "partner_unit:list",
        "partner_unit:read",
    ),
    "cadre": ("love_supermarket:*",),
    "auditor": ("love_supermarket_*:list", "love_supermarket_*:read"),
    # Grid workers change no household's statuses (set:assistance is not theirs), so
    # they record no change of eligibility either.
}
"""Grants to the plugin's clerk (:mod:`.roles`) and the core's roles (the cadre has every
entity permission already)."""
