"""The supermarket's operations: eligibility, sales, receiving goods and money, the account.

Every operation runs in the caller's unit of work and writes through its
repositories, so access rules, validation and the audit trail apply. Each
checks everything first and raises before writing anything when it refuses.

Operations that change stock or money in a community first lock that
community's supermarket (its settings row, ``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite runs one writer at a time anyway), so concurrent sales
see each other's results: stock, quota and balance are checked against
current figures and never overrun. The repositories' version check and the
database's CHECK constraints stand behind that.

Eligibility is decided by the ``love_supermarket_eligibility`` hook (see
:mod:`commons_love_supermarket.hookspecs`) on the household's statuses,
which the service reads itself: actors learn *that* a household may buy,
and only actors who may reveal assistance data learn *why*.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar, cast
from uuid import UUID

import attrs
from sqlalchemy import func, select

from commons_core import (
    CommonsError,
    ConfigurationError,
    DomainEvent,
    Household,
    HouseholdStatus,
    HouseholdStatusChanged,
    Label,
    NotFound,
    PartnerUnit,
    Problem,
    Sensitivity,
    ValidationError,
    model_label,
    new_id,
)
from commons_core.access import Permission
from commons_core.services import UnitOfWork
from commons_core.storage.tables import household as household_table
from commons_love_supermarket.model import (
    ZERO,
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
from commons_love_supermarket.rules import to_money
from commons_love_supermarket.tables import eligibility_change
from commons_love_supermarket.tables import item as item_table
from commons_love_supermarket.tables import ledger as ledger_table
from commons_love_supermarket.tables import settings as settings_table

__all__ = [
    "DEFAULT_RULE",
    "ELIGIBLE_STATUSES",
    "MANAGE",
    "PERMISSIONS",
    "ROLE_GRANTS",
    "SELL",
    "STOCK",
    "InsufficientFunds",
    "NotEligible",
    "NotSetUp",
    "OutOfStock",
    "QuotaExceeded",
    "Refused",
    "SupermarketService",
    "default_eligibility",
    "lookup",
    "month_bounds",
]

T = TypeVar("T")

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
"""Grants to the built-in roles (the cadre has every entity permission already)."""

DEFAULT_RULE = "love_supermarket.default"
ELIGIBLE_STATUSES = frozenset({HouseholdStatus.LOW_INCOME, HouseholdStatus.HARDSHIP})

ELIGIBLE = Label("该户可在爱心超市购物", "this household may buy at the love supermarket")
NOT_ELIGIBLE = Label("该户不能在爱心超市购物", "this household may not buy at the love supermarket")


class Refused(CommonsError):
    """The supermarket's rules do not allow this; nothing was written."""


class NotSetUp(Refused):
    """The community has no love supermarket yet."""

    def __init__(self, community: object) -> None:
        super().__init__(
            f"社区 {community} 尚未设立爱心超市(请先运行 commons supermarket setup)",
            f"community {community} has no love supermarket yet"
            " (run commons supermarket setup first)",
        )


class NotEligible(Refused):
    """The household may not buy. The message never says why."""

    def __init__(self, household_no: str) -> None:
        self.household_no = household_no
        super().__init__(
            f"户 {household_no} 不符合爱心超市购买条件,不能购买",
            f"household {household_no} may not buy at the love supermarket",
        )


class QuotaExceeded(Refused):
    """The sale would take the household over its monthly quota."""

    def __init__(self, household_no: str, zh: Sequence[str], en: Sequence[str]) -> None:
        self.household_no = household_no
        super().__init__(
            f"户 {household_no} 超过每月限额:" + ";".join(zh),
            f"household {household_no} would exceed its monthly quota: " + "; ".join(en),
        )


class OutOfStock(Refused):
    """Not enough of one or more items on the shelf."""

    def __init__(self, shortages: Sequence[tuple[Item, int]]) -> None:
        self.shortages = tuple(shortages)
        super().__init__(
            "库存不足:"
            + ";".join(
                f"{i.name} 现有 {i.quantity}{i.unit},需要 {n}{i.unit}" for i, n in shortages
            ),
            "not enough in stock: "
            + "; ".join(f"{i.name} {i.quantity} {i.unit} left, {n} wanted" for i, n in shortages),
        )


