"""Repositories keep the unit of work's connection as they found it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from commons_core import Actor
from commons_core.services import Commons


def test_update_after_find_in_one_unit_of_work(
    commons: Commons, demo_community: Callable[..., Any], admin: Actor
) -> None:
    """A web request lists records, then changes one, in the same transaction."""
    demo_community()
    with commons.unit_of_work(admin) as uow:
        first = uow.households.find(limit=1)[0]
        stored = uow.households.update(attrs.evolve(first, room="9-901"))
    assert stored.version == first.version + 1
