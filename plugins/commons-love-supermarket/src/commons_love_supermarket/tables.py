"""The supermarket's tables: community-scoped, prefixed ``love_supermarket_``.

Column names equal the model's field names. Records of what happened
(lots, sales, donations, purchases, account entries) are append-only; the
database itself refuses a negative stock or balance and a second account
entry for one sale, donation or purchase.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)

from commons_core.storage import Entity, EnumValue, community_fk, community_table
from commons_love_supermarket.model import (
    Donation,
    DonationKind,
    DonorKind,
    EligibilityChange,
    EntryKind,
    Item,
    LedgerEntry,
    LotSource,
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
NAME = String(100)

settings = community_table(
    "love_supermarket_settings",
    Column("name", NAME, nullable=False),
    Column("opened_on", Date),
    Column("monthly_amount_limit", MONEY),
    Column("monthly_item_limit", Integer),
    Column("low_stock_threshold", Integer, nullable=False),
    UniqueConstraint("community_id"),
)

item = community_table(
    "love_supermarket_item",
    Column("name", NAME, nullable=False),
    Column("unit", String(20), nullable=False),
    Column("unit_cost", MONEY, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    UniqueConstraint("community_id", "name"),
    CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    CheckConstraint("unit_cost >= 0", name="unit_cost_not_negative"),
)

donation = community_table(
    "love_supermarket_donation",
    Column("received_on", Date, nullable=False),
    Column("kind", EnumValue(DonationKind), nullable=False),
    Column("donor_kind", EnumValue(DonorKind), nullable=False),
    Column("donor_name", NAME),
    Column("donor_resident_id", Uuid),
    Column("donor_partner_unit_id", Uuid),
    Column("anonymous", Boolean, nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("note", Text),
    community_fk("donor_resident_id", "resident"),
    community_fk("donor_partner_unit_id", "partner_unit"),
    Index(None, "community_id", "received_on"),
    version=False,
)

purchase = community_table(
    "love_supermarket_purchase",
    Column("purchased_on", Date, nullable=False),
    Column("supplier", NAME, nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("note", Text),
    Index(None, "community_id", "purchased_on"),
    version=False,
)

lot = community_table(
    "love_supermarket_lot",
    Column("item_id", Uuid, nullable=False),
    Column("received_on", Date, nullable=False),
    Column("source", EnumValue(LotSource), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_cost", MONEY, nullable=False),
    Column("purchase_id", Uuid),
    Column("donation_id", Uuid),
    community_fk("item_id", "love_supermarket_item"),
    community_fk("purchase_id", "love_supermarket_purchase"),
    community_fk("donation_id", "love_supermarket_donation"),
    Index(None, "community_id", "item_id"),
    version=False,
)

sale = community_table(
    "love_supermarket_sale",
    Column("household_id", Uuid, nullable=False),
    Column("sold_on", Date, nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("item_count", Integer, nullable=False),
    community_fk("household_id", "household"),
    # The monthly quota sums one household's sales of one month.
    Index(None, "community_id", "household_id", "sold_on"),
    Index(None, "community_id", "sold_on"),
    version=False,
)

sale_line = community_table(
    "love_supermarket_sale_line",
    Column("sale_id", Uuid, nullable=False),
    Column("item_id", Uuid, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", MONEY, nullable=False),
    Column("amount", MONEY, nullable=False),
    community_fk("sale_id", "love_supermarket_sale"),
    community_fk("item_id", "love_supermarket_item"),
    Index(None, "community_id", "sale_id"),
    version=False,
)

ledger = community_table(
    "love_supermarket_ledger",
    Column("seq", Integer, nullable=False),
    Column("entry_on", Date, nullable=False),
    Column("kind", EnumValue(EntryKind), nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("balance_after", MONEY, nullable=False),
    Column("sale_id", Uuid),
    Column("donation_id", Uuid),
    Column("purchase_id", Uuid),
    community_fk("sale_id", "love_supermarket_sale"),
    community_fk("donation_id", "love_supermarket_donation"),
    community_fk("purchase_id", "love_supermarket_purchase"),
    # One chain of voucher numbers per community, and one entry per source record.
    UniqueConstraint("community_id", "seq"),
    UniqueConstraint("community_id", "sale_id"),
    UniqueConstraint("community_id", "donation_id"),
    UniqueConstraint("community_id", "purchase_id"),
    CheckConstraint("amount >= 0", name="amount_not_negative"),
    CheckConstraint("balance_after >= 0", name="balance_not_negative"),
    Index(None, "community_id", "entry_on"),
    version=False,
)

eligibility_change = community_table(
    "love_supermarket_eligibility_change",
    Column("household_id", Uuid, nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("eligible", Boolean, nullable=False),
    community_fk("household_id", "household"),
    Index(None, "community_id", "household_id"),
    version=False,
)

ENTITIES: tuple[Entity, ...] = (
    # The supermarket and its catalogue are no one's personal data: every actor of
    # the community may see them (a grid worker's status change checks for the
    # supermarket; residents may see what is on the shelf).
    Entity(SupermarketSettings, settings, shared=True),
    Entity(Item, item, shared=True),
    Entity(Donation, donation, append_only=True),
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
