"""The fixtures plugin authors rely on (commons_core.testing) do what the manual says."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from commons_core import Community, Household
from commons_core.access import Actor, ScopeKind
from commons_core.services import Commons
from commons_core.testing import assert_no_schema_drift


def test_demo_community_is_stored_under_the_key_small(
    commons: Commons, admin: Actor, demo_community: Callable[..., Any]
) -> None:
    demo = demo_community(households=12, residents=30, run_plugins=False)
    community = demo.communities["small"]
    with commons.unit_of_work(admin, readonly=True) as uow:
        assert uow.repo(Household).count() == 12
        assert uow.repo(Community).get(community.id).name == community.name
    assert len(demo.data["small"].households) == 12


def test_actor_for_scopes_one_role(
    actor_for: Callable[..., Actor], commons: Commons, admin: Actor
) -> None:
    with commons.unit_of_work(admin) as uow:
        community = uow.repo(Community).add(Community(name="示例社区"))
    everywhere = actor_for("auditor")
    assert everywhere.scope.kind is ScopeKind.ALL
    assert everywhere.roles == frozenset({"auditor"})
    by_object = actor_for("cadre", community)
    assert by_object.scope.kind is ScopeKind.COMMUNITY
    assert by_object.scope.community_id == community.id
    zone = actor_for("grid_worker", community.id, zone_id=community.id)
    assert zone.scope.kind is ScopeKind.ZONE


def test_actor_for_refuses_unknown_roles(actor_for: Callable[..., Actor]) -> None:
    with pytest.raises(ValueError, match="unknown role 'gird_worker'"):
        actor_for("gird_worker")


def test_commons_cli_runs_commands_on_the_test_database(
    commons_cli: Callable[..., Any], commons: Commons, admin: Actor
) -> None:
    with commons.unit_of_work(admin) as uow:
        uow.repo(Community).add(Community(name="命令行社区"))
    listed = commons_cli("communities", "--json")
    assert listed.exit_code == 0, listed.output
    assert [c["name"] for c in json.loads(listed.output)] == ["命令行社区"]
    reports = commons_cli("report", "--list")
    assert "community-summary" in reports.output


def test_assert_no_schema_drift_fails_when_a_table_is_missing(commons: Commons) -> None:
    assert_no_schema_drift(commons)
    with commons.engine.begin() as connection:
        connection.execute(text("DROP TABLE seat"))
    with pytest.raises(AssertionError, match="the migrations differ from the tables"):
        assert_no_schema_drift(commons)
