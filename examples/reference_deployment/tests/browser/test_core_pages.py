"""Browser tests of the core pages: overview, households, the household form, the audit trail."""

from __future__ import annotations

import re
from typing import Any

from commons_core import Actor
from commons_core.model import GridZone, Household

from .conftest import Demo, log_in, shot

BAD_ID = "110105199001010011"


def zone_one_households(demo: Demo) -> int:
    with demo.commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        zone = next(
            z
            for z in uow.repo(GridZone).find()
            if z.community_id == demo.community_id and z.number == 1
        )
        table = uow.commons.entity(Household).table
        return uow.households.count(table.c.grid_zone_id == zone.id)


def test_cadre_sees_the_whole_community_and_may_reveal(browser: Any, demo: Demo) -> None:
    page = log_in(browser, demo, "cadre")
    assert page.locator("[data-key=households] dd").inner_text() == "2,078"
    assert page.locator("svg.pyramid").count() == 1
    assert page.locator("svg.bars").count() == 1
    shot(page, "overview")
    page.click("nav.main >> text=住户")
    assert page.locator(".count").get_attribute("data-total") == "2078"
    assert page.locator("a.button", has_text="登记新户").count() == 1
    shot(page, "households")
    page.locator("table.households tbody a").first.click()
    ids = page.locator("td.id-number").all_inner_texts()
    assert ids
    assert all("*" in i for i in ids if i != "—")
    assert page.locator(".statuses .masked").count() == 1
    page.click("button.reveal")
    page.wait_for_selector(".notice")
    revealed = page.locator("td.id-number").all_inner_texts()
    assert any(len(i) == 18 and "*" not in i for i in revealed)
    shot(page, "household-revealed")
    page.context.close()


def test_grid_worker_sees_only_their_zone(browser: Any, demo: Demo) -> None:
    page = log_in(browser, demo, "grid-worker")
    page.click("nav.main >> text=住户")
    assert page.locator(".count").get_attribute("data-total") == str(zone_one_households(demo))
    assert page.locator("a.button", has_text="登记新户").count() == 0
    assert page.locator("nav.main a", has_text="审计记录").count() == 0
    shot(page, "households-grid-worker")
    with demo.commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        zone = next(
            z
            for z in uow.repo(GridZone).find()
            if z.community_id == demo.community_id and z.number == 2
        )
        table = uow.commons.entity(Household).table
        elsewhere = uow.households.find(table.c.grid_zone_id == zone.id, limit=1)[0]
    response = page.goto(f"{demo.url}/c/{demo.community_id}/households/{elsewhere.id}")
    assert response is not None
    assert response.status == 404
    assert "找不到" in page.inner_text("main")
    page.context.close()


def test_clerk_never_sees_why_a_household_is_eligible(browser: Any, demo: Demo) -> None:
    page = log_in(browser, demo, "clerk")
    assert page.locator("[data-key=party_members] dd").inner_text() == "—"
    page.click("nav.main >> text=住户")
    page.locator("table.households tbody a").first.click()
    assert page.locator(".statuses .masked").inner_text() == "已隐藏"
    assert page.locator("button.reveal").count() == 0
    assert page.locator("a.button", has_text="修改住户").count() == 0
    shot(page, "household-clerk")
    page.context.close()


def test_wrong_check_digit_is_shown_next_to_the_field(browser: Any, demo: Demo) -> None:
    page = log_in(browser, demo, "cadre")
    page.goto(f"{demo.url}/c/{demo.community_id}/households/new")
    page.fill("[name='household.household_no']", "B-0001")
    page.fill("[name='household.address']", "文化路 88 号")
    page.fill("[name='members[0].name']", "王五")
    page.select_option("[name='members[0].gender']", "male")
    page.fill("[name='members[0].birth_date']", "1990-01-01")
    page.fill("[name='members[0].id_number']", BAD_ID)
    page.click("button[value=save]")
    error = page.locator("ul.errors[data-for='members[0].id_number']")
    assert "校验码错误" in error.inner_text()
    assert "check digit is wrong" in error.inner_text()
    field = page.locator(".field", has=page.locator("[name='members[0].id_number']"))
    assert "校验码错误" in field.inner_text(), "the message sits with its input"
    assert page.input_value("[name='members[0].id_number']") == BAD_ID
    shot(page, "household-form-error")
    page.fill("[name='members[0].id_number']", "110105199001010010")
    page.click("button[value=save]")
    page.wait_for_url(re.compile(r".*/households/[0-9a-f-]+$"))
    assert "B-0001" in page.inner_text("h1")
    page.context.close()


def test_auditor_reads_the_trail_in_english(browser: Any, demo: Demo) -> None:
    page = log_in(browser, demo, "auditor")
    page.click("nav.main >> text=审计记录")
    assert page.locator("table.audit tbody tr").count() == 50
    shot(page, "audit")
    page.click("a[lang=en]")
    assert page.locator("h1").inner_text().startswith("Audit trail")
    page.click("nav.main >> text=Overview")
    shot(page, "overview-en")
    page.context.close()
