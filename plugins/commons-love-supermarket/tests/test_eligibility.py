"""Who may buy: 低保 and 困难 households; the clerk learns that, never why."""

from __future__ import annotations

from typing import Any

import pytest
from commons_love_supermarket import EligibilityChange, NotEligible, SupermarketService
from sqlalchemy import select

from commons_core import AccessDenied, HouseholdStatus
from commons_core.services import Commons
from commons_core.storage.tables import audit_entry


def _check(commons: Commons, actor: Any, household_id: Any, *, reveal: bool = False) -> Any:
    with commons.unit_of_work(actor) as uow:
        return SupermarketService(uow).check_eligibility(household_id, reveal=reveal)


def _set_statuses(commons: Commons, actor: Any, household_id: Any, statuses: Any) -> None:
    with commons.unit_of_work(actor) as uow:
        household = uow.households.get(household_id)
        uow.households.set_statuses(household, statuses)


def _changes(commons: Commons, admin: Any) -> list[EligibilityChange]:
    with commons.unit_of_work(admin, readonly=True) as uow:
        return uow.repo(EligibilityChange).find()


def test_the_clerk_learns_that_a_household_may_buy_never_why(
    commons: Commons, world: Any, clerk: Any
) -> None:
    expected = {"low_income": True, "hardship": True, "both": True}
    for key, household_id in world.households.items():
        shown = _check(commons, clerk, household_id)
        assert shown.eligible is expected.get(key, False)
        assert shown.reason is None
        assert shown.rule is None
        text = f"{shown.message.zh} {shown.message.en}"
        for secret in ("低保", "困难", "残疾", "low-income", "hardship", "disability"):
            assert secret not in text
    with pytest.raises(AccessDenied, match="reveal:assistance"):
        _check(commons, clerk, world.households["low_income"], reveal=True)


def test_the_reason_is_revealed_on_request_to_those_who_may_and_audited(
    commons: Commons, world: Any, actor_for: Any
) -> None:
    cadre = actor_for("cadre", world.community_id)
    household_id = world.households["both"]
    shown = _check(commons, cadre, household_id, reveal=True)
    assert shown.eligible
    assert shown.reason.zh == "该户为低保、困难户"
    assert shown.rule == "love_supermarket.default"
    refused = _check(commons, cadre, world.households["disability"], reveal=True)
    assert refused.reason.en == "the household has neither low-income nor hardship status"
    with commons.unit_of_work(cadre, readonly=True) as uow:
        reveals = uow.connection.execute(
            select(audit_entry.c.actor, audit_entry.c.changes).where(
                audit_entry.c.action == "reveal", audit_entry.c.key == str(household_id)
            )
        ).all()
    assert reveals == [(cadre.username, {"fields": ["statuses"]})]


def test_a_household_that_loses_its_low_income_status_can_no_longer_buy(
    commons: Commons, admin: Any, world: Any, sell: Any
) -> None:
    assert sell("low_income", {"鸡蛋": 1})
    _set_statuses(commons, admin, world.households["low_income"], [HouseholdStatus.DISABILITY])
    with pytest.raises(NotEligible):
        sell("low_income", {"鸡蛋": 1})
    (change,) = _changes(commons, admin)
    assert (change.household_id, change.eligible) == (world.households["low_income"], False)
    # Regaining the status records that too, and the household buys again.
    _set_statuses(commons, admin, world.households["low_income"], [HouseholdStatus.LOW_INCOME])
    assert sorted(c.eligible for c in _changes(commons, admin)) == [False, True]
    assert sell("low_income", {"鸡蛋": 1})


def test_losing_one_status_of_two_changes_nothing(
    commons: Commons, admin: Any, world: Any, sell: Any
) -> None:
    _set_statuses(commons, admin, world.households["both"], [HouseholdStatus.HARDSHIP])
    assert _changes(commons, admin) == []
    assert sell("both", {"鸡蛋": 1})


def test_a_grid_worker_may_not_change_statuses_a_cadre_s_change_is_recorded(
    commons: Commons, admin: Any, world: Any, actor_for: Any, sell: Any
) -> None:
    worker = actor_for("grid_worker", world.community_id, zone_id=world.zone_id)
    # Statuses decide who buys: an actor who may not see them may not set them (issue 14).
    with pytest.raises(AccessDenied, match="set:assistance"):
        _set_statuses(commons, worker, world.households["ordinary"], [HouseholdStatus.LOW_INCOME])
    with pytest.raises(NotEligible):
        sell("ordinary", {"鸡蛋": 1})
    assert _changes(commons, admin) == []
    cadre = actor_for("cadre", world.community_id)
    _set_statuses(commons, cadre, world.households["hardship"], [])
    assert [c.household_id for c in _changes(commons, admin)] == [world.households["hardship"]]


def test_status_changes_of_a_batch_are_recorded_together(
    commons: Commons, admin: Any, world: Any
) -> None:
    with commons.unit_of_work(admin) as uow:
        for key in ("low_income", "hardship", "ordinary"):
            household = uow.households.get(world.households[key])
            uow.households.set_statuses(
                household, [] if key != "ordinary" else [HouseholdStatus.LOW_INCOME]
            )
    recorded = {(c.household_id, c.eligible) for c in _changes(commons, admin)}
    assert recorded == {
        (world.households["low_income"], False),
        (world.households["hardship"], False),
        (world.households["ordinary"], True),
    }


def test_communities_without_a_supermarket_record_nothing(
    commons: Commons, admin: Any, demo_community: Any
) -> None:
    other = demo_community(seed=13, run_plugins=False)
    household = other.data["small"].households[0]
    _set_statuses(commons, admin, household.id, [HouseholdStatus.LOW_INCOME])
    assert _changes(commons, admin) == []
