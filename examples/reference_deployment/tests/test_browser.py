"""Browser tests: Debian's Chromium driven by Playwright against the app serving the full demo.

Screenshots of the main pages are saved under ``examples/reference_deployment/test-output/``.
Skipped, with the reason, only where Chromium or Playwright is not installed
(``scripts/test.sh`` installs Chromium with apt-get).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from commons_reference import WebSettings, create_app

from commons_core import Actor, open_commons
from commons_core.demo import load_demo
from commons_core.model import GridZone, Household
from commons_core.services import Commons

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).parents[1] / "test-output"
BAD_ID = "110105199001010011"

if not CHROMIUM.exists():
    pytest.skip(
        "Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
)


@attrs.frozen
class Demo:
    """The running app and what the tests need to know about the demo."""

    url: str
    passwords: dict[str, str]
    commons: Commons
    community_id: Any


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The full demo in SQLite, served by uvicorn on a free port of 127.0.0.1."""
    import uvicorn
    from argon2 import PasswordHasher, profiles

    from commons_core.services import users

    with pytest.MonkeyPatch.context() as patch:
        # argon2's production profile takes about a second per login on this machine.
        patch.setattr(users, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))
        database = tmp_path_factory.mktemp("browser") / "commons.db"
        commons = open_commons(f"sqlite:///{database}", upgrade=True)
        loaded = load_demo(commons, Actor.local_admin())
        wenhualu = next(c for c in loaded.communities if c.name == "文化路社区")
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(commons, WebSettings(secret="browser-test")),
                host="127.0.0.1",
                port=port,
                log_level="warning",
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started, "the server did not start"
        SHOTS.mkdir(exist_ok=True)
        try:
            yield Demo(f"http://127.0.0.1:{port}", loaded.passwords, commons, wenhualu.id)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            commons.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless."""
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


def log_in(browser: Any, demo: Demo, username: str) -> Any:
    """A fresh browser context logged in as ``username``; returns its page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{demo.url}/")
    assert "/login" in page.url
    page.fill("#username", username)
    page.fill("#password", demo.passwords[username])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/c/[0-9a-f-]+/$"))
    assert page.locator(f"[data-user='{username}']").count() == 1
    return page


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


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