class InsufficientFunds(Refused):
    """The account holds less than a payment: it never goes below zero."""

    def __init__(self, balance: Decimal, amount: Decimal) -> None:
        self.balance = balance
        self.amount = amount
        super().__init__(
            f"专户余额 {balance} 元,不足以支付 {amount} 元",
            f"the account holds {balance} yuan, not enough to pay {amount} yuan",
        )


def default_eligibility(household: Household) -> Decision:
    """The rule of the source documents: 低保 (low-income) and 困难 (hardship) households buy."""
    statuses = household.statuses or frozenset()
    held = [s for s in HouseholdStatus if s in statuses and s in ELIGIBLE_STATUSES]
    if held:
        return Decision(
            eligible=True,
            reason=Label(
                "该户为" + "、".join(s.zh for s in held) + "户",
                "the household has " + " and ".join(s.en for s in held) + " status",
            ),
            rule=DEFAULT_RULE,
        )
    return Decision(
        eligible=False,
        reason=Label(
            "该户既不是低保户也不是困难户",
            "the household has neither low-income nor hardship status",
        ),
        rule=DEFAULT_RULE,
    )


def lookup(uow: UnitOfWork, model: type[T], column: str, community_id: UUID, ref: str) -> T:
    """The record of ``model`` in the community with ``ref`` as its id or in ``column``.

    Raises :class:`~commons_core.NotFound`, or :class:`~commons_core.ConfigurationError`
    when several records match (then the id must be used).
    """
    repo = uow.repo(model)
    try:
        condition = repo.table.c.id == UUID(ref)
    except ValueError:
        condition = repo.table.c[column] == ref.strip()
    found = repo.find(repo.table.c.community_id == community_id, condition, limit=2)
    if not found:
        raise NotFound(repo.name, ref)
    if len(found) > 1:
        raise ConfigurationError(
            f"有多条{model_label(model).zh}记录为“{ref}”,请使用编号",
            f"several {model_label(model).en} records match {ref!r}; use the id",
        )
    return found[0]


def month_bounds(day: date) -> tuple[date, date]:
    """The first day of ``day``'s month and the first day of the next month."""
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


@attrs.frozen
class _Account:
    """The account as it stands: the last voucher number and the balance."""

    seq: int
    balance: Decimal


