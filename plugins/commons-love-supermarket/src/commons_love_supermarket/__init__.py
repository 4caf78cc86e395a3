"""爱心超市 / the love supermarket: a commons_core plugin.

Goods sold at cost to low-income (低保) and hardship (困难) households
only, stock received from purchases and donations, and the supermarket's
own account (专户) of receipts and payments, with reports for the office
and for public posting. Use it through :class:`SupermarketService`::

    from commons_love_supermarket import OrderLine, SupermarketService

    with commons.unit_of_work(clerk) as uow:
        shop = SupermarketService(uow)
        rice = shop.find_item(community.id, "大米")
        shop.sell(household.id, [OrderLine(item_id=rice.id, quantity=1)])
"""

PLUGIN_NAME = "love_supermarket"
"""The plugin's entry-point name, Alembic branch label and table prefix."""

from commons_love_supermarket.model import (  # noqa: E402 - PLUGIN_NAME first, hooks import it
    Decision,
    Donation,
    DonationKind,
    DonationRecord,
    Donor,
    DonorKind,
    Eligibility,
    EligibilityChange,
    EntryKind,
    Item,
    LedgerEntry,
    LotLine,
    LotSource,
    OrderLine,
    Purchase,
    PurchaseRecord,
    Sale,
    SaleLine,
    SaleRecord,
    StockLot,
    SupermarketSettings,
)
from commons_love_supermarket.services import (  # noqa: E402
    MANAGE,
    SELL,
    STOCK,
    InsufficientFunds,
    NotEligible,
    NotSetUp,
    OutOfStock,
    QuotaExceeded,
    Refused,
    SupermarketService,
)

__all__ = [
    "MANAGE",
    "PLUGIN_NAME",
    "SELL",
    "STOCK",
    "Decision",
    "Donation",
    "DonationKind",
    "DonationRecord",
    "Donor",
    "DonorKind",
    "Eligibility",
    "EligibilityChange",
    "EntryKind",
    "InsufficientFunds",
    "Item",
    "LedgerEntry",
    "LotLine",
    "LotSource",
    "NotEligible",
    "NotSetUp",
    "OrderLine",
    "OutOfStock",
    "Purchase",
    "PurchaseRecord",
    "QuotaExceeded",
    "Refused",
    "Sale",
    "SaleLine",
    "SaleRecord",
    "StockLot",
    "SupermarketService",
    "SupermarketSettings",
]
