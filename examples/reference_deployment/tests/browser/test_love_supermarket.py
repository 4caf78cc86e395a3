"""Browser test of the love supermarket's pages: a clerk sells to an eligible household."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from commons_core import Actor
from commons_core.model import Household

from .conftest import Demo, log_in, shot

shop = pytest.importorskip("commons_love_supermarket", reason="the plugin is not installed")


def sale_case(demo: Demo) -> tuple[str, str, Any]:
    """An eligible household with room in its quota, an ineligible one, and an item in stock.

    Found with the plugin's own checks, as an administrator: households that bought
    before are the candidates for eligible ones, the others for ineligible ones.
    """
    today = date.today()
    with demo.commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        service = shop.SupermarketService(uow)
        config = service.settings(demo.community_id)
        item = min(
            (i for i in service.items(demo.community_id) if i.active and i.quantity > 1),
            key=lambda i: i.unit_cost,
        )
        buyers = {s.household_id for s in uow.repo(shop.Sale).find()}
        homes = uow.households.find(
            uow.commons.entity(Household).table.c.community_id == demo.community_id
        )

        def room(home: Any) -> bool:
            amount, count = service.month_usage(home, today)
            limit, items = config.monthly_amount_limit, config.monthly_item_limit
            return (limit is None or amount + item.unit_cost <= limit) and (
                items is None or count + 1 <= items
            )

        eligible = next(
            h
            for h in homes
            if h.id in buyers and service.check_eligibility(h.id).eligible and room(h)
        )
        ineligible = next(
            h for h in homes if h.id not in buyers and not service.check_eligibility(h.id).eligible
        )
    return eligible.household_no, ineligible.household_no, item


def quantity(page: Any, name: str) -> int:
    cell = page.locator(f"table.stock tr[data-item='{name}'] td[data-quantity]")
    return int(cell.get_attribute("data-quantity"))


def test_clerk_sells_an_item_and_sees_stock_and_ledger(browser: Any, demo: Demo) -> None:
    eligible, ineligible, item = sale_case(demo)
    page = log_in(browser, demo, "clerk")
    page.click("nav.main >> text=爱心超市库存")
    page.wait_for_selector("table.stock")
    before = quantity(page, item.name)
    threshold = int(page.locator("table.stock").get_attribute("data-threshold"))
    for row in page.locator("table.stock tbody tr[data-item]").all():
        low = int(row.locator("td[data-quantity]").get_attribute("data-quantity")) <= threshold
        assert ("low" in (row.get_attribute("class") or "")) == low
    shot(page, "love-supermarket-stock")
    page.click("nav.main >> text=爱心超市账目")
    month = date.today().strftime("%Y-%m")
    sales_cell = page.locator(f"table.months tr[data-month='{month}'] td[data-sales]")
    sales_before = Decimal(sales_cell.get_attribute("data-sales")) if sales_cell.count() else 0

    page.click("nav.main >> text=爱心超市销售")
    page.fill("#f-household_no", eligible)
    page.fill(f"tr[data-item='{item.name}'] input[name$='.quantity']", "1")
    shot(page, "love-supermarket-sale-form")
    page.click("form.sale button[type=submit]")
    notice = page.locator(".notice[data-sale]")
    notice.wait_for()
    assert eligible in notice.inner_text()
    assert f"¥{item.unit_cost:,.2f}" in notice.inner_text()
    shot(page, "love-supermarket-sold")

    page.click("nav.main >> text=爱心超市库存")
    assert quantity(page, item.name) == before - 1
    page.click("nav.main >> text=爱心超市账目")
    after = Decimal(sales_cell.get_attribute("data-sales"))
    assert after == sales_before + item.unit_cost
    newest = page.locator("table.entries tbody tr").first
    assert newest.get_attribute("data-kind") == "sale"
    assert f"¥{item.unit_cost:,.2f}" in newest.inner_text()
    shot(page, "love-supermarket-ledger")

    page.click("nav.main >> text=爱心超市销售")
    page.fill("#f-household_no", ineligible)
    page.fill(f"tr[data-item='{item.name}'] input[name$='.quantity']", "1")
    page.click("form.sale button[type=submit]")
    refusal = page.locator(".alert.refusal")
    refusal.wait_for()
    assert "不符合爱心超市购买条件" in refusal.inner_text()
    assert "低保" not in refusal.inner_text()
    shot(page, "love-supermarket-refused")
    page.click("nav.main >> text=爱心超市库存")
    assert quantity(page, item.name) == before - 1, "the refusal sold nothing"
    page.context.close()
