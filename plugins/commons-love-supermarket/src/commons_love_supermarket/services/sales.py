"""Selling to households at cost, within their monthly quota and the stock on the shelf."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from uuid import UUID

import attrs
from sqlalchemy import func, select

from commons_core import Household, Problem, ValidationError, new_id
from commons_love_supermarket.model import (
    ZERO,
    EntryKind,
    Item,
    OrderLine,
    Sale,
    SaleLine,
    SaleRecord,
    SupermarketSettings,
)
from commons_love_supermarket.rules import to_money
from commons_love_supermarket.services.account import AccountOperations
from commons_love_supermarket.services.base import month_bounds
from commons_love_supermarket.services.catalogue import CatalogueOperations
from commons_love_supermarket.services.eligibility import EligibilityOperations
from commons_love_supermarket.services.errors import NotEligible, OutOfStock, QuotaExceeded
from commons_love_supermarket.services.permissions import SELL

__all__ = ["SalesOperations"]


class SalesOperations(CatalogueOperations, EligibilityOperations, AccountOperations):
    """Selling, and what a household has bought this month."""

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
