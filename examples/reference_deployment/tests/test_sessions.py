"""Server-side sessions through the web app (issue 14, item 11), on SQLite and PostgreSQL.

Each client is a browser of its own. Logging out ends that client's session only; a
password change, ``commons users revoke``, or disabling the account end every one,
so another client's next request is refused, and so is a copy of its cookie. The
clock is injected to cross the idle and absolute timeouts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import Result
from commons_reference import WebSettings, create_app
from commons_reference.testing import BASE_URL, PASSWORD, Site, login, post_form
from litestar.testing import TestClient

NEW_PASSWORD = "another-horse-77"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _me(client: TestClient[Any]) -> int:
    return client.get("/api/v1/session").status_code


def _copy(site: Site, client: TestClient[Any]) -> TestClient[Any]:
    """Another client holding only a copy of ``client``'s session cookie (a stolen one)."""
    thief = TestClient(site.app, base_url=BASE_URL)
    thief.cookies.set("commons_session", client.cookies["commons_session"], domain="")
    return thief


def test_the_cookie_holds_only_a_random_token(site: Site) -> None:
    client = site.client("cadre")
    cookie = next(c for c in client.cookies.jar if c.name == "commons_session")
    assert cookie.secure and cookie.has_nonstandard_attr("HttpOnly")
    assert (cookie.get_nonstandard_attr("SameSite") or "").lower() == "lax"
    assert "cadre" not in (cookie.value or "") and len(cookie.value or "") == 43
    again = site.client("cadre").cookies["commons_session"]
    assert again != cookie.value, "every login gets a new token"
    plain = create_app(site.commons, WebSettings(secret="s", secure_cookies=False))
    other = TestClient(plain, base_url="http://127.0.0.1")
    assert login(other, "cadre").status_code == 201
    assert not next(c for c in other.cookies.jar if c.name == "commons_session").secure


def test_logout_ends_this_clients_session_only(site: Site) -> None:
    office, home = site.client("cadre"), site.client("cadre")
    stolen = _copy(site, office)
    assert _me(stolen) == 200, "the cookie is the session: a copy works until it ends"
    assert office.delete("/api/v1/session", headers=site.csrf(office)).status_code == 204
    assert _me(office) == 401
    assert _me(stolen) == 401, "a copy of a logged-out cookie opens nothing"
    assert _me(home) == 200, "the other browser stays logged in"
    page = site.client("cadre")
    post_form(page, "/logout", {})
    assert page.get(site.page("/"), follow_redirects=False).status_code == 303
    assert _me(home) == 200


def test_a_password_change_ends_every_other_session(site: Site) -> None:
    changer, other = site.client("cadre"), site.client("cadre")
    before = _copy(site, changer)
    form = {"old_password": PASSWORD, "new_password": NEW_PASSWORD}
    mismatch = post_form(changer, "/account/password", {**form, "new_password_again": "x"})
    assert mismatch.status_code == 422
    assert 'data-for="new_password_again"' in mismatch.text
    assert "不一致" in mismatch.text and "differ" in mismatch.text
    wrong = post_form(
        changer,
        "/account/password",
        {**form, "old_password": "not-it", "new_password_again": NEW_PASSWORD},
    )
    assert wrong.status_code == 422 and 'data-for="old_password"' in wrong.text
    short = post_form(
        changer,
        "/account/password",
        {**form, "new_password": "short", "new_password_again": "short"},
    )
    assert short.status_code == 422 and 'data-for="new_password"' in short.text
    assert _me(other) == 200, "refused changes end nothing"
    done = post_form(changer, "/account/password", {**form, "new_password_again": NEW_PASSWORD})
    assert done.status_code == 200 and done.url.path == "/account/password"
    assert "密码已修改" in done.text and "Password changed" in done.text
    assert _me(other) == 401, "another browser's next request is refused"
    assert _me(before) == 401, "the changer's old cookie too"
    assert _me(changer) == 200, "the changer goes on with a new session"
    assert login(site.client(), "cadre").status_code == 401
    assert login(site.client(), "cadre", NEW_PASSWORD).status_code == 201


def test_revocation_from_the_command_line_ends_every_session(
    site: Site, commons_cli: Callable[..., Result]
) -> None:
    clients = [site.client("grid-worker") for _ in range(3)]
    stolen = _copy(site, clients[0])
    bystander = site.client("cadre")
    result = commons_cli("users", "revoke", "grid-worker")
    assert result.exit_code == 0, result.output
    assert "3" in result.output
    assert [_me(c) for c in (*clients, stolen)] == [401] * 4
    assert clients[1].get(site.page("/"), follow_redirects=False).status_code == 303
    assert _me(bystander) == 200, "only that user's sessions end"
    assert _me(site.client("grid-worker")) == 200, "revoking ends sessions, not the account"


def test_a_disabled_account_is_logged_out_at_its_next_request(
    site: Site, commons_cli: Callable[..., Result]
) -> None:
    client = site.client("clerk")
    assert commons_cli("users", "disable", "clerk").exit_code == 0
    assert _me(client) == 401
    assert login(site.client(), "clerk").status_code == 401


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def timed(site: Site, clock: Clock) -> Site:
    """The site with a clock the test moves (30 minutes idle, 8 hours absolute)."""
    site.app = create_app(site.commons, WebSettings(secret="test-secret"), clock=clock)
    return site


def test_idle_timeout(timed: Site, clock: Clock) -> None:
    client = timed.client("cadre")
    clock.now += timedelta(minutes=29)
    assert _me(client) == 200
    clock.now += timedelta(minutes=29)
    assert _me(client) == 200, "each request restarts the idle time"
    clock.now += timedelta(minutes=30)
    assert _me(client) == 401
    page = timed.client("cadre")
    clock.now += timedelta(minutes=31)
    assert page.get(timed.page("/"), follow_redirects=False).status_code == 303


def test_absolute_timeout(timed: Site, clock: Clock) -> None:
    client = timed.client("cadre")
    for _ in range(23):
        clock.now += timedelta(minutes=20)
        assert _me(client) == 200
    clock.now += timedelta(minutes=20)
    assert _me(client) == 401, "8 hours after the login, however busy"


def test_timeouts_are_settings(site: Site, clock: Clock) -> None:
    settings = WebSettings.from_environment(
        {"COMMONS_WEB_SESSION_IDLE_MINUTES": "5", "COMMONS_WEB_SESSION_HOURS": "1"}
    )
    assert settings.session_policy.idle == timedelta(minutes=5)
    assert settings.session_policy.absolute == timedelta(hours=1)
    with pytest.raises(Exception, match="COMMONS_WEB_SESSION_HOURS"):
        WebSettings.from_environment({"COMMONS_WEB_SESSION_HOURS": "eight"})
    with pytest.raises(Exception, match="session_idle_minutes"):
        WebSettings(session_idle_minutes=0)
    site.app = create_app(site.commons, settings, clock=clock)
    client = site.client("cadre")
    clock.now += timedelta(minutes=6)
    assert _me(client) == 401