class SupermarketService:
    """The love supermarket's operations, inside one unit of work.

    ::

        with commons.unit_of_work(clerk) as uow:
            shop = SupermarketService(uow)
            rice = shop.find_item(community.id, "大米")
            shop.sell(household.id, [OrderLine(item_id=rice.id, quantity=2)])
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    # -- set-up and catalogue --------------------------------------------------

    def settings(self, community_id: UUID) -> SupermarketSettings:
        """The community's supermarket; :class:`NotSetUp` if it has none."""
        found = self.uow.repo(SupermarketSettings).find(
            settings_table.c.community_id == community_id
        )
        if not found:
            raise NotSetUp(community_id)
        return found[0]

    def configure(self, community_id: UUID, **changes: Any) -> SupermarketSettings:
        """Set up the community's supermarket, or change its settings (name, quota …)."""
        self.uow.require(MANAGE)
        repo = self.uow.repo(SupermarketSettings)
        try:
            current = self._lock(community_id)
        except NotSetUp:
            repo.add(SupermarketSettings(community_id=community_id, **changes))
        else:
            repo.update(attrs.evolve(current, **changes))
        return self.settings(community_id)

    def add_item(self, community_id: UUID, name: str, unit: str) -> Item:
        """Add an item to the catalogue; its cost comes from the goods received."""
        self.uow.require(STOCK)
        self.settings(community_id)
        repo = self.uow.repo(Item)
        if repo.count(item_table.c.community_id == community_id, item_table.c.name == name):
            raise ValidationError.single(
                "name",
                name,
                "love_supermarket.item_exists",
                "已有同名商品",
                "an item of this name exists",
            )
        return repo.add(Item(community_id=community_id, name=name, unit=unit))

    def update_item(self, changed: Item) -> Item:
        """Rename an item, change its unit, or take it off sale (``active``).

        Cost and quantity are kept by receipts and sales and cannot be set here.
        """
        self.uow.require(STOCK)
        self._lock(changed.community_id)
        current = self.uow.repo(Item).get(changed.id)
        problems = [
            Problem(
                name,
                str(getattr(changed, name)),
                "love_supermarket.item_kept",
                "成本单价与库存数量由入库和销售维护,不能直接修改",
                "unit cost and quantity follow the goods received and sold; they cannot be set",
            )
            for name in ("unit_cost", "quantity")
            if getattr(changed, name) != getattr(current, name)
        ]
        if problems:
            raise ValidationError(problems)
        return self.uow.repo(Item).update(changed)

    def find_item(self, community_id: UUID, ref: str) -> Item:
        """The item named ``ref`` (or with that id) in the community's catalogue."""
        return lookup(self.uow, Item, "name", community_id, ref)

    def items(self, community_id: UUID) -> list[Item]:
        """The community's catalogue, by name."""
        return self.uow.repo(Item).find(
            item_table.c.community_id == community_id, order_by=[item_table.c.name]
        )

    # -- eligibility ---------------------------------------------------------------

    def check_eligibility(
        self, household_id: UUID, *, on: date | None = None, reveal: bool = False
    ) -> Eligibility:
        """Whether the household may buy on ``on`` (today by default).

        The answer says *that*, not *why*; with ``reveal`` it carries the
        reason too, which needs ``reveal:assistance`` and is recorded in the
        audit trail like any reveal.
        """
        self.uow.require(SELL)
        household = self.uow.households.get(household_id)
        decision = self._decide(household, self._day(on))
        shown = Eligibility(
            household_id=household.id,
            household_no=household.household_no,
            eligible=decision.eligible,
            message=ELIGIBLE if decision.eligible else NOT_ELIGIBLE,
        )
        if not reveal:
            return shown
        self.uow.require(Sensitivity.ASSISTANCE.permission, f"household {household.id}")
        self.uow.audit.record(
            household.community_id,
            "reveal",
            "household",
            household.id,
            {"fields": ["statuses"]},
            where=self.uow.households.where(household),
        )
        return attrs.evolve(shown, reason=decision.reason, rule=decision.rule)

    def _decide(self, household: Household, on: date) -> Decision:
        # The statuses are read here, never handed to the actor: a clerk's copy
        # of the household has them withheld.
        statuses = self.uow.connection.execute(
            select(household_table.c.statuses).where(
                household_table.c.community_id == household.community_id,
                household_table.c.id == household.id,
            )
        ).scalar_one()
        return self._ask(attrs.evolve(household, statuses=statuses), on)

    def _ask(self, household: Household, on: date) -> Decision:
        # A firstresult hook, called through pluggy: the first rule that speaks decides.
        decision = self.uow.commons.host.pm.hook.love_supermarket_eligibility(
            uow=self.uow, household=household, on=on
        )
        if decision is not None:
            return cast(Decision, decision)
        # No rule spoke (the default rule is always there): refuse.
        return Decision(eligible=False, reason=NOT_ELIGIBLE, rule="none")

    def record_eligibility_changes(self, events: Sequence[DomainEvent]) -> list[EligibilityChange]:
        """Record households whose status change made them eligible or ineligible.

        Called with every batch of domain events; only communities that have
        a supermarket keep such records. The record is kept by the actor who
        changed the statuses; one whose roles do not allow it (a role this
        plugin does not know) changes them unrecorded rather than not at all:
        eligibility itself is always decided on the current statuses, and the
        audit trail holds the change.
        """
        changes = [e for e in events if isinstance(e, HouseholdStatusChanged)]
        if not changes or not self.uow.can(f"{eligibility_change.name}:create"):
            return []
        open_in = set(
            self.uow.connection.execute(
                select(settings_table.c.community_id).where(
                    settings_table.c.community_id.in_({e.community_id for e in changes})
                )
            ).scalars()
        )
        changes = [e for e in changes if e.community_id in open_in]
        if not changes:
            return []
        households = {
            h.id: h
            for h in self.uow.households.find(
                household_table.c.id.in_({e.household_id for e in changes})
            )
        }
        records = []
        for event in changes:
            found = households.get(event.household_id)
            if found is None:
                continue
            before = self._ask(attrs.evolve(found, statuses=event.before), event.occurred_on)
            after = self._ask(attrs.evolve(found, statuses=event.after), event.occurred_on)
            if before.eligible != after.eligible:
                records.append(
                    EligibilityChange(
                        community_id=event.community_id,
                        household_id=event.household_id,
                        occurred_on=event.occurred_on,
                        eligible=after.eligible,
                    )
                )
        return self.uow.repo(EligibilityChange).add_many(records) if records else []

    # -- selling -------------------------------------------------------------------

    def sell(
        self, household_id: UUID, lines: Sequence[OrderLine], *, on: date | None = None
    ) -> SaleRecord:
        """Sell to a household at cost; the proceeds are a receipt of the account.

        Refused (and nothing written) when the household may not buy
        (:class:`NotEligible`), a price is above the item's unit cost or an
        input is wrong (:class:`~commons_core.ValidationError`), the sale
        would exceed the household's monthly quota (:class:`QuotaExceeded`),
        or the shelf holds too little (:class:`OutOfStock`).
        """
        self.uow.require(SELL)
        household = self.uow.households.get(household_id)
        community_id = household.community_id
        config = self._lock(community_id)
        day = self._day(on)
        if not self._decide(household, day).eligible:
            raise NotEligible(household.household_no)
        ready = self._checked(lines)
        items = self._items(community_id, ready)
        sale_id = new_id()
        sale_lines: list[SaleLine] = []
        problems: list[Problem] = []
        for i, line in enumerate(ready):
            stocked = items[line.item_id]
            price = to_money(stocked.unit_cost if line.unit_price is None else line.unit_price)
            if price > stocked.unit_cost:
                problems.append(
                    Problem(
                        f"lines[{i}].unit_price",
                        str(price),
                        "love_supermarket.price_above_cost",
                        f"{stocked.name}的售价 {price} 元高于成本单价 {stocked.unit_cost} 元",
                        f"the price of {stocked.name} ({price}) is above its unit cost"
                        f" ({stocked.unit_cost}); goods are sold at cost",
                    )
                )
            sale_lines.append(
                SaleLine(
                    community_id=community_id,
                    sale_id=sale_id,
                    item_id=stocked.id,
                    quantity=line.quantity,
                    unit_price=price,
                    amount=to_money(price * line.quantity),
                )
            )
        if problems:
            raise ValidationError(problems)
        total = sum((line.amount for line in sale_lines), ZERO)
        count = sum(line.quantity for line in sale_lines)
        self._check_quota(config, household, day, total, count)
        account = self._account(community_id, day)
        self._check_stock(items, [(line.item_id, line.quantity) for line in ready])
        sale = self.uow.repo(Sale).add(
            Sale(
                id=sale_id,
                community_id=community_id,
                household_id=household.id,
                sold_on=day,
                amount=total,
                item_count=count,
            )
        )
        stored_lines = self.uow.repo(SaleLine).add_many(sale_lines)
        for line in ready:
            taken = items[line.item_id]
            self.uow.repo(Item).update(attrs.evolve(taken, quantity=taken.quantity - line.quantity))
        entry = self._post(account, community_id, EntryKind.SALE, total, day, sale_id=sale.id)
        return SaleRecord(sale=sale, lines=tuple(stored_lines), entry=entry)

    def month_usage(self, household: Household, day: date) -> tuple[Decimal, int]:
        """What a household bought in ``day``'s month: amount and number of items."""
        sales = self.uow.scoped(Sale)
        first, following = month_bounds(day)
        amount, count = self.uow.connection.execute(
            select(
                func.coalesce(func.sum(sales.c.amount), 0),
                func.coalesce(func.sum(sales.c.item_count), 0),
            ).where(
                sales.c.community_id == household.community_id,
                sales.c.household_id == household.id,
                sales.c.sold_on >= first,
                sales.c.sold_on < following,
            )
        ).one()
        return to_money(Decimal(str(amount))), int(count)

    def _check_quota(
        self,
        config: SupermarketSettings,
        household: Household,
        day: date,
        amount: Decimal,
        count: int,
    ) -> None:
        if config.monthly_amount_limit is None and config.monthly_item_limit is None:
            return
        used_amount, used_count = self.month_usage(household, day)
        zh: list[str] = []
        en: list[str] = []
        limit = config.monthly_amount_limit
        if limit is not None and used_amount + amount > limit:
            zh.append(f"本月已购 {used_amount} 元,本次 {amount} 元,每户每月限 {limit} 元")
            en.append(f"{used_amount} yuan bought this month, {amount} now, limit {limit} yuan")
        items = config.monthly_item_limit
        if items is not None and used_count + count > items:
            zh.append(f"本月已购 {used_count} 件,本次 {count} 件,每户每月限 {items} 件")
            en.append(f"{used_count} items bought this month, {count} now, limit {items}")
        if zh:
            raise QuotaExceeded(household.household_no, zh, en)

    @staticmethod
    def _check_stock(items: dict[UUID, Item], wanted: Sequence[tuple[UUID, int]]) -> None:
        short = [(items[i], n) for i, n in wanted if items[i].quantity < n]
        if short:
            raise OutOfStock(short)

    # -- goods and money received ------------------------------------------------

    def record_purchase(
        self,
        community_id: UUID,
        *,
        supplier: str,
        lines: Sequence[LotLine],
        on: date | None = None,
        note: str | None = None,
    ) -> PurchaseRecord:
        """Restock: goods bought with the account's money, a payment from it.

        Refused with :class:`InsufficientFunds` when the account holds less
        than the purchase costs.
        """
        self.uow.require(STOCK)
        self._lock(community_id)
        day = self._day(on)
        ready = self._checked(lines)
        free = [
            Problem(
                f"lines[{i}].unit_cost",
                "0.00",
                "love_supermarket.purchase_free",
                "采购单价应大于0(无偿所得请登记为捐赠)",
                "a purchase costs more than 0 (goods given for free are a donation)",
            )
            for i, line in enumerate(ready)
            if line.unit_cost == 0
        ]
        if free:
            raise ValidationError(free)
        items = self._items(community_id, ready)
        purchase = Purchase(
            community_id=community_id,
            purchased_on=day,
            supplier=supplier,
            amount=self._value(ready),
            note=note,
        )
        purchase = self._valid(purchase)
        account = self._account(community_id, day)
        if purchase.amount > account.balance:
            raise InsufficientFunds(account.balance, purchase.amount)
        stored = self.uow.repo(Purchase).add(purchase)
        lots = self._receive(items, ready, day, LotSource.PURCHASE, purchase_id=stored.id)
        entry = self._post(
            account, community_id, EntryKind.PURCHASE, stored.amount, day, purchase_id=stored.id
        )
        return PurchaseRecord(purchase=stored, lots=lots, entry=entry)

    def receive_goods(
        self,
        community_id: UUID,
        donor: Donor,
        lines: Sequence[LotLine],
        *,
        on: date | None = None,
        anonymous: bool = False,
        note: str | None = None,
    ) -> DonationRecord:
        """Goods donated: they go onto the shelf at their declared value; no money moves."""
        self.uow.require(STOCK)
        self._lock(community_id)
        ready = self._checked(lines)
        items = self._items(community_id, ready)
        donation = self._donation(
            community_id, donor, DonationKind.GOODS, self._value(ready), on, anonymous, note
        )
        stored = self.uow.repo(Donation).add(donation)
        lots = self._receive(
            items, ready, donation.received_on, LotSource.DONATION, donation_id=stored.id
        )
        return DonationRecord(donation=stored, lots=lots)

    def receive_money(
        self,
        community_id: UUID,
        donor: Donor,
        amount: Decimal,
        *,
        on: date | None = None,
        anonymous: bool = False,
        note: str | None = None,
    ) -> DonationRecord:
        """Money donated: a receipt of the account."""
        self.uow.require(MANAGE)
        self._lock(community_id)
        donation = self._donation(
            community_id, donor, DonationKind.MONEY, amount, on, anonymous, note
        )
        account = self._account(community_id, donation.received_on)
        stored = self.uow.repo(Donation).add(donation)
        entry = self._post(
            account,
            community_id,
            EntryKind.DONATION,
            stored.amount,
            stored.received_on,
            donation_id=stored.id,
        )
        return DonationRecord(donation=stored, entry=entry)

    def resident_donor(self, resident_id: UUID) -> Donor:
        """A resident of the community as a donor."""
        person = self.uow.residents.get(resident_id)
        return Donor(kind=DonorKind.RESIDENT, name=person.name, resident_id=person.id)

    def unit_donor(self, partner_unit_id: UUID) -> Donor:
        """A partner unit of the community as a donor."""
        unit = self.uow.repo(PartnerUnit).get(partner_unit_id)
        return Donor(kind=DonorKind.PARTNER_UNIT, name=unit.name, partner_unit_id=unit.id)

    def _donation(
        self,
        community_id: UUID,
        donor: Donor,
        kind: DonationKind,
        amount: Decimal,
        on: date | None,
        anonymous: bool,
        note: str | None,
    ) -> Donation:
        donor = self._valid(donor, "donor")
        donation = self._valid(
            Donation(
                community_id=community_id,
                received_on=self._day(on),
                kind=kind,
                donor_kind=donor.kind,
                donor_name=donor.name if donor.kind is DonorKind.OTHER else None,
                donor_resident_id=donor.resident_id,
                donor_partner_unit_id=donor.partner_unit_id,
                anonymous=anonymous,
                amount=amount,
                note=note,
            )
        )
        # The rules accept at most two places; store and return exactly two.
        return attrs.evolve(donation, amount=to_money(donation.amount))

    def _receive(
        self,
        items: dict[UUID, Item],
        lines: Sequence[LotLine],
        day: date,
        source: LotSource,
        **link: UUID,
    ) -> tuple[StockLot, ...]:
        """Store the lots and put the goods on the shelf at their moving-average cost."""
        lots = self.uow.repo(StockLot).add_many(
            StockLot(
                community_id=items[line.item_id].community_id,
                item_id=line.item_id,
                received_on=day,
                source=source,
                quantity=line.quantity,
                unit_cost=to_money(line.unit_cost),
                **link,
            )
            for line in lines
        )
        for line in lines:
            shelf = items[line.item_id]
            quantity = shelf.quantity + line.quantity
            value = shelf.unit_cost * shelf.quantity + line.unit_cost * line.quantity
            self.uow.repo(Item).update(
                attrs.evolve(shelf, quantity=quantity, unit_cost=to_money(value / quantity))
            )
        return tuple(lots)

    # -- the account ---------------------------------------------------------------

    def balance(self, community_id: UUID) -> Decimal:
        """What the supermarket's account holds now."""
        return self._account(community_id, None).balance

    def entries(
        self, community_id: UUID, *, start: date | None = None, end: date | None = None
    ) -> list[LedgerEntry]:
        """The account's entries in voucher order, optionally within a period."""
        criteria = [ledger_table.c.community_id == community_id]
        if start is not None:
            criteria.append(ledger_table.c.entry_on >= start)
        if end is not None:
            criteria.append(ledger_table.c.entry_on <= end)
        return self.uow.repo(LedgerEntry).find(*criteria, order_by=[ledger_table.c.seq])

    def _account(self, community_id: UUID, day: date | None) -> _Account:
        entries = self.uow.scoped(LedgerEntry)
        last = self.uow.connection.execute(
            select(entries.c.seq, entries.c.entry_on, entries.c.balance_after)
            .where(entries.c.community_id == community_id)
            .order_by(entries.c.seq.desc())
            .limit(1)
        ).first()
        if last is None:
            return _Account(0, ZERO)
        if day is not None and day < last.entry_on:
            raise ValidationError.single(
                "on",
                day.isoformat(),
                "love_supermarket.backdated",
                f"日期 {day} 早于最近一笔账目的日期 {last.entry_on},账目须按日期顺序记录",
                f"{day} is before the latest account entry ({last.entry_on});"
                " entries are recorded in date order",
            )
        return _Account(last.seq, to_money(Decimal(str(last.balance_after))))

    def _post(
        self,
        account: _Account,
        community_id: UUID,
        kind: EntryKind,
        amount: Decimal,
        day: date,
        **link: UUID,
    ) -> LedgerEntry:
        balance = account.balance + amount if kind.is_receipt else account.balance - amount
        return self.uow.repo(LedgerEntry).add(
            LedgerEntry(
                community_id=community_id,
                seq=account.seq + 1,
                entry_on=day,
                kind=kind,
                amount=amount,
                balance_after=balance,
                **link,
            )
        )

    # -- helpers -------------------------------------------------------------------

    def _lock(self, community_id: UUID) -> SupermarketSettings:
        """Lock the community's supermarket until the unit of work ends; return its settings."""
        repo = self.uow.repo(SupermarketSettings)
        if self.uow.connection.dialect.name == "postgresql":
            self.uow.connection.execute(
                repo.select().where(settings_table.c.community_id == community_id).with_for_update()
            )
        return self.settings(community_id)

    def _day(self, on: date | None) -> date:
        today = self.uow.rule_context.today
        day = on or today
        if day > today:
            raise ValidationError.single(
                "on",
                day.isoformat(),
                "date.future",
                f"日期 {day} 晚于今天 {today}",
                f"the date {day} is after today ({today})",
            )
        return day

    def _checked(self, lines: Sequence[T], path: str = "lines") -> list[T]:
        """Input lines normalised by the rules, or every problem at ``lines[i].field``."""
        rules = self.uow.commons.codec.rules
        ready: list[T] = []
        problems: list[Problem] = []
        for i, line in enumerate(lines):
            done, found = rules.prepare(line, self.uow.rule_context)
            ready.append(done)
            problems.extend(p.under(f"{path}[{i}]") for p in found)
        if not ready:
            problems.append(
                Problem(path, [], "love_supermarket.no_lines", "没有商品明细", "no items given")
            )
        if problems:
            raise ValidationError(problems)
        return ready

    def _valid(self, obj: T, path: str = "") -> T:
        """``obj`` normalised by the rules, or every problem in it."""
        done, problems = self.uow.commons.codec.rules.prepare(obj, self.uow.rule_context)
        if problems:
            raise ValidationError(p.under(path) for p in problems)
        return done

    def _items(self, community_id: UUID, lines: Sequence[OrderLine | LotLine]) -> dict[UUID, Item]:
        """The items the lines name, read after the lock; every unknown or repeated one reported."""
        wanted = [line.item_id for line in lines]
        found = {
            i.id: i
            for i in self.uow.repo(Item).find(
                item_table.c.community_id == community_id, item_table.c.id.in_(set(wanted))
            )
        }
        problems: list[Problem] = []
        for i, item_id in enumerate(wanted):
            path = f"lines[{i}].item_id"
            stocked = found.get(item_id)
            if item_id in wanted[:i]:
                problems.append(
                    Problem(
                        path,
                        str(item_id),
                        "love_supermarket.item_twice",
                        "同一商品出现两次,请合并为一行",
                        "the item is given twice; put it on one line",
                    )
                )
            elif stocked is None:
                problems.append(
                    Problem(
                        path,
                        str(item_id),
                        "love_supermarket.item_unknown",
                        "本社区爱心超市没有此商品",
                        "no such item in this community's supermarket",
                    )
                )
            elif not stocked.active:
                problems.append(
                    Problem(
                        path,
                        stocked.name,
                        "love_supermarket.item_inactive",
                        f"{stocked.name}已停售",
                        f"{stocked.name} is no longer sold",
                    )
                )
        if problems:
            raise ValidationError(problems)
        return found

    @staticmethod
    def _value(lines: Sequence[LotLine]) -> Decimal:
        return sum((to_money(line.unit_cost * line.quantity) for line in lines), ZERO)
