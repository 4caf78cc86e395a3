"""How fast the counter is: sales per second, one clerk and eight at once.

Usage::

    python plugins/commons-love-supermarket/benchmarks/sales.py [--sales 200] [--postgres URL]

Prints one row per backend and number of clerks: milliseconds per sale and
SQL statements per sale. Each sale is one unit of work (lock, eligibility,
quota, stock, sale, lines, account entry, audit trail).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

from commons_love_supermarket import (
    Donor,
    DonorKind,
    LotLine,
    OrderLine,
    SupermarketService,
    plugin,
)
from commons_love_supermarket.services import ELIGIBLE_STATUSES
from sqlalchemy import event

from commons_core import Actor, Scope, open_commons
from commons_core.plugins import make_plugin_host
from commons_core.testing import make_small_community, postgres_schema


def _prepare(url: str, sales: int) -> tuple[Any, Actor, list[Any], Any]:
    host = make_plugin_host(load_entry_points=False, plugins={"love_supermarket": plugin})
    commons = open_commons(url, host=host, upgrade=True)
    admin = Actor.local_admin()
    context = make_small_community(commons, admin, run_plugins=False, households=300, residents=800)
    community = context.communities["small"].id
    generated = context.data["small"].households
    buyers = [h.id for h in generated if (h.statuses or set()) & ELIGIBLE_STATUSES]
    with commons.unit_of_work(admin) as uow:
        shop = SupermarketService(uow)
        shop.configure(community)
        rice = shop.add_item(community, "大米", "袋")
        giver = Donor(kind=DonorKind.OTHER, name="爱心人士")
        shop.receive_money(community, giver, Decimal(sales * 10))
        shop.record_purchase(
            community,
            supplier="粮油店",
            lines=[LotLine(item_id=rice.id, quantity=sales * 2, unit_cost=Decimal("5"))],
        )
    clerk = Actor("clerk", frozenset({"clerk"}), Scope.community(community))
    return commons, clerk, buyers, rice.id


def _run(url: str, sales: int, clerks: int) -> tuple[float, float]:
    commons, clerk, buyers, rice = _prepare(url, sales)
    statements = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    def work(n: int) -> None:
        for i in range(n, sales, clerks):
            with commons.unit_of_work(clerk) as uow:
                line = OrderLine(item_id=rice, quantity=1)
                SupermarketService(uow).sell(buyers[i % len(buyers)], [line])

    event.listen(commons.engine, "before_cursor_execute", count)
    started = time.perf_counter()
    with ThreadPoolExecutor(clerks) as pool:
        list(pool.map(work, range(clerks)))
    elapsed = time.perf_counter() - started
    commons.close()
    return elapsed / sales * 1000, statements[0] / sales


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=200)
    parser.add_argument("--postgres", metavar="URL", help="also measure on this PostgreSQL")
    args = parser.parse_args()
    print(f"{'backend':10} {'clerks':>6} {'ms/sale':>8} {'statements/sale':>16}")
    with tempfile.TemporaryDirectory() as folder:
        for clerks in (1, 8):
            url = f"sqlite:///{Path(folder) / f'bench{clerks}.db'}"
            ms, per_sale = _run(url, args.sales, clerks)
            print(f"{'sqlite':10} {clerks:>6} {ms:>8.1f} {per_sale:>16.1f}")
    if args.postgres:
        for clerks in (1, 8):
            with postgres_schema(args.postgres) as url:
                ms, per_sale = _run(url, args.sales, clerks)
            print(f"{'postgres':10} {clerks:>6} {ms:>8.1f} {per_sale:>16.1f}")


if __name__ == "__main__":
    main()
