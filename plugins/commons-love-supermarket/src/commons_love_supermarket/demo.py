"""Demo data: a love supermarket in every demo community, with months of history.

Donations from partner units and residents open the account, monthly
purchases restock the shelves, and eligible households (低保 and 困难)
buy once in most months. Everything goes through the services in date
order, so the ledger, the stock and the quota hold exactly as they would
in use. Randomness comes only from ``demo.rng``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

from commons_core import Household, PartnerUnit, Resident, ResidentStatus
from commons_love_supermarket.model import Donor, DonorKind, LotLine, OrderLine
from commons_love_supermarket.services import (
    ELIGIBLE_STATUSES,
    SupermarketService,
    month_bounds,
)

if TYPE_CHECKING:
    from commons_core.demo import CommunityData, DemoContext
    from commons_core.services import UnitOfWork

__all__ = ["CATALOGUE", "HISTORY", "load_demo_data"]

CATALOGUE: tuple[tuple[str, str, Decimal], ...] = (
    ("大米", "袋", Decimal("45.00")),
    ("面粉", "袋", Decimal("38.00")),
    ("食用油", "桶", Decimal("62.50")),
    ("鸡蛋", "盒", Decimal("22.00")),
    ("挂面", "包", Decimal("4.50")),
    ("食盐", "袋", Decimal("2.00")),
    ("酱油", "瓶", Decimal("8.50")),
    ("白糖", "袋", Decimal("7.00")),
    ("洗衣粉", "袋", Decimal("12.00")),
    ("香皂", "块", Decimal("3.50")),
    ("牙膏", "支", Decimal("6.50")),
    ("卫生纸", "提", Decimal("15.00")),
)
"""Name, unit and usual cost (yuan) of the demo catalogue."""

HISTORY = {"wenhualu": (6, 12)}
"""Months of history (the current one included) and most buyers a month, by community key.

