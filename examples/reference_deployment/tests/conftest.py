"""Fixtures: a small generated community with one user per role, the app, logged-in clients.

Every test using ``site`` runs on SQLite and, when ``COMMONS_TEST_POSTGRES_URL``
is set, on PostgreSQL (the ``commons`` fixture of ``commons_core.testing``).
The fixtures (``site``, ``cheap_hashing``) come from :mod:`commons_reference.testing`,
a pytest plugin installed with the deployment, so plugins' page tests share them.
"""

from __future__ import annotations
