"""The plugin under test: every test's host loads ``safety_patrol`` beside the built-ins."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest
from commons_safety_patrol import plugin

from commons_core import Actor
from commons_core.demo import DemoContext
from commons_core.services import Commons

from .world import World, make_world


@pytest.fixture
def commons_plugins() -> Mapping[str, object]:
    """Only this plugin: other installed plugins cannot interfere."""
    return {"safety_patrol": plugin}


@pytest.fixture
def world(commons: Commons, admin: Actor, demo_community: Callable[..., DemoContext]) -> World:
    """A small community with the patrol of :func:`make_world` set up."""
    return make_world(commons, admin, demo_community)
