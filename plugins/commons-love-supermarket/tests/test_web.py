"""The supermarket's pages and JSON API in the reference deployment, through the test client.

The site is a generated community with the plugin's demo history (a supermarket
with a monthly quota of 200 yuan and 20 items) and one user per role.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
import pytest
from commons_love_supermarket import Item, SupermarketService
from commons_reference.testing import Site

from commons_core import Actor


@attrs.frozen
class Buyers:
    """An eligible household that bought nothing this month, an ineligible one, and an item."""

    eligible: Any
    ineligible: Any
    item: Item


@pytest.fixture
def buyers(site: Site) -> Buyers:
    """Households found with the plugin's own eligibility check; the quota lifted.

    The demo's households have bought this month already, so a quota would
    make which sale passes depend on the generated history.
    """
    with site.commons.unit_of_work(Actor.local_admin()) as uow:
        shop = SupermarketService(uow)
        shop.configure(site.community_id, monthly_amount_limit=None, monthly_item_limit=None)
        homes = site.data.households
        verdicts = {h.id: shop.check_eligibility(h.id).eligible for h in homes}
        cheapest = min(
            (i for i in shop.items(site.community_id) if i.quantity > 2),
            key=lambda i: i.unit_cost,
        )
    return Buyers(
        next(h for h in homes if verdicts[h.id]),
        next(h for h in homes if not verdicts[h.id]),
        cheapest,
    )


def api(site: Site, path: str = "") -> str:
    return site.api(f"/love-supermarket{path}")


def page(site: Site, path: str = "") -> str:
    return site.page(f"/love-supermarket{path}")


def stock_of(site: Site, client: Any, item_id: UUID) -> int:
    items = client.get(api(site, "/items")).json()
    return int(next(i["quantity"] for i in items if i["id"] == str(item_id)))


def sale_form(site: Site, client: Any, household_no: str, **row: str) -> tuple[Any, int]:
    """Submit the sale form as a browser does (every item's row) with ``row`` for one item.

    ``row`` holds the ``item`` id and the ``quantity`` and/or ``unit_price`` typed;
    returns the answer and the item's row number.
    """
    html = client.get(page(site, "/sale")).text
    rows = dict(re.findall(r'name="lines\[(\d+)\]\.item_id" value="([0-9a-f-]+)"', html))
    data = {"household_no": household_no}
    chosen = -1
    for index, item_id in rows.items():
        data[f"lines[{index}].item_id"] = item_id
        typed = row if item_id == row.get("item") else {}
        data[f"lines[{index}].quantity"] = typed.get("quantity", "")
        data[f"lines[{index}].unit_price"] = typed.get("unit_price", "")
        if typed:
            chosen = int(index)
    return site.post_form(client, page(site, "/sale"), data), chosen


def test_openapi_lists_the_supermarket_routes(site: Site) -> None:
    document = site.client("cadre").get("/api/v1/openapi.json").json()
    base = "/api/v1/communities/{community_id}/love-supermarket"
    for path in ("/stock", "/items", "/households/{household_id}/eligibility", "/sales", "/ledger"):
        assert base + path in document["paths"], path
    sale = document["paths"][base + "/sales"]["post"]
    assert "SaleIn" in str(sale["requestBody"])
    assert {"201", "400", "403", "422"} <= set(sale["responses"])
    assert not any(p.startswith("/c/") for p in document["paths"]), "pages stay out"


def test_navigation_shows_what_each_role_may_open(site: Site) -> None:
    links = {
        "clerk": {"stock", "sale", "ledger"},
        "cadre": {"stock", "sale", "ledger"},
        "auditor": {"stock", "ledger"},
        "grid-worker": set(),
        "resident": set(),
    }
    for username, expected in links.items():
        assert site.nav_links(username, "love-supermarket") == expected, username


def test_stock_page_and_api_mark_low_stock(site: Site) -> None:
    clerk = site.client("clerk")
    report = clerk.get(api(site, "/stock")).json()
    assert report["name"] == "love-supermarket-stock"
    items = report["data"]["items"]
    assert items
    html = clerk.get(page(site, "/stock")).text
    for item in items:
        row = re.search(rf'<tr data-item="{item["name"]}"( class="low")?>', html)
        assert row is not None, item["name"]
        assert bool(row.group(1)) == item["low"], item["name"]
    assert "¥" in html
    assert "爱心超市库存" in html
    clerk.cookies.set("lang", "en")
    english = clerk.get(page(site, "/stock")).text
    assert "Supermarket stock" in english
    assert "¥" in english, "money keeps the Chinese convention in English"


def test_clerk_sells_through_the_form(site: Site, buyers: Buyers) -> None:
    clerk = site.client("clerk")
    before = stock_of(site, clerk, buyers.item.id)
    month = date.today().strftime("%Y-%m")
    sales_before = Decimal(
        next(
            (
                m["sales"]
                for m in clerk.get(api(site, "/ledger")).json()["data"]["months"]
                if m["month"] == month
            ),
            "0",
        )
    )
    response, _row = sale_form(
        site, clerk, buyers.eligible.household_no, item=str(buyers.item.id), quantity="2"
    )
    assert response.status_code == 200, response.text
    assert "sold=" in str(response.url)
    assert buyers.eligible.household_no in response.text
    assert stock_of(site, clerk, buyers.item.id) == before - 2
    months = clerk.get(api(site, "/ledger")).json()["data"]["months"]
    this_month = next(m for m in months if m["month"] == month)
    assert Decimal(this_month["sales"]) == sales_before + 2 * buyers.item.unit_cost
    ledger = clerk.get(page(site, "/ledger")).text
    assert 'data-kind="sale"' in ledger
    assert f"¥{2 * buyers.item.unit_cost:,.2f}" in ledger


def test_refusals_say_that_not_why(site: Site, buyers: Buyers) -> None:
    clerk = site.client("clerk")
    before = stock_of(site, clerk, buyers.item.id)
    refused, _row = sale_form(
        site, clerk, buyers.ineligible.household_no, item=str(buyers.item.id), quantity="1"
    )
    assert refused.status_code == 400
    assert "不符合爱心超市购买条件" in refused.text
    assert "may not buy at the love supermarket" in refused.text
    for reason in ("低保", "困难", "low-income", "hardship"):
        assert reason not in refused.text, reason
    answer = clerk.post(
        api(site, "/sales"),
        json={
            "household_id": str(buyers.ineligible.id),
            "lines": [{"item_id": str(buyers.item.id), "quantity": 1}],
        },
        headers=site.csrf(clerk),
    )
    assert answer.status_code == 400
    assert "不符合" in answer.json()["zh"]
    assert "低保" not in answer.text
    eligibility = clerk.get(api(site, f"/households/{buyers.ineligible.id}/eligibility")).json()
    assert eligibility["eligible"] is False
    assert eligibility["reason"] is None
    too_many = clerk.post(
        api(site, "/sales"),
        json={
            "household_id": str(buyers.eligible.id),
            "lines": [{"item_id": str(buyers.item.id), "quantity": before + 1}],
        },
        headers=site.csrf(clerk),
    )
    assert too_many.status_code == 400
    assert "库存不足" in too_many.json()["zh"]
    assert stock_of(site, clerk, buyers.item.id) == before, "a refusal writes nothing"


def test_quota_refusal_through_the_api(site: Site, buyers: Buyers) -> None:
    with site.commons.unit_of_work(Actor.local_admin()) as uow:
        SupermarketService(uow).configure(site.community_id, monthly_item_limit=1)
    clerk = site.client("clerk")
    sale = {
        "household_id": str(buyers.eligible.id),
        "lines": [{"item_id": str(buyers.item.id), "quantity": 2}],
    }
    answer = clerk.post(api(site, "/sales"), json=sale, headers=site.csrf(clerk))
    assert answer.status_code == 400
    assert "超过每月限额" in answer.json()["zh"]
    assert "monthly quota" in answer.json()["en"]


def test_api_sale_and_eligibility(site: Site, buyers: Buyers) -> None:
    clerk = site.client("clerk")
    said = clerk.get(api(site, f"/households/{buyers.eligible.id}/eligibility")).json()
    assert said["eligible"] is True
    assert said["reason"] is None, "a clerk never sees why"
    answer = clerk.post(
        api(site, "/sales"),
        json={
            "household_id": str(buyers.eligible.id),
            "lines": [{"item_id": str(buyers.item.id), "quantity": 1}],
        },
        headers=site.csrf(clerk),
    )
    assert answer.status_code == 201, answer.text
    record = answer.json()
    assert Decimal(record["sale"]["amount"]) == buyers.item.unit_cost
    assert record["entry"]["kind"] == "sale"
    with site.commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        stored = SupermarketService(uow).entries(site.community_id)[-1]
    assert str(stored.sale_id) == record["sale"]["id"]


def test_bad_input_is_422_with_field_errors(site: Site, buyers: Buyers) -> None:
    clerk = site.client("clerk")

    def sell(line: dict[str, Any]) -> Any:
        return clerk.post(
            api(site, "/sales"),
            json={"household_id": str(buyers.eligible.id), "lines": [line]},
            headers=site.csrf(clerk),
        )

    zero = sell({"item_id": str(buyers.item.id), "quantity": 0})
    assert zero.status_code == 422
    assert [p["path"] for p in zero.json()["problems"]] == ["lines[0].quantity"]
    malformed = sell({"item_id": str(buyers.item.id), "quantity": 1, "unit_price": "1.2.3"})
    assert malformed.status_code == 422
    assert malformed.json()["problems"][0]["path"] == "lines[0].unit_price"
    above_cost = sell({"item_id": str(buyers.item.id), "quantity": 1, "unit_price": "9999.00"})
    assert above_cost.status_code == 422
    assert above_cost.json()["problems"][0]["code"] == "love_supermarket.price_above_cost"
    form, row = sale_form(
        site, clerk, buyers.eligible.household_no, item=str(buyers.item.id), quantity="0"
    )
    assert form.status_code == 422
    assert f'data-for="lines[{row}].quantity"' in form.text
    assert "应大于0" in form.text
    price, row = sale_form(
        site,
        clerk,
        buyers.eligible.household_no,
        item=str(buyers.item.id),
        quantity="1",
        unit_price="一元",
    )
    assert price.status_code == 422
    assert f'data-for="lines[{row}].unit_price"' in price.text
    unknown = site.post_form(clerk, page(site, "/sale"), {"household_no": "没有这户"})
    assert unknown.status_code == 422
    assert 'data-for="household_no"' in unknown.text


def test_roles_without_the_permission_are_refused(site: Site, buyers: Buyers) -> None:
    grid = site.client("grid-worker")
    answer = grid.post(
        api(site, "/sales"),
        json={
            "household_id": str(buyers.eligible.id),
            "lines": [{"item_id": str(buyers.item.id), "quantity": 1}],
        },
        headers=site.csrf(grid),
    )
    assert answer.status_code == 403
    assert answer.json()["zh"]
    assert grid.get(page(site, "/sale")).status_code == 403
    # A role with nothing of the supermarket's (the core's resident self-service).
    health = site.client("resident")
    for path in ("/stock", "/items", "/ledger"):
        assert health.get(api(site, path)).status_code == 403, path
    for path in ("/stock", "/ledger"):
        assert health.get(page(site, path)).status_code == 403, path
    auditor = site.client("auditor")
    assert auditor.get(page(site, "/ledger")).status_code == 200
    assert auditor.get(page(site, "/sale")).status_code == 403
    assert site.client().get(api(site, "/stock")).status_code == 401
