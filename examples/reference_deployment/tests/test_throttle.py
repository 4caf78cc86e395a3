"""Login throttling and busy hashing through the web app (issue 14, item 12).

Both faces log in through the SDK's :class:`~commons_core.services.throttling.Logins`:
the API answers 429 (blocked) or 503 (busy) as bilingual JSON with ``Retry-After``,
the login page shows the form again with the same status and header. The backoff and
the bound on concurrent hashing are tested in the core (``tests/test_throttling.py``);
the effect on a legitimate login's latency is measured by
``benchmarks/login_under_attack.py``, not timed here.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import anyio.to_thread
import attrs
from commons_reference.sessions import Admission
from commons_reference.testing import PASSWORD, Site, form_login, login
from litestar.testing import TestClient
from sqlalchemy import select

from commons_core.services.throttling import HashingSlots
from commons_core.storage.tables import login_throttle


def _from(site: Site, address: str) -> TestClient[Any]:
    """A client whose requests come from ``address`` (as uvicorn sets it behind a proxy)."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        scope["client"] = (address, 40000)
        await site.app(scope, receive, send)

    return TestClient(app, base_url="https://testserver.local")  # type: ignore[arg-type]


def test_thirty_wrong_passwords_then_the_right_one_fails_through_the_api(site: Site) -> None:
    client = _from(site, "203.0.113.9")
    answers = [login(client, "cadre", f"guess-{n}") for n in range(30)]
    assert [a.status_code for a in answers] == [401] * 5 + [429] * 25
    right = login(client, "cadre", PASSWORD)
    assert right.status_code == 429
    assert int(right.headers["retry-after"]) >= 1
    body = right.json()
    assert body["status"] == 429
    assert "秒后再试" in body["zh"] and "try again in" in body["en"]
    elsewhere = _from(site, "198.51.100.4")
    assert login(elsewhere, "cadre", PASSWORD).status_code == 429, "the user name is blocked"
    assert login(elsewhere, "clerk", PASSWORD).status_code == 201, "other users are not"


def test_the_login_page_shows_the_block(site: Site) -> None:
    client = _from(site, "203.0.113.10")
    for _ in range(5):
        assert form_login(client, "clerk", "guess").status_code == 401
    page = form_login(client, "clerk", PASSWORD)
    assert page.status_code == 429
    assert int(page.headers["retry-after"]) >= 1
    assert "登录尝试过多" in page.text and "too many login attempts" in page.text
    assert 'value="clerk"' in page.text, "the form comes back filled in"


def test_one_address_trying_many_names_is_blocked(site: Site) -> None:
    attacker = _from(site, "203.0.113.11")
    for n in range(20):
        assert login(attacker, f"name-{n}", "guess").status_code == 401
    assert login(attacker, "auditor", PASSWORD).status_code == 429
    assert login(_from(site, "203.0.113.12"), "auditor", PASSWORD).status_code == 201


def test_a_success_resets_the_users_count(site: Site) -> None:
    client = _from(site, "203.0.113.13")
    for _ in range(4):
        assert login(client, "cadre", "guess").status_code == 401
    assert login(client, "cadre", PASSWORD).status_code == 201
    for _ in range(4):
        assert login(client, "cadre", "guess").status_code == 401
    assert login(client, "cadre", PASSWORD).status_code == 201


def test_no_hashing_slot_answers_busy(site: Site) -> None:
    slots = HashingSlots(1, wait=0.01)
    site.app.state.auth.logins.slots = slots
    client = site.client()
    with slots.slot():
        busy = login(client, "cadre", PASSWORD)
        page = form_login(client, "cadre", PASSWORD)
    assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
    assert "稍后重试" in busy.json()["zh"] and "retry" in busy.json()["en"]
    assert page.status_code == 503 and "稍后重试" in page.text
    assert login(client, "cadre", PASSWORD).status_code == 201, "a busy answer is not a failure"


def test_a_wrong_current_password_counts_as_an_attempt(site: Site) -> None:
    client = site.client("cadre")
    form = {"new_password": "another-horse-77", "new_password_again": "another-horse-77"}
    for _ in range(5):
        answer = site.post_form(client, "/account/password", {**form, "old_password": "guess"})
        assert answer.status_code == 422
    blocked = site.post_form(client, "/account/password", {**form, "old_password": PASSWORD})
    assert blocked.status_code == 429
    assert "登录尝试过多" in blocked.text and blocked.headers["retry-after"]
    assert client.get("/api/v1/session").status_code == 200, "the session itself goes on"


def test_a_returning_browser_logs_in_while_its_name_is_attacked(site: Site) -> None:
    laptop = _from(site, "192.0.2.20")
    assert login(laptop, "cadre").status_code == 201
    device = next(c for c in laptop.cookies.jar if c.name == "commons_device")
    assert device.secure and device.has_nonstandard_attr("HttpOnly")
    colleague = _from(site, "192.0.2.21")
    assert login(colleague, "grid-worker").status_code == 201
    laptop.delete("/api/v1/session", headers=site.csrf(laptop))
    attacker = _from(site, "203.0.113.30")
    for _ in range(5):
        assert login(attacker, "cadre", "guess").status_code == 401
    assert login(_from(site, "192.0.2.20"), "cadre").status_code == 429, "a new browser waits"
    assert login(laptop, "cadre").status_code == 201, "the browser that logged in before does not"
    # A device cookie is good for its own user name only, and cannot be made up.
    for value in (colleague.cookies["commons_device"], "made-up.0123456789abcdef"):
        stranger = _from(site, "192.0.2.22")
        stranger.cookies.set("commons_device", value, domain="testserver.local")
        assert login(stranger, "cadre").status_code == 429


def test_a_login_finding_no_place_is_busy_without_taking_a_thread(site: Site) -> None:
    auth = site.app.state.auth
    site.app.state.auth = attrs.evolve(auth, admission=Admission(1, wait=0.05))
    client = site.client()
    client.get("/login")

    async def crowded() -> Any:
        async with site.app.state.auth.admission.place():  # every place taken
            return await anyio.to_thread.run_sync(login, client, "cadre", PASSWORD)

    # A thread of its own: another test's browser may keep an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        busy = pool.submit(anyio.run, crowded).result()
    assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
    with site.commons.engine.connect() as connection:
        assert connection.execute(select(login_throttle)).first() is None, "nothing counted"
    assert login(client, "cadre", PASSWORD).status_code == 201
