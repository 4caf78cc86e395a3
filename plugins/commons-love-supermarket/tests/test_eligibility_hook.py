"""Other plugins extend who may buy through the love_supermarket_eligibility hook."""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any

import pytest
from commons_love_supermarket import Decision, NotEligible, hooks

from commons_core import HouseholdStatus, Label, hookimpl

SUSPENDED = "LS001"


def _extension() -> types.ModuleType:
    """Admits disability households; suspends household LS001; leaves the rest to others."""
    module = types.ModuleType("supermarket_extension")

    @hookimpl
    def love_supermarket_eligibility(household: Any) -> Decision | None:
        if household.household_no == SUSPENDED:
            return Decision(eligible=False, reason=Label("暂停", "suspended"), rule="suspension")
        if HouseholdStatus.DISABILITY in household.statuses:
            return Decision(eligible=True, reason=Label("残疾", "disability"), rule="disability")
        return None

    module.love_supermarket_eligibility = love_supermarket_eligibility  # type: ignore[attr-defined]
    return module


@pytest.fixture
def commons_plugins() -> Mapping[str, object]:
    """The plugin, and after it an extension of its eligibility rule."""
    return {"love_supermarket": hooks, "extension": _extension()}


def test_an_extension_widens_and_narrows_the_rule(world: Any, sell: Any) -> None:
    assert world.household_nos["low_income"] == SUSPENDED
    assert sell("disability", {"鸡蛋": 1})
    with pytest.raises(NotEligible):
        sell("low_income", {"鸡蛋": 1})
    # Households the extension has no opinion on follow the default rule.
    assert sell("hardship", {"鸡蛋": 1})
    with pytest.raises(NotEligible):
        sell("ordinary", {"鸡蛋": 1})


def test_the_revealed_reason_names_the_deciding_rule(commons: Any, world: Any, admin: Any) -> None:
    from commons_love_supermarket import SupermarketService

    with commons.unit_of_work(admin) as uow:
        shop = SupermarketService(uow)
        shown = shop.check_eligibility(world.households["disability"], reveal=True)
        default = shop.check_eligibility(world.households["hardship"], reveal=True)
    assert (shown.eligible, shown.rule, shown.reason.en) == (True, "disability", "disability")
    assert default.rule == "love_supermarket.default"
