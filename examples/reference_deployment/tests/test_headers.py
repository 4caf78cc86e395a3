"""Security headers on every answer, no inline script anywhere, and CSRF tokens bound to the
session (issue 14, item 13), tried with crafted requests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from commons_love_supermarket import plugin as love_supermarket
from commons_reference.testing import BASE_URL, PASSWORD, Site
from litestar.testing import TestClient

REFERENCE = Path(__file__).parents[1] / "src" / "commons_reference"
PLUGINS = Path(__file__).parents[3] / "plugins"
INLINE = re.compile(r"<script(?![^>]*\bsrc=)|\son[a-z]+\s*=|\sstyle\s*=|<style|javascript:", re.I)


@pytest.fixture
def commons_plugins() -> Mapping[str, object]:
    return {"love_supermarket": love_supermarket}


def _assert_headers(response: Any, where: str) -> None:
    policy = response.headers.get("content-security-policy", "")
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if " " in d.strip())
    assert directives.get("script-src") == "'self'", where
    assert directives.get("style-src") == "'self'", where
    assert directives.get("frame-ancestors") == "'none'", where
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, where
    assert response.headers.get("x-content-type-options") == "nosniff", where
    assert response.headers.get("referrer-policy") == "same-origin", where


def test_every_kind_of_answer_carries_the_headers(site: Site) -> None:
    anonymous = site.client()
    cadre = site.client("cadre")
    home = site.data.households[0]
    answers = {
        "login page": anonymous.get("/login"),
        "redirect to login": anonymous.get(site.page("/"), follow_redirects=False),
        "API 401": anonymous.get("/api/v1/communities"),
        "static file": anonymous.get("/static/app.css"),
        "unknown path": anonymous.get("/no/such/thing"),
        "page": cadre.get(site.page(f"/households/{home.id}")),
        "plugin page": cadre.get(site.page("/love-supermarket/stock")),
        "API": cadre.get(site.api("/overview")),
        "OpenAPI": cadre.get("/api/v1/openapi.json"),
        "error page 404": cadre.get(site.page(f"/households/{site.community_id}")),
        "API 404": cadre.get(site.api(f"/households/{site.community_id}")),
        "API 422": cadre.post(site.api("/households"), json={}, headers=site.csrf(cadre)),
        "CSRF 403": cadre.post(site.api("/households"), json={}),
        "405": cadre.put("/api/v1/communities", json={}, headers=site.csrf(cadre)),
    }
    assert answers["unknown path"].status_code == 404
    assert answers["405"].status_code == 405
    for where, response in answers.items():
        _assert_headers(response, where)
    assert answers["page"].headers["cache-control"] == "no-store", "personal data is not cached"
    assert answers["API"].headers["cache-control"] == "no-store"
    assert answers["static file"].headers.get("cache-control") != "no-store"
    assert answers["page"].headers["strict-transport-security"].startswith("max-age=")


def test_no_template_or_page_holds_inline_script_or_style(site: Site) -> None:
    templates = [*REFERENCE.glob("templates/*.html"), *PLUGINS.glob("*/src/*/templates/**/*.html")]
    assert len(templates) > 15
    for template in templates:
        assert not INLINE.search(template.read_text()), template
    cadre = site.client("cadre")
    home = site.data.households[0]
    for path in (site.page("/"), site.page(f"/households/{home.id}"), "/account/password"):
        page = cadre.get(path)
        assert page.status_code == 200, path
        assert not INLINE.search(page.text), path


def test_a_token_of_another_session_is_refused(site: Site) -> None:
    alice, bob = site.client("cadre"), site.client("grid-worker")
    url = site.api("/households")
    refused = bob.post(url, json={}, headers={"x-csrftoken": alice.cookies["csrftoken"]})
    assert refused.status_code == 403 and "CSRF" in refused.json()["en"]
    # Double-submit with a planted cookie: bob's browser made to hold alice's token as its
    # csrftoken cookie too. Litestar's unbound token accepted this; a bound one does not.
    token = alice.cookies["csrftoken"]
    bob.cookies.delete("csrftoken")
    bob.cookies.set("csrftoken", token, domain="testserver.local")
    planted = bob.post(url, json={}, headers={"x-csrftoken": token})
    assert planted.status_code == 403
    page = bob.post("/logout", data={"_csrf_token": token}, follow_redirects=False)
    assert page.status_code == 403, "forms alike"
    assert bob.get("/api/v1/session").status_code == 200, "the refused logout ended nothing"


def test_a_missing_or_stale_token_is_refused(site: Site) -> None:
    client = site.client()
    client.get("/login")
    before = client.cookies["csrftoken"]
    assert site.login(client, "cadre").status_code == 201
    after = client.cookies["csrftoken"]
    assert after != before, "logging in gives a new token"
    url = site.api("/households")
    assert client.post(url, json={}).status_code == 403
    assert client.post(url, json={}, headers={"x-csrftoken": before}).status_code == 403
    assert client.post(url, json={}, headers={"x-csrftoken": ""}).status_code == 403
    assert client.post(url, json={}, headers={"x-csrftoken": after}).status_code == 422
    assert client.delete("/api/v1/session", headers={"x-csrftoken": after}).status_code == 204
    client.get("/login")
    # A token of the ended session is worthless after it, even for its own browser.
    again = site.login(client, "cadre")
    assert again.status_code == 201
    assert client.post(url, json={}, headers={"x-csrftoken": after}).status_code == 403


def test_the_login_form_is_protected_too(site: Site) -> None:
    victim, attacker = TestClient(site.app, base_url=BASE_URL), site.client()
    victim.get("/login")
    attacker.get("/login")
    form = {"username": "auditor", "password": PASSWORD}
    assert victim.post("/login", data=form).status_code == 403, "no token"
    crafted = {**form, "_csrf_token": attacker.cookies["csrftoken"]}
    assert victim.post("/login", data=crafted).status_code == 403, "the attacker's own token"
    api = victim.post("/api/v1/session", json=form, headers=site.csrf(attacker))
    assert api.status_code == 403
    assert victim.get("/api/v1/session").status_code == 401, "the victim is not logged in"
    own = victim.post("/login", data={**form, "_csrf_token": victim.cookies["csrftoken"]})
    assert own.status_code == 200 and victim.get("/api/v1/session").status_code == 200
