"""The supermarket's tables: community-scoped, prefixed ``love_supermarket_``.

Column names equal the model's field names. Records of what happened
(lots, sales, donations, purchases, account entries) are append-only; the
database itself refuses a negative stock or balance and a second account
entry for one sale, donation or purchase.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Index,
    Numeric,
    UniqueConstraint,
)

from commons_core.storage import (
    Entity,
    Erasure,
    record_table,
)
from commons_love_supermarket.model import (
    Donation,
    EligibilityChange,
    Item,
    LedgerEntry,
    Purchase,
    Sale,
    SaleLine,
    StockLot,
    SupermarketSettings,
)

__all__ = [
    "ENTITIES",
    "donation",
    "eligibility_change",
    "item",
    "ledger",
    "lot",
    "purchase",
    "sale",
    "sale_line",
    "settings",
]

MONEY = Numeric(12, 2)


def _money(*fields: str) -> dict[str, Numeric[Decimal]]:
    """The sums of money among a record's fields: yuan with two places (the checks that the
    database refuses a negative one are the tables' own, below)."""
    return dict.fromkeys(fields, MONEY)


settings = record_table(
    "love_supermarket_settings",
    SupermarketSettings,
    UniqueConstraint("community_id"),
    types=_money("monthly_amount_limit"),
)

item = record_table(
    "love_supermarket_item",
    Item,
    UniqueConstraint("community_id", "name"),
    CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    CheckConstraint("unit_cost >= 0", name="unit_cost_not_negative"),
    types=_money("unit_cost"),
)

donation = record_table(
    "love_supermarket_donation",
    Donation,
    Index(None, "community_id", "received_on"),
    version=False,
    types=_money("amount"),
)

purchase = record_table(
    "love_supermarket_purchase",
    Purchase,
    Index(None, "community_id", "purchased_on"),
    version=False,
    types=_money("amount"),
)

lot = record_table(
    "love_supermarket_lot",
    StockLot,
    Index(None, "community_id", "item_id"),
    version=False,
    types=_money("unit_cost"),
)

sale = record_table(
    "love_supermarket_sale",
    Sale,
    # The monthly quota sums one household's sales of one month.
    Index(None, "community_id", "household_id", "sold_on"),
    Index(None, "community_id", "sold_on"),
    version=False,
    types=_money("amount"),
)

sale_line = record_table(
    "love_supermarket_sale_line",
    SaleLine,
    Index(None, "community_id", "sale_id"),
    version=False,
    types=_money("unit_price", "amount"),
)

ledger = record_table(
    "love_supermarket_ledger",
    LedgerEntry,
    # One chain of voucher numbers per community, and one entry per source record.
    UniqueConstraint("community_id", "seq"),
    UniqueConstraint("community_id", "sale_id"),
    UniqueConstraint("community_id", "donation_id"),
    UniqueConstraint("community_id", "purchase_id"),
    CheckConstraint("amount >= 0", name="amount_not_negative"),
    CheckConstraint("balance_after >= 0", name="balance_not_negative"),
    Index(None, "community_id", "entry_on"),
    version=False,
    types=_money("amount", "balance_after"),
)

eligibility_change = record_table(
    "love_supermarket_eligibility_change",
    EligibilityChange,
    Index(None, "community_id", "household_id"),
    version=False,
)

DONATION_KEPT = Erasure.keep(
    "捐赠是账目凭证,须保留;捐赠居民的姓名不抄录在捐赠中,居民匿名后公示里只显示已匿名",
    "donations are account vouchers and must be kept; a resident donor's name is not copied"
    " into them, so once the resident is anonymised the disclosure shows 已匿名",
)

ENTITIES: tuple[Entity, ...] = (
    # The supermarket and its catalogue are no one's personal data: every actor of
    # the community may see them (a grid worker's status change checks for the
    # supermarket; residents may see what is on the shelf).
    Entity(SupermarketSettings, settings, shared=True),
    Entity(Item, item, shared=True),
    Entity(Donation, donation, append_only=True, erasure=DONATION_KEPT),
    Entity(Purchase, purchase, append_only=True),
    Entity(StockLot, lot, append_only=True),
    Entity(Sale, sale, household_column="household_id", append_only=True),
    Entity(SaleLine, sale_line, append_only=True),
    Entity(LedgerEntry, ledger, append_only=True),
    Entity(
        EligibilityChange, eligibility_change, household_column="household_id", append_only=True
    ),
)
"""Every entity of the plugin; permissions are ``<table name>:<action>``."""
