"""The reports: the account by month, stock levels, and the public disclosure."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from commons_love_supermarket import Donor, DonorKind, SupermarketService

from commons_core.reports import ReportParams, ReportResult
from commons_core.services import Commons
from commons_core.testing import count_statements

LEDGER_KEYS = {
    "community",
    "from",
    "to",
    "opening_balance",
    "sales",
    "donations",
    "receipts",
    "payments",
    "closing_balance",
    "months",
}


def _run(commons: Commons, actor: Any, world: Any, name: str, **params: Any) -> ReportResult:
    with commons.unit_of_work(actor, readonly=True) as uow:
        community = uow.find_community(str(world.community_id))
        return commons.reports[name].run(uow, community, ReportParams(**params))


def _month(day: date) -> str:
    return f"{day:%Y-%m}"


def test_the_ledger_report_sums_each_month_and_carries_the_balance(
    commons: Commons, admin: Any, world: Any, sell: Any
) -> None:
    sell("low_income", {"大米": 2}, on=world.opened_on + timedelta(days=1))  # 90.00
    sell("hardship", {"鸡蛋": 1})  # 22.00
    data = _run(commons, admin, world, "love-supermarket-ledger").data
    assert set(data) == LEDGER_KEYS
    assert data["months"] == [
        {
            "month": _month(world.opened_on),
            "sales": "90.00",
            "donations": "3000.00",
            "receipts": "3090.00",
            "payments": "1745.00",
            "balance": "1345.00",
            "entries": 3,
        },
        {
            "month": _month(date.today()),
            "sales": "22.00",
            "donations": "0.00",
            "receipts": "22.00",
            "payments": "0.00",
            "balance": "1367.00",
            "entries": 1,
        },
    ]
    assert (data["opening_balance"], data["closing_balance"]) == ("0.00", "1367.00")
    assert (data["receipts"], data["payments"]) == ("3112.00", "1745.00")
    with commons.unit_of_work(admin, readonly=True) as uow:
        assert SupermarketService(uow).balance(world.community_id) == Decimal("1367.00")
    this_month = _run(
        commons, admin, world, "love-supermarket-ledger", start=date.today().replace(day=1)
    ).data
    assert this_month["opening_balance"] == "1345.00"
    assert [m["month"] for m in this_month["months"]] == [_month(date.today())]
    assert this_month["closing_balance"] == "1367.00"


def test_the_stock_report_lists_low_stock_items_first(
    commons: Commons, admin: Any, world: Any, sell: Any
) -> None:
    sell("low_income", {"鸡蛋": 1})
    result = _run(commons, admin, world, "love-supermarket-stock")
    data = result.data
    assert data["threshold"] == 10
    assert data["low_stock"] == ["食用油", "鸡蛋"]
    assert [i["name"] for i in data["items"]] == ["食用油", "鸡蛋", "大米"]
    assert data["items"][1] == {
        "name": "鸡蛋",
        "unit": "盒",
        "quantity": 9,
        "unit_cost": "22.00",
        "value": "198.00",
        "low": True,
    }
    assert data["stock_value"] == "1723.00"  # 900 + 625 + 198
    assert result.rows[0][-1] == "✓"
    with commons.unit_of_work(admin) as uow:
        SupermarketService(uow).configure(world.community_id, low_stock_threshold=9)
    assert _run(commons, admin, world, "love-supermarket-stock").data["low_stock"] == ["鸡蛋"]


def test_the_disclosure_names_donors_but_never_buyers(
    commons: Commons, admin: Any, world: Any, sell: Any
) -> None:
    buyers = [sell(h, {"鸡蛋": 1, "大米": 1}) for h in ("low_income", "hardship", "low_income")]
    data = world.context.data["small"]
    unit, person = data.partner_units[0], data.residents[0]
    with commons.unit_of_work(admin) as uow:
        shop = SupermarketService(uow)
        shop.receive_money(world.community_id, shop.unit_donor(unit.id), Decimal("500"))
        shop.receive_money(
            world.community_id, shop.resident_donor(person.id), Decimal("50"), anonymous=True
        )
    report = commons.reports["love-supermarket-disclosure"]
    assert report.public
    result = _run(commons, admin, world, "love-supermarket-disclosure")
    disclosed = result.data
    assert disclosed["sales"] == {"count": 3, "households": 2, "items": 6, "amount": "201.00"}
    assert disclosed["donations"] == {"count": 3, "money": "3550.00", "goods_value": "0.00"}
    assert disclosed["purchases"] == {"count": 1, "amount": "1745.00"}
    assert disclosed["closing_balance"] == "2006.00"  # 3550 + 201 - 1745
    donors = {(d["donor"], d["donor_kind"], d["value"]) for d in disclosed["donors"]}
    assert donors == {
        ("爱心人士", "other", "3000.00"),
        (unit.name, "partner_unit", "500.00"),
        ("匿名 / anonymous", "resident", "50.00"),
    }
    assert {(s["name"], s["quantity"]) for s in disclosed["sold_items"]} == {
        ("鸡蛋", 3),
        ("大米", 3),
    }
    published = json.dumps([disclosed, result.rows], ensure_ascii=False, default=str)
    for key, household in world.households.items():
        assert str(household) not in published
        assert world.household_nos[key] not in published
        assert f"住户{world.household_nos[key]}" not in published
    assert person.name not in published
    assert all(str(b.sale.id) not in published for b in buyers)


def test_reports_run_a_fixed_number_of_statements(
    commons: Commons, admin: Any, world: Any, sell: Any
) -> None:
    def statements(name: str) -> int:
        with count_statements(commons) as seen:
            _run(commons, admin, world, name, start=world.opened_on)
        return len(seen)

    names = ("love-supermarket-ledger", "love-supermarket-stock", "love-supermarket-disclosure")
    before = {name: statements(name) for name in names}
    giver = Donor(kind=DonorKind.OTHER, name="爱心人士")
    for n in range(4):
        sell(("low_income", "hardship")[n % 2], {"鸡蛋": 1, "大米": 1})
    with commons.unit_of_work(admin) as uow:
        for _ in range(3):
            SupermarketService(uow).receive_money(world.community_id, giver, Decimal("10"))
    assert {name: statements(name) for name in names} == before


def test_a_community_without_a_supermarket_gets_empty_reports(
    commons: Commons, admin: Any, demo_community: Any
) -> None:
    other = demo_community(seed=17, run_plugins=False).communities["small"]
    with commons.unit_of_work(admin, readonly=True) as uow:
        ledger = commons.reports["love-supermarket-ledger"].run(uow, other, ReportParams())
        disclosure = commons.reports["love-supermarket-disclosure"].run(uow, other, ReportParams())
    assert ledger.data["months"] == []
    assert ledger.data["closing_balance"] == "0.00"
    assert disclosure.data["supermarket"] is None
    assert disclosure.data["donors"] == []
