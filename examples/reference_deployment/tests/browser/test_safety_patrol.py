"""Browser test of the safety patrol pages: roster calendar, a check-in, the coverage report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from commons_core import Actor

from .conftest import Demo, log_in, shot

patrols = pytest.importorskip("commons_safety_patrol", reason="the plugin is not installed")


def unchecked_duty(demo: Demo) -> tuple[Any, Any]:
    """The newest past shift with a member who has not checked in, and that member."""
    today = date.today()
    now = datetime.now(UTC)
    with demo.commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        found = patrols.Patrols(uow).roster(demo.community_id, today - timedelta(days=20), today)
    return next(
        (entry, member)
        for entry in reversed(found)
        if entry.shift.ends_at < now
        for member in entry.crew
        if not member.checked_in
    )


def test_cadre_sees_the_roster_checks_in_and_reads_coverage(browser: Any, demo: Demo) -> None:
    entry, member = unchecked_duty(demo)
    page = log_in(browser, demo, "cadre")
    page.click("nav.main >> text=巡逻排班")
    today = page.locator(f"td[data-day='{date.today().isoformat()}']")
    today.wait_for()
    assert today.locator(".shift").count() > 0
    assert page.locator(".shift .crew").first.inner_text()
    shot(page, "safety-patrol-roster")

    page.click("nav.main >> text=巡逻签到")
    page.fill("#night", entry.shift.night.isoformat())
    page.click("form.night button[type=submit]")
    section = page.locator(f"section[data-shift='{entry.shift.id}']")
    section.wait_for()
    section.locator("select[name=member_id]").select_option(str(member.member_id))
    during = (entry.shift.starts_at + timedelta(minutes=15)).astimezone(ZoneInfo("Asia/Shanghai"))
    section.locator("input[name=checked_in_at]").fill(during.strftime("%Y-%m-%dT%H:%M"))
    section.locator("input[name=note]").fill("路灯已修好")
    section.locator("button[type=submit]").click()
    page.locator(".notice[data-check-in]").wait_for()
    assert member.name in page.locator(".notice").inner_text()
    done = page.locator(f"section[data-shift='{entry.shift.id}'] span.checked-in")
    assert any(member.name in text for text in done.all_inner_texts())
    shot(page, "safety-patrol-check-in")

    page.click("nav.main >> text=巡逻覆盖")
    figure = page.locator("[data-key=shifts_planned]")
    figure.wait_for()
    assert int(figure.inner_text().replace(",", "")) > 0
    assert page.locator("table.routes tbody tr").count() > 0
    shot(page, "safety-patrol-coverage")
    page.context.close()
