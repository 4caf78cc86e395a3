"""Fixtures: a small generated community with one user per role, the app, logged-in clients.

Every test using ``site`` runs on SQLite and, when ``COMMONS_TEST_POSTGRES_URL``
is set, on PostgreSQL (the ``commons`` fixture of ``commons_core.testing``).
The fixtures (``site``, ``cheap_hashing``) come from :mod:`commons_reference.testing`,
a pytest plugin installed with the deployment, so plugins' page tests share them.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def bundled_plugins() -> dict[str, object]:
    """Every bundled plugin by name, for tests that reach every route: a test module says
    ``commons_plugins`` is it."""
    from commons_elderly_health import plugin as elderly_health
    from commons_love_supermarket import plugin as love_supermarket
    from commons_reference import hooks as reference
    from commons_safety_patrol import plugin as safety_patrol

    return {
        "love_supermarket": love_supermarket,
        "elderly_health": elderly_health,
        "safety_patrol": safety_patrol,
        "reference_deployment": reference,
    }


@pytest.fixture
def commons_plugins() -> dict[str, object]:
    """The plugins whose roles the deployment's logins include: the love supermarket's
    ``clerk`` and elderly health's ``health-worker`` (the core has neither role).
    A test module may say otherwise (``bundled_plugins`` for every route)."""
    from commons_elderly_health import plugin as elderly_health
    from commons_love_supermarket import plugin as love_supermarket

    return {"love_supermarket": love_supermarket, "elderly_health": elderly_health}
