"""The love supermarket's model (爱心超市): catalogue, stock lots, sales, donations, the account.

Goods are sold at cost (成本价) to low-income and hardship households only;
what they pay goes into the supermarket's own account (专户), which pays
only for restocking. Every change of stock or money is an append-only
record: lots received, sales and their lines, and account entries with a
running balance. Amounts are ``Decimal`` with two places (yuan).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar
from uuid import UUID

import attrs

from commons_core.model import Label, LabeledEnum, label, new_id

__all__ = [
    "Decision",
    "Donation",
    "DonationKind",
    "DonationRecord",
    "Donor",
    "DonorKind",
    "Eligibility",
    "EligibilityChange",
    "EntryKind",
    "Item",
    "LedgerEntry",
    "LotLine",
    "LotSource",
    "OrderLine",
    "Purchase",
    "PurchaseRecord",
    "Sale",
    "SaleLine",
    "SaleRecord",
    "StockLot",
    "SupermarketSettings",
]

ZERO = Decimal("0.00")


class DonationKind(LabeledEnum):
    """What was given (捐赠类别)."""

    MONEY = "money", "捐款", "money"
    GOODS = "goods", "捐物", "goods"


class DonorKind(LabeledEnum):
    """Who gave it (捐赠方类别)."""

    RESIDENT = "resident", "居民", "resident"
    PARTNER_UNIT = "partner_unit", "共建单位", "partner unit"
    OTHER = "other", "其他", "other"


class LotSource(LabeledEnum):
    """Where a stock lot came from (入库来源)."""

    PURCHASE = "purchase", "采购", "purchase"
    DONATION = "donation", "捐赠", "donation"


class EntryKind(LabeledEnum):
    """The kinds of account entries (科目): two kinds of receipt and one of payment.

    Payments are only ever for restocking, so that is the one payment kind.
    """

    SALE = "sale", "销售收入", "sales receipt"
    DONATION = "donation", "捐款收入", "money donation"
    PURCHASE = "purchase", "采购支出", "restocking purchase"

    @property
    def is_receipt(self) -> bool:
        """Whether entries of this kind bring money in."""
        return self is not EntryKind.PURCHASE


@attrs.frozen(kw_only=True)
class SupermarketSettings:
    """One community's love supermarket: its name and the monthly quota per household.

    Selling, receiving goods and money all need it: a community without one
    has no supermarket. ``None`` limits mean no limit.
    """

    LABEL: ClassVar[Label] = Label("爱心超市设置", "love supermarket settings")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    name: str = attrs.field(default="爱心超市", metadata=label("超市名称", "name", length=100))
    opened_on: date | None = attrs.field(default=None, metadata=label("设立日期", "opened on"))
    monthly_amount_limit: Decimal | None = attrs.field(
        default=None,
        metadata=label("每户每月限额(元)", "monthly amount per household (yuan)"),
    )
    monthly_item_limit: int | None = attrs.field(
        default=None, metadata=label("每户每月限购件数", "monthly items per household")
    )
    low_stock_threshold: int = attrs.field(
        default=10, metadata=label("库存预警线", "low-stock threshold")
    )
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class Item:
    """A catalogue item (商品) and how many are on the shelf.

    ``unit_cost`` is the moving average of what the lots received cost, and
    the highest price the item may be sold at. ``unit_cost`` and ``quantity``
    are kept by the services (receiving and selling); change the others freely.
    """

    LABEL: ClassVar[Label] = Label("商品", "item")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    name: str = attrs.field(metadata=label("品名", "name", length=100))
    unit: str = attrs.field(metadata=label("单位", "unit", length=20))
    unit_cost: Decimal = attrs.field(default=ZERO, metadata=label("成本单价(元)", "unit cost"))
    quantity: int = attrs.field(default=0, metadata=label("库存数量", "quantity in stock"))
    active: bool = attrs.field(default=True, metadata=label("在售", "on sale"))
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class Donation:
    """Money or goods given to the supermarket (捐款捐物).

    ``amount`` is the money given, or the declared value of the goods. A
    resident or partner unit donor is the linked record, whose name is read
    from it (a resident's name is not copied here, so it goes when the
    resident is anonymised); ``donor_name`` names any other donor.
    ``anonymous`` donors are not named in the public disclosure.
    """

    LABEL: ClassVar[Label] = Label("捐赠", "donation")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    received_on: date = attrs.field(metadata=label("接收日期", "received on"))
    kind: DonationKind = attrs.field(metadata=label("捐赠类别", "kind"))
    donor_kind: DonorKind = attrs.field(metadata=label("捐赠方类别", "donor kind"))
    donor_name: str | None = attrs.field(
        default=None, metadata=label("其他捐赠方", "other donor", length=100)
    )
    donor_resident_id: UUID | None = attrs.field(
        default=None, metadata=label("捐赠居民", "donor resident", references="resident")
    )
    donor_partner_unit_id: UUID | None = attrs.field(
        default=None, metadata=label("捐赠单位", "donor partner unit", references="partner_unit")
    )
    anonymous: bool = attrs.field(default=False, metadata=label("匿名公示", "anonymous"))
    amount: Decimal = attrs.field(metadata=label("金额或价值(元)", "amount or value (yuan)"))
    note: str | None = attrs.field(default=None, metadata=label("备注", "note"))


@attrs.frozen(kw_only=True)
class Purchase:
    """A restocking purchase (采购), paid from the account."""

    LABEL: ClassVar[Label] = Label("采购", "purchase")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    purchased_on: date = attrs.field(metadata=label("采购日期", "purchased on"))
    supplier: str = attrs.field(metadata=label("供货方", "supplier", length=100))
    amount: Decimal = attrs.field(metadata=label("金额(元)", "amount (yuan)"))
    note: str | None = attrs.field(default=None, metadata=label("备注", "note"))


@attrs.frozen(kw_only=True)
class StockLot:
    """Goods received onto the shelf (入库批次), from a purchase or a donation."""

    LABEL: ClassVar[Label] = Label("入库批次", "stock lot")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    item_id: UUID = attrs.field(metadata=label("商品", "item", references="love_supermarket_item"))
    received_on: date = attrs.field(metadata=label("入库日期", "received on"))
    source: LotSource = attrs.field(metadata=label("来源", "source"))
    quantity: int = attrs.field(metadata=label("数量", "quantity"))
    unit_cost: Decimal = attrs.field(metadata=label("单位成本(元)", "unit cost (yuan)"))
    purchase_id: UUID | None = attrs.field(
        default=None, metadata=label("采购", "purchase", references="love_supermarket_purchase")
    )
    donation_id: UUID | None = attrs.field(
        default=None, metadata=label("捐赠", "donation", references="love_supermarket_donation")
    )


@attrs.frozen(kw_only=True)
class Sale:
    """A sale to one household (销售单); its lines are :class:`SaleLine`."""

    LABEL: ClassVar[Label] = Label("销售单", "sale")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    household_id: UUID = attrs.field(metadata=label("购买户", "household", references="household"))
    sold_on: date = attrs.field(metadata=label("销售日期", "sold on"))
    amount: Decimal = attrs.field(metadata=label("金额(元)", "amount (yuan)"))
    item_count: int = attrs.field(metadata=label("件数", "items"))


@attrs.frozen(kw_only=True)
class SaleLine:
    """One item of a sale (销售明细)."""

    LABEL: ClassVar[Label] = Label("销售明细", "sale line")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    sale_id: UUID = attrs.field(
        metadata=label("销售单", "sale", references="love_supermarket_sale")
    )
    item_id: UUID = attrs.field(metadata=label("商品", "item", references="love_supermarket_item"))
    quantity: int = attrs.field(metadata=label("数量", "quantity"))
    unit_price: Decimal = attrs.field(metadata=label("单价(元)", "unit price (yuan)"))
    amount: Decimal = attrs.field(metadata=label("金额(元)", "amount (yuan)"))


@attrs.frozen(kw_only=True)
class LedgerEntry:
    """An entry of the supermarket's own account (专户账目).

    Entries are numbered (``seq``, the voucher number) and dated in order;
    ``balance_after`` is the balance once the entry is posted, never below
    zero. Each sale, money donation and purchase has exactly one entry.
    """

    LABEL: ClassVar[Label] = Label("专户账目", "account entry")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    seq: int = attrs.field(metadata=label("凭证号", "voucher number"))
    entry_on: date = attrs.field(metadata=label("记账日期", "date"))
    kind: EntryKind = attrs.field(metadata=label("科目", "kind"))
    amount: Decimal = attrs.field(metadata=label("金额(元)", "amount (yuan)"))
    balance_after: Decimal = attrs.field(metadata=label("余额(元)", "balance (yuan)"))
    sale_id: UUID | None = attrs.field(
        default=None, metadata=label("销售单", "sale", references="love_supermarket_sale")
    )
    donation_id: UUID | None = attrs.field(
        default=None, metadata=label("捐赠", "donation", references="love_supermarket_donation")
    )
    purchase_id: UUID | None = attrs.field(
        default=None, metadata=label("采购", "purchase", references="love_supermarket_purchase")
    )


@attrs.frozen(kw_only=True)
class EligibilityChange:
    """A household became eligible to buy, or stopped being eligible (购买资格变动).

    Recorded when a household's special statuses change; it says *that*
    eligibility changed, never which status did.
    """

    LABEL: ClassVar[Label] = Label("购买资格变动", "eligibility change")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    household_id: UUID = attrs.field(metadata=label("户", "household", references="household"))
    occurred_on: date = attrs.field(metadata=label("变动日期", "occurred on"))
    eligible: bool = attrs.field(metadata=label("变动后可购买", "eligible afterwards"))


# -- values passed to and returned by the services ---------------------------------


@attrs.frozen(kw_only=True)
class Donor:
    """Who gives: a resident, a partner unit, or anyone else named in free text.

    Build with :meth:`SupermarketService.resident_donor
    <commons_love_supermarket.services.SupermarketService.resident_donor>`,
    :meth:`~commons_love_supermarket.services.SupermarketService.unit_donor`
    or directly for ``OTHER``.
    """

    LABEL: ClassVar[Label] = Label("捐赠方", "donor")

    kind: DonorKind = attrs.field(metadata=label("捐赠方类别", "donor kind"))
    name: str = attrs.field(metadata=label("名称", "name"))
    resident_id: UUID | None = attrs.field(default=None, metadata=label("居民", "resident"))
    partner_unit_id: UUID | None = attrs.field(
        default=None, metadata=label("共建单位", "partner unit")
    )


@attrs.frozen(kw_only=True)
class OrderLine:
    """One item a household wants to buy; ``unit_price`` defaults to the unit cost."""

    LABEL: ClassVar[Label] = Label("购买明细", "order line")

    item_id: UUID = attrs.field(metadata=label("商品", "item"))
    quantity: int = attrs.field(metadata=label("数量", "quantity"))
    unit_price: Decimal | None = attrs.field(
        default=None, metadata=label("单价(元)", "unit price (yuan)")
    )


@attrs.frozen(kw_only=True)
class LotLine:
    """One item received: how many, at what cost (purchase) or value (donation) each."""

    LABEL: ClassVar[Label] = Label("入库明细", "lot line")

    item_id: UUID = attrs.field(metadata=label("商品", "item"))
    quantity: int = attrs.field(metadata=label("数量", "quantity"))
    unit_cost: Decimal = attrs.field(metadata=label("单位成本(元)", "unit cost (yuan)"))


@attrs.frozen(kw_only=True)
class Decision:
    """What an eligibility rule decided, and why.

    ``reason`` may name the household's statuses: it is shown only to actors
    who may reveal assistance data (``reveal:assistance``).
    """

    LABEL: ClassVar[Label] = Label("资格判定", "eligibility decision")

    eligible: bool = attrs.field(metadata=label("可购买", "eligible"))
    reason: Label = attrs.field(metadata=label("理由", "reason"))
    rule: str = attrs.field(metadata=label("规则", "rule"))


@attrs.frozen(kw_only=True)
class Eligibility:
    """Whether a household may buy, as shown to the actor who asked.

    ``message`` is neutral (it says *that*, never *why*); ``reason`` and
    ``rule`` are filled only when the actor asked to reveal them and may.
    """

    LABEL: ClassVar[Label] = Label("购买资格", "eligibility")

    household_id: UUID = attrs.field(metadata=label("户", "household"))
    household_no: str = attrs.field(metadata=label("户号", "household number"))
    eligible: bool = attrs.field(metadata=label("可购买", "eligible"))
    message: Label = attrs.field(metadata=label("说明", "message"))
    reason: Label | None = attrs.field(default=None, metadata=label("理由", "reason"))
    rule: str | None = attrs.field(default=None, metadata=label("规则", "rule"))


@attrs.frozen(kw_only=True)
class SaleRecord:
    """A completed sale: the sale, its lines and its account entry."""

    LABEL: ClassVar[Label] = Label("销售记录", "sale record")

    sale: Sale = attrs.field(metadata=label("销售单", "sale"))
    lines: tuple[SaleLine, ...] = attrs.field(metadata=label("明细", "lines"))
    entry: LedgerEntry = attrs.field(metadata=label("账目", "account entry"))


@attrs.frozen(kw_only=True)
class PurchaseRecord:
    """A recorded purchase: the purchase, the lots received and the payment entry."""

    LABEL: ClassVar[Label] = Label("采购记录", "purchase record")

    purchase: Purchase = attrs.field(metadata=label("采购", "purchase"))
    lots: tuple[StockLot, ...] = attrs.field(metadata=label("入库批次", "lots"))
    entry: LedgerEntry = attrs.field(metadata=label("账目", "account entry"))


@attrs.frozen(kw_only=True)
class DonationRecord:
    """A recorded donation: money has an account entry, goods have lots."""

    LABEL: ClassVar[Label] = Label("捐赠记录", "donation record")

    donation: Donation = attrs.field(metadata=label("捐赠", "donation"))
    lots: tuple[StockLot, ...] = attrs.field(default=(), metadata=label("入库批次", "lots"))
    entry: LedgerEntry | None = attrs.field(default=None, metadata=label("账目", "account entry"))
