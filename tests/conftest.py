"""Core test configuration: fixtures come from commons_core.testing (the pytest11 plugin)."""

from __future__ import annotations

import pytest

from .roles import READER_PLUGIN


@pytest.fixture
def commons_plugins() -> dict[str, object]:
    """The core's tests run with :data:`~tests.roles.READER` only (modules may override)."""
    return {READER_PLUGIN.name: READER_PLUGIN}
