"""Test helpers for the reference deployment and for plugins' page tests.

A plugin that contributes pages tests them with the same site the
deployment's own tests use: a generated community with one user per role,
the app over it, and clients logged in through the API.

Installed with the reference deployment as a pytest plugin (entry point
``pytest11``), like ``commons_core.testing`` whose ``commons`` and
``demo_community`` fixtures it builds on: a test asks for ``site`` and gets
the app over a generated community with one user per role. ``cheap_hashing``
makes logins fast (argon2's production profile takes about a second each);
``site`` uses it, and a test that logs in another way asks for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from uuid import UUID

import pytest

from commons_core import Actor, Scope
from commons_core.demo import DEMO_USERS, DemoContext, demo_users
from commons_core.services import Commons
from commons_core.services.users import UserService

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.testing import TestClient

__all__ = [
    "BASE_URL",
    "PASSWORD",
    "USERS",
    "Site",
    "add_users",
    "cheap_hashing",
    "cheap_password_hashing",
    "csrf",
    "form_login",
    "login",
    "post_form",
    "site",
]

PASSWORD = "correct-horse-42"
BASE_URL = "https://testserver.local"
USERS = dict(DEMO_USERS)
"""User name → role of the users :func:`add_users` creates for the core's roles; it adds one
per plugin role as the demo does (``clerk`` with the love supermarket, ``health-worker``
with elderly health records): :func:`commons_core.demo.demo_users`."""


def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash passwords with argon2's test profile: the production one takes ~1 s per login."""
    from argon2 import PasswordHasher, profiles

    from commons_core.services import users

    monkeypatch.setattr(users, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Logins at test speed for the test (:func:`cheap_password_hashing`)."""
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def site(commons: Commons, demo_community: Callable[..., DemoContext], cheap_hashing: None) -> Site:
    """The app over a freshly generated community of 40 households, one user per role."""
    demo = demo_community()
    add_users(commons, demo, "small")
    return Site(commons, demo)


def add_users(commons: Commons, demo: DemoContext, key: str) -> None:
    """One user per role in the community ``key`` of ``demo``, all with :data:`PASSWORD`
    (the core's and the plugins' under test, named as :func:`~commons_core.demo.demo_users`
    names them).

    The grid worker's scope is the zone of lowest number; the resident's a household in it.
    """
    data = demo.data[key]
    cid = data.community.id
    zone = min(data.grid_zones, key=lambda z: z.number)
    home = next(h for h in data.households if h.grid_zone_id == zone.id)
    with commons.unit_of_work(Actor.local_admin()) as uow:
        users = UserService(uow)
        for username, role in demo_users(commons.host.roles()):
            if role == "grid_worker":
                scope = Scope.zone(cid, zone.id)
            elif role == "resident":
                scope = Scope.household(cid, home.id)
            else:
                scope = Scope.community(cid)
            users.create(username, roles=[role], scope=scope, password=PASSWORD)


def csrf(client: TestClient[Litestar]) -> dict[str, str]:
    """The header carrying the client's CSRF token (its session's: the ``csrftoken``
    cookie every answer keeps up to date)."""
    token = client.cookies.get("csrftoken")
    assert token, "no CSRF cookie yet: make a GET request first"
    return {"x-csrftoken": token}


def login(client: TestClient[Litestar], username: str, password: str = PASSWORD) -> Any:
    """Log ``client`` in through the API (fetching the CSRF cookie first)."""
    client.get("/api/v1/session")
    return client.post(
        "/api/v1/session",
        json={"username": username, "password": password},
        headers=csrf(client),
    )


def form_login(
    client: TestClient[Litestar], username: str, password: str = PASSWORD, next_: str = "/"
) -> Any:
    """Log ``client`` in through the login page, as a person would (the form's own token)."""
    client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "next": next_,
            "_csrf_token": client.cookies.get("csrftoken"),
        },
    )


def post_form(client: TestClient[Litestar], path: str, data: dict[str, Any]) -> Any:
    """Submit an HTML form (with the client's CSRF token) as a browser would."""
    return client.post(path, data={**data, "_csrf_token": client.cookies.get("csrftoken")})


class Site:
    """The app over a generated community, with clients logged in as each demo user."""

    def __init__(self, commons: Commons, demo: DemoContext, key: str = "small") -> None:
        from commons_reference import WebSettings, create_app

        self.commons = commons
        self.demo = demo
        self.data = demo.data[key]
        self.community_id: UUID = self.data.community.id
        self.zone_one = min(self.data.grid_zones, key=lambda z: z.number)
        self.app = create_app(commons, WebSettings(secret="test-secret"))

    def client(self, username: str | None = None) -> TestClient[Litestar]:
        """A client, logged in as ``username`` when given."""
        from litestar.testing import TestClient

        # Not entered as a context manager: the app has no lifespan hooks, and
        # each request then runs in its own portal.
        client = TestClient(self.app, base_url=BASE_URL)
        if username is not None:
            response = login(client, username)
            assert response.status_code == 201, response.text
        return client

    csrf = staticmethod(csrf)
    login = staticmethod(login)
    post_form = staticmethod(post_form)

    def api(self, path: str = "") -> str:
        """The API path of this community: ``site.api("/households")``."""
        return f"/api/v1/communities/{self.community_id}{path}"

    def page(self, path: str = "/") -> str:
        """The page path of this community."""
        return f"/c/{self.community_id}{path}"

    def nav_links(self, username: str, plugin: str) -> set[str]:
        """The pages of ``plugin``'s navigation entries that ``username`` is shown: their
        paths under the plugin's mount, ``""`` for its index."""
        html = self.client(username).get(self.page("/")).text
        found = re.findall(rf'href="/c/[0-9a-f-]+/{re.escape(plugin)}(?:/([\w-]*))?"', html)
        return set(found)

    def households_in(self, zone_id: UUID) -> list[Any]:
        """The generated households of one zone."""
        return [h for h in self.data.households if h.grid_zone_id == zone_id]

    def household_elsewhere(self) -> Any:
        """A household outside zone one."""
        return next(h for h in self.data.households if h.grid_zone_id != self.zone_one.id)
