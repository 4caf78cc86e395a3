"""The plugin under test: every test's host loads ``safety_patrol`` beside the built-ins."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from commons_safety_patrol import hooks


@pytest.fixture
def commons_plugins() -> Mapping[str, object]:
    """Only this plugin: other installed plugins cannot interfere."""
    return {"safety_patrol": hooks}