文化路社区 has the fullest history; the others (and test communities) a shorter one.
"""
OTHER_HISTORY = (3, 5)

WELL_WISHER = Donor(kind=DonorKind.OTHER, name="爱心人士")
SUPPLIERS = ("惠民粮油店", "社区便民超市", "农贸批发市场")
SHELF_TARGET = 20
BASKET_BUDGET = Decimal("150.00")


def load_demo_data(uow: UnitOfWork, demo: DemoContext) -> None:
    """Open a supermarket in every demo community and play its history."""
    for key in demo.communities:
        months, buyers = HISTORY.get(key, OTHER_HISTORY)
        history = _History(SupermarketService(uow), demo.data[key], demo.rng, demo.today)
        history.play(months, buyers)


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


class _History:
    """One community's six months, as dated operations run in order."""

    def __init__(
        self, shop: SupermarketService, data: CommunityData, rng: random.Random, today: date
    ) -> None:
        self.shop = shop
        self.data = data
        self.rng = rng
        self.today = today
        self.cid = data.community.id
        self.stock: dict[str, int] = {}
        self.balance = Decimal("0.00")
        self.ops: list[tuple[date, int, Callable[[], None]]] = []

    def play(self, months: int, buyers: int) -> None:
        """Open the supermarket ``months`` ago; up to ``buyers`` households buy each month."""
        first = _add_months(self.today.replace(day=1), 1 - months)
        self.shop.configure(
            self.cid,
            name=f"{self.data.community.name}爱心超市",
            opened_on=first,
            monthly_amount_limit=Decimal("200.00"),
            monthly_item_limit=20,
            low_stock_threshold=10,
        )
        self.items = {name: self.shop.add_item(self.cid, name, unit) for name, unit, _ in CATALOGUE}
        self.stock = dict.fromkeys(self.items, 0)
        self._opening(first)
        for month in range(months):
            self._month(_add_months(first, month), buyers, last=month == months - 1)
        for _day, _order, run in sorted(self.ops, key=lambda op: (op[0], op[1])):
            run()

    def _day(self, first: date, day: int) -> date:
        return min(first + timedelta(days=day - 1), self.today)

    def _opening(self, first: date) -> None:
        units = list(self.data.partner_units)
        for unit in self.rng.sample(units, min(4, len(units))):
            amount = Decimal(self.rng.randrange(15, 41) * 100)
            self._money(self._day(first, 1), self._unit(unit), amount)
        amount = Decimal(self.rng.randrange(5, 11) * 100)
        self._money(self._day(first, 1), WELL_WISHER, amount)
        for anonymous, person in enumerate(self._residents(2)):
            amount = Decimal(self.rng.randrange(2, 6) * 100)
            donor = Donor(kind=DonorKind.RESIDENT, name=person.name, resident_id=person.id)
            self._money(self._day(first, 1), donor, amount, anonymous=bool(anonymous))
        if units:
            gift = [("大米", 30), ("食用油", 20)]
            self._goods(self._day(first, 2), self._unit(self.rng.choice(units)), gift)

    def _month(self, first: date, buyers: int, *, last: bool) -> None:
        _start, following = month_bounds(first)
        days = (min(following - timedelta(days=1), self.today) - first).days + 1
        donors = [self._unit(u) for u in self.data.partner_units]
        donors.append(WELL_WISHER)
        amount = Decimal(self.rng.randrange(5, 21) * 100)
        self._money(self._day(first, 2), self.rng.choice(donors), amount)
        # In the last month two items are not restocked, so the stock report has low items.
        skip = set(self.rng.sample(sorted(self.items), 2)) if last else set()
        self._then(self._day(first, 3), 1, partial(self._restock, self._day(first, 3), skip))
        eligible = self._eligible()
        for household in self.rng.sample(eligible, min(buyers, len(eligible))):
            day = self._day(first, self.rng.randint(4, max(4, days)))
            self._then(day, 3, partial(self._sell, household, day, self._basket()))

    def _eligible(self) -> list[Household]:
        return [h for h in self.data.households if (h.statuses or set()) & ELIGIBLE_STATUSES]

    def _residents(self, count: int) -> list[Resident]:
        adults = [
            r
            for r in self.data.residents
            if r.status is ResidentStatus.ACTIVE and r.age_on(self.today) >= 30
        ]
        return self.rng.sample(adults, min(count, len(adults)))

    @staticmethod
    def _unit(unit: PartnerUnit) -> Donor:
        return Donor(kind=DonorKind.PARTNER_UNIT, name=unit.name, partner_unit_id=unit.id)

    def _basket(self) -> list[tuple[str, int]]:
        basket: list[tuple[str, int]] = []
        spent = Decimal(0)
        costs = {name: cost for name, _unit, cost in CATALOGUE}
        for name in self.rng.sample(sorted(costs), self.rng.randint(2, 5)):
            quantity = self.rng.randint(1, 2)
            if spent + costs[name] * quantity <= BASKET_BUDGET:
                basket.append((name, quantity))
                spent += costs[name] * quantity
        return basket

    def _then(self, day: date, order: int, run: Callable[[], None]) -> None:
        self.ops.append((day, order, run))

    # -- the operations, run in date order ----------------------------------------

    def _money(self, day: date, donor: Donor, amount: Decimal, *, anonymous: bool = False) -> None:
        def run() -> None:
            self.shop.receive_money(self.cid, donor, amount, on=day, anonymous=anonymous)
            self.balance += amount

        self._then(day, 0, run)

    def _goods(self, day: date, donor: Donor, gift: list[tuple[str, int]]) -> None:
        costs = {name: cost for name, _unit, cost in CATALOGUE}

        def run() -> None:
            lines = [
                LotLine(item_id=self.items[n].id, quantity=q, unit_cost=costs[n]) for n, q in gift
            ]
            self.shop.receive_goods(self.cid, donor, lines, on=day)
            for name, quantity in gift:
                self.stock[name] += quantity

        self._then(day, 2, run)

    def _restock(self, day: date, skip: set[str]) -> None:
        lines: list[LotLine] = []
        budget = self.balance
        for name, _unit, usual in CATALOGUE:
            missing = SHELF_TARGET - self.stock[name]
            cost = (usual * Decimal(self.rng.randint(95, 105)) / 100).quantize(Decimal("0.01"))
            if name in skip or missing <= 0 or cost * missing > budget:
                continue
            lines.append(LotLine(item_id=self.items[name].id, quantity=missing, unit_cost=cost))
            budget -= cost * missing
        if not lines:
            return
        record = self.shop.record_purchase(
            self.cid, supplier=self.rng.choice(SUPPLIERS), lines=lines, on=day
        )
        self.balance -= record.purchase.amount
        names = {i.id: n for n, i in self.items.items()}
        for lot in record.lots:
            self.stock[names[lot.item_id]] += lot.quantity

    def _sell(self, household: Household, day: date, wanted: list[tuple[str, int]]) -> None:
        order = [(n, q) for n, q in wanted if self.stock[n] >= q]
        if not order:
            return
        lines = [OrderLine(item_id=self.items[n].id, quantity=q) for n, q in order]
        record = self.shop.sell(household.id, lines, on=day)
        self.balance += record.sale.amount
        for name, quantity in order:
            self.stock[name] -= quantity
