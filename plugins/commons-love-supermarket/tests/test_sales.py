"""Selling: at cost, within the monthly quota, from stock, proceeds into the account."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from commons_love_supermarket import (
    EntryKind,
    Item,
    NotEligible,
    NotSetUp,
    OutOfStock,
    QuotaExceeded,
    SupermarketService,
)
from commons_love_supermarket.tables import ledger, sale, sale_line
from sqlalchemy import func, select

from commons_core import AccessDenied, ValidationError
from commons_core.services import Commons


def _item(commons: Commons, admin: Any, item_id: Any) -> Item:
    with commons.unit_of_work(admin, readonly=True) as uow:
        return uow.repo(Item).get(item_id)


def _count(commons: Commons, admin: Any, table: Any) -> int:
    with commons.unit_of_work(admin, readonly=True) as uow:
        return int(uow.connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_sale_at_cost_takes_stock_and_pays_into_the_account(
    commons: Commons, admin: Any, world: Any, sell: Any
) -> None:
    record = sell("low_income", {"大米": 2, "食用油": 1})
    assert record.sale.amount == Decimal("152.50")
    assert record.sale.item_count == 3
    assert {(line.quantity, line.unit_price, line.amount) for line in record.lines} == {
        (2, Decimal("45.00"), Decimal("90.00")),
        (1, Decimal("62.50"), Decimal("62.50")),
    }
    assert record.entry.kind is EntryKind.SALE
    assert record.entry.amount == Decimal("152.50")
    assert record.entry.balance_after == Decimal("1255.00") + Decimal("152.50")
    assert _item(commons, admin, world.items["大米"]).quantity == 18
    assert _item(commons, admin, world.items["食用油"]).quantity == 9
    with commons.unit_of_work(admin, readonly=True) as uow:
        assert SupermarketService(uow).balance(world.community_id) == Decimal("1407.50")


def test_hardship_households_buy_too(sell: Any) -> None:
    assert sell("hardship", {"鸡蛋": 1}).sale.amount == Decimal("22.00")


def test_a_price_above_cost_is_refused_and_one_below_is_taken(sell: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        sell("low_income", {"大米": 1}, prices={"大米": "45.01"})
    (problem,) = refused.value.problems
    assert problem.path == "lines[0].unit_price"
    assert problem.code == "love_supermarket.price_above_cost"
    assert "45.00" in problem.zh
    assert "45.00" in problem.en
    assert sell("low_income", {"大米": 1}, prices={"大米": "40.00"}).sale.amount == Decimal("40.00")


def test_stock_never_goes_below_zero_and_a_refusal_writes_nothing(
    commons: Commons, admin: Any, world: Any, clerk: Any, order: Any
) -> None:
    with commons.unit_of_work(clerk) as uow:
        shop = SupermarketService(uow)
        with pytest.raises(OutOfStock) as refused:
            shop.sell(world.households["low_income"], order({"鸡蛋": 1, "大米": 21}))
        # Refused before writing: the same unit of work goes on undamaged.
        assert uow.connection.execute(select(func.count()).select_from(sale)).scalar_one() == 0
        assert shop.find_item(world.community_id, "鸡蛋").quantity == 10
    assert "大米 现有 20袋,需要 21袋" in refused.value.zh
    assert "大米 20 袋 left, 21 wanted" in refused.value.en
    assert _count(commons, admin, ledger) == 2
    assert _count(commons, admin, sale_line) == 0


def test_the_monthly_amount_quota_holds_per_household_and_restarts_each_month(
    commons: Commons, admin: Any, world: Any, sell: Any
) -> None:
    with commons.unit_of_work(admin) as uow:
        SupermarketService(uow).configure(world.community_id, monthly_amount_limit=Decimal("100"))
    last_month = world.opened_on + timedelta(days=1)
    sell("low_income", {"大米": 2}, on=last_month)
    with pytest.raises(QuotaExceeded) as refused:
        sell("low_income", {"鸡蛋": 1}, on=last_month)
    assert "本月已购 90.00 元,本次 22.00 元,每户每月限 100.00 元" in refused.value.zh
    assert "90.00 yuan bought this month, 22.00 now, limit 100.00 yuan" in refused.value.en
    assert sell("hardship", {"鸡蛋": 1}, on=last_month)
    assert sell("low_income", {"大米": 2}).sale.amount == Decimal("90.00")


def test_the_monthly_item_quota_holds(commons: Commons, admin: Any, world: Any, sell: Any) -> None:
    with commons.unit_of_work(admin) as uow:
        SupermarketService(uow).configure(world.community_id, monthly_item_limit=3)
    sell("low_income", {"鸡蛋": 2})
    with pytest.raises(QuotaExceeded, match="本月已购 2 件,本次 2 件,每户每月限 3 件"):
        sell("low_income", {"鸡蛋": 1, "大米": 1})
    assert sell("low_income", {"鸡蛋": 1}).sale.item_count == 1


def test_not_eligible_households_are_refused_without_saying_why(sell: Any) -> None:
    for household in ("ordinary", "disability"):
        with pytest.raises(NotEligible) as refused:
            sell(household, {"鸡蛋": 1})
        message = str(refused.value)
        assert "不符合" in message
        assert "may not buy" in message
        for secret in ("低保", "困难", "残疾", "low-income", "hardship", "disability"):
            assert secret not in message


def test_only_sellers_sell(world: Any, sell: Any, actor_for: Any) -> None:
    for role in ("grid_worker", "resident", "auditor"):
        with pytest.raises(AccessDenied, match="love_supermarket:sell"):
            sell("low_income", {"鸡蛋": 1}, actor=actor_for(role, world.community_id))
    assert sell("low_income", {"鸡蛋": 1}, actor=actor_for("cadre", world.community_id))


def test_a_community_without_a_supermarket_cannot_sell(
    commons: Commons, admin: Any, demo_community: Any, order: Any
) -> None:
    other = demo_community(seed=11, run_plugins=False)
    household = other.data["small"].households[0]
    with commons.unit_of_work(admin) as uow, pytest.raises(NotSetUp, match="尚未设立爱心超市"):
        SupermarketService(uow).sell(household.id, order({"鸡蛋": 1}))


def test_an_item_taken_off_sale_is_not_sold_and_its_cost_is_not_edited(
    commons: Commons, admin: Any, world: Any, sell: Any
) -> None:
    with commons.unit_of_work(admin) as uow:
        shop = SupermarketService(uow)
        eggs = shop.find_item(world.community_id, "鸡蛋")
        with pytest.raises(ValidationError) as refused:
            shop.update_item(attrs.evolve(eggs, unit_cost=Decimal("1.00"), quantity=99))
        assert {p.path for p in refused.value.problems} == {"unit_cost", "quantity"}
        shop.update_item(attrs.evolve(eggs, active=False, unit="箱"))
    with pytest.raises(ValidationError) as refused:
        sell("low_income", {"大米": 1, "鸡蛋": 1})
    (problem,) = refused.value.problems
    assert (problem.path, problem.code) == ("lines[1].item_id", "love_supermarket.item_inactive")


def test_orders_are_checked_line_by_line(commons: Commons, world: Any, clerk: Any) -> None:
    from commons_love_supermarket import OrderLine

    lines = [
        OrderLine(item_id=world.items["大米"], quantity=0),
        OrderLine(item_id=world.items["鸡蛋"], quantity=1, unit_price=Decimal("1.005")),
    ]
    with commons.unit_of_work(clerk) as uow, pytest.raises(ValidationError) as refused:
        SupermarketService(uow).sell(world.households["hardship"], lines)
    assert {(p.path, p.code) for p in refused.value.problems} == {
        ("lines[0].quantity", "number.positive"),
        ("lines[1].unit_price", "money.places"),
    }
    twice = [OrderLine(item_id=world.items["大米"], quantity=1)] * 2
    with commons.unit_of_work(clerk) as uow, pytest.raises(ValidationError, match="1 problem"):
        SupermarketService(uow).sell(world.households["hardship"], twice)
