"""Concurrent sales never oversell: 8 clerks, 20 sales each, from a stock of 100."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from threading import Barrier
from typing import Any

from commons_love_supermarket import (
    EntryKind,
    LotLine,
    OrderLine,
    OutOfStock,
    SupermarketService,
)

from commons_core.services import Commons

THREADS = 8
SALES_EACH = 20
STOCK = 100


def test_eight_threads_sell_exactly_the_stock_and_no_more(
    commons: Commons, admin: Any, world: Any, clerk: Any
) -> None:
    cid = world.community_id
    with commons.unit_of_work(admin) as uow:
        shop = SupermarketService(uow)
        rice = shop.add_item(cid, "小米", "袋")
        shop.record_purchase(
            cid,
            supplier="粮油店",
            lines=[LotLine(item_id=rice.id, quantity=STOCK, unit_cost=Decimal("5.00"))],
        )
        balance_before = shop.balance(cid)
    households = [world.households["low_income"], world.households["hardship"]]
    start = Barrier(THREADS)

    def clerk_at_work(n: int) -> tuple[list[int], int]:
        left_after: list[int] = []
        refused = 0
        start.wait()
        for i in range(SALES_EACH):
            try:
                with commons.unit_of_work(clerk) as uow:
                    shop = SupermarketService(uow)
                    line = OrderLine(item_id=rice.id, quantity=1)
                    shop.sell(households[(n + i) % 2], [line])
                    left_after.append(shop.find_item(cid, "小米").quantity)
            except OutOfStock:
                refused += 1
        return left_after, refused

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(clerk_at_work, range(THREADS)))

    left = sorted(q for seen, _ in results for q in seen)
    assert len(left) == STOCK
    assert sum(refused for _, refused in results) == THREADS * SALES_EACH - STOCK
    # Every sale saw a different shelf: they ran one after another.
    assert left == list(range(STOCK))
    with commons.unit_of_work(admin, readonly=True) as uow:
        shop = SupermarketService(uow)
        assert shop.find_item(cid, "小米").quantity == 0
        sales = [e for e in shop.entries(cid) if e.kind is EntryKind.SALE]
        assert len(sales) == STOCK
        assert [e.seq for e in shop.entries(cid)] == list(range(1, len(shop.entries(cid)) + 1))
        assert shop.balance(cid) == balance_before + STOCK * Decimal("5.00")
