"""Other plugins extend who may buy through the love_supermarket_eligibility hook."""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any

import pytest
from commons_love_supermarket import Decision, NotEligible, plugin

from commons_core import Actor, HouseholdStatus, Label, Scope, hookimpl
from commons_core.access import Role

SUSPENDED = "LS001"


def _extension() -> types.ModuleType:
    """Admits disability households, suspends LS001, leaves the rest; adds a social worker role."""
    module = types.ModuleType("supermarket_extension")

    @hookimpl
    def love_supermarket_eligibility(household: Any) -> Decision | None:
        if household.household_no == SUSPENDED:
            return Decision(eligible=False, reason=Label("暂停", "suspended"), rule="suspension")
        if HouseholdStatus.DISABILITY in household.statuses:
            return Decision(eligible=True, reason=Label("残疾", "disability"), rule="disability")
        return None

    @hookimpl
    def commons_roles() -> list[Role]:
        return [
            Role(
                "social_worker",
                Label("社工", "social worker"),
                (
                    "household:list",
                    "household:read",
                    "household:update",
                    "life_event:create",
                    # Setting statuses it may not see needs set:assistance (or the reveal).
                    "set:assistance",
                ),
            )
        ]

    module.love_supermarket_eligibility = love_supermarket_eligibility  # type: ignore[attr-defined]
    module.commons_roles = commons_roles  # type: ignore[attr-defined]
    return module


@pytest.fixture
def commons_plugins() -> Mapping[str, object]:
    """The plugin, and after it an extension of its eligibility rule."""
    return {"love_supermarket": plugin, "extension": _extension()}


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
    assert shown.reason is not None
    assert (shown.eligible, shown.rule, shown.reason.en) == (True, "disability", "disability")
    assert default.rule == "love_supermarket.default"


def test_a_role_unknown_to_the_plugin_still_changes_statuses(
    commons: Any, admin: Any, world: Any, sell: Any
) -> None:
    from commons_love_supermarket import EligibilityChange

    worker = Actor(
        "social-worker", frozenset({"social_worker"}), Scope.community(world.community_id)
    )
    with commons.unit_of_work(worker) as uow:
        household = uow.households.get(world.households["hardship"])
        uow.households.set_statuses(household, [])
    with pytest.raises(NotEligible):
        sell("hardship", {"鸡蛋": 1})
    with commons.unit_of_work(admin, readonly=True) as uow:
        assert uow.repo(EligibilityChange).find() == []
