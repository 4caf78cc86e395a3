"""Fixtures: a small generated community with one user per role, the app, logged-in clients.

Every test using ``site`` runs on SQLite and, when ``COMMONS_TEST_POSTGRES_URL``
is set, on PostgreSQL (the ``commons`` fixture of ``commons_core.testing``).
The helpers live in :mod:`commons_reference.testing`, so plugins' page tests share them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from commons_reference.testing import Site, add_users, cheap_password_hashing

from commons_core.demo import DemoContext
from commons_core.services import Commons


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash passwords with argon2's test profile: the production one takes ~1 s per login here."""
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def site(commons: Commons, demo_community: Callable[..., DemoContext]) -> Site:
    """The app over a freshly generated community of 40 households."""
    demo = demo_community()
    add_users(commons, demo, "small")
    return Site(commons, demo)
