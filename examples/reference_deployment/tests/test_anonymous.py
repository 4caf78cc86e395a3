"""Anonymous requests are refused everywhere but the login, the language switch and static
files (issue 14, item 14), for every route of the app as ``app.routes`` lists it: core's,
every plugin's, and the OpenAPI document's.

The API answers 401 with a bilingual JSON body. Pages answer people the same refusal as a
303 to the login page, which comes back to the page after the login; that is on purpose.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from commons_elderly_health import plugin as elderly_health
from commons_love_supermarket import plugin as love_supermarket
from commons_reference.testing import Site
from commons_safety_patrol import plugin as safety_patrol
from litestar.routes import HTTPRoute

PUBLIC = {
    ("/login", "GET"),
    ("/login", "POST"),
    ("/api/v1/session", "POST"),
    ("/language/{language:str}", "GET"),
}
STATIC = "/static/{file_path:path}"


@pytest.fixture
def commons_plugins() -> Mapping[str, object]:
    """Every bundled plugin with pages, so their routes are tried too."""
    return {
        "love_supermarket": love_supermarket,
        "elderly_health": elderly_health,
        "safety_patrol": safety_patrol,
    }


def _value(kind: Any) -> str:
    if kind is uuid.UUID:
        return str(uuid.uuid4())
    if kind is Path:
        return "app.css"
    return "x"


def _requests(site: Site) -> Iterator[tuple[str, str, str]]:
    """``(method, path filled in, route path)`` for every method of every route."""
    for route in site.app.routes:
        assert isinstance(route, HTTPRoute), route
        path = route.path_format
        for name, parameter in route.path_parameters.items():
            path = path.replace(f"{{{name}}}", _value(parameter.type))
        for method in sorted(route.methods):
            yield method, path, route.path


def test_every_route_refuses_anonymous_requests(site: Site) -> None:
    client = site.client()
    routes = {route for _, _, route in _requests(site)}
    assert "/c/{community_id:uuid}/love-supermarket/sale" in routes, "plugins' pages are tried"
    assert "/api/v1/communities/{community_id:uuid}/safety-patrol/check-ins" in routes
    assert "/api/v1/openapi.json" in routes
    tried = 0
    for method, path, route in _requests(site):
        response = client.request(method, path, follow_redirects=False)
        tried += 1
        where = f"{method} {path}"
        if route == STATIC or (route, method) in PUBLIC:
            assert response.status_code not in (401, 500), where
            continue
        if path.startswith("/api/"):
            assert response.status_code == 401, where
            if method != "HEAD":
                body = response.json()
                assert body["zh"] == "请先登录" and body["en"] == "please log in first", where
        else:
            assert response.status_code == 303, where
            assert response.headers["location"].startswith("/login?next="), where
    assert tried > 100


def test_the_reports_list_and_the_openapi_document_need_a_login(site: Site) -> None:
    anonymous = site.client()
    for path in ("/api/v1/reports", "/api/v1/openapi.json", "/api/v1/session"):
        assert anonymous.get(path).status_code == 401, path
    clerk = site.client("clerk")
    assert clerk.get("/api/v1/reports").status_code == 200
    assert clerk.get("/api/v1/openapi.json").json()["paths"]


def test_static_files_and_the_login_page_stay_open(site: Site) -> None:
    client = site.client()
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/login").status_code == 200
    assert client.get("/language/en?next=/login", follow_redirects=False).status_code == 302
    assert client.get("/no/such/path").status_code == 404, "what exists is no secret"
