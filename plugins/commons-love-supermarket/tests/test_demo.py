"""Demo data: every demo community opens a supermarket; 文化路社区 has six months of history."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from commons_love_supermarket import EntryKind, Sale, SupermarketService, plugin
from commons_love_supermarket.demo import CATALOGUE
from sqlalchemy import select

from commons_core import Actor, HouseholdStatus
from commons_core.reports import ReportParams
from commons_core.services import Commons
from commons_core.storage.tables import household
from commons_core.testing import backend_params, loaded_demo

ELIGIBLE = {HouseholdStatus.LOW_INCOME, HouseholdStatus.HARDSHIP}


def _consistent(commons: Commons, community_id: Any) -> None:
    """The account balances and every buyer is a 低保 or 困难 household."""
    with commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        shop = SupermarketService(uow)
        entries = shop.entries(community_id)
        running = Decimal(0)
        for entry in entries:
            running += entry.amount if entry.kind.is_receipt else -entry.amount
            assert entry.balance_after == running >= 0
        assert shop.balance(community_id) == running
        sales = uow.scoped(Sale)
        buyers = uow.connection.execute(
            select(household.c.statuses)
            .select_from(sales)
            .join(
                household,
                (household.c.community_id == sales.c.community_id)
                & (household.c.id == sales.c.household_id),
            )
            .where(sales.c.community_id == community_id)
        ).scalars()
        assert all(statuses & ELIGIBLE for statuses in buyers)
        assert len([e for e in entries if e.kind is EntryKind.SALE]) == uow.repo(Sale).count(
            uow.repo(Sale).table.c.community_id == community_id
        )


def test_the_demo_hook_opens_a_supermarket_in_a_small_community(
    commons: Commons, admin: Any, demo_community: Any
) -> None:
    small = demo_community().communities["small"]
    with commons.unit_of_work(admin, readonly=True) as uow:
        shop = SupermarketService(uow)
        assert shop.settings(small.id).name == f"{small.name}爱心超市"
        assert {i.name for i in shop.items(small.id)} == {name for name, _u, _c in CATALOGUE}
        assert shop.balance(small.id) > 0
    _consistent(commons, small.id)


@pytest.fixture(scope="module", params=backend_params())
def full_demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Commons]:
    """``commons demo`` with this plugin, loaded once per backend for the module."""
    plugins = {"love_supermarket": plugin}
    with loaded_demo(request.param, tmp_path_factory.mktemp("demo"), plugins) as commons:
        yield commons


def _report(commons: Commons, name: str, community: str) -> Any:
    with commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        found = uow.find_community(community)
        return commons.reports[name].run(uow, found, ReportParams()).data


def test_wenhualu_has_six_months_of_sales_purchases_and_donations(full_demo: Commons) -> None:
    ledger = _report(full_demo, "love-supermarket-ledger", "文化路社区")
    months = ledger["months"]
    assert len(months) == 6
    assert months[-1]["month"] == f"{date.today():%Y-%m}"
    assert all(float(m["sales"]) > 0 and int(m["entries"]) >= 10 for m in months)
    assert all(float(m["payments"]) > 0 for m in months)
    assert float(ledger["donations"]) > 15000
    assert float(ledger["closing_balance"]) >= 0
    with full_demo.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        community = uow.find_community("文化路社区")
        assert str(SupermarketService(uow).balance(community.id)) == ledger["closing_balance"]
    _consistent(full_demo, community.id)


def test_wenhualu_discloses_donors_and_stock_but_no_buyers(full_demo: Commons) -> None:
    disclosure = _report(full_demo, "love-supermarket-disclosure", "文化路社区")
    kinds = {d["donor_kind"] for d in disclosure["donors"]}
    assert kinds == {"partner_unit", "resident", "other"}
    assert any(d["donor"] == "匿名 / anonymous" for d in disclosure["donors"])
    assert disclosure["sales"]["households"] > 20
    assert len(disclosure["stock"]) == len(CATALOGUE)
    published = json.dumps(disclosure, ensure_ascii=False)
    assert "WHL0" not in published  # no household numbers
    stock = _report(full_demo, "love-supermarket-stock", "文化路社区")
    assert stock["low_stock"]


def test_every_demo_community_has_a_supermarket(full_demo: Commons) -> None:
    for name in ("文化路社区", "天鹤社区", "慈溪社区"):
        assert _report(full_demo, "love-supermarket-ledger", name)["months"]
