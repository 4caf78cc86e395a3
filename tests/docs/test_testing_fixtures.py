"""The fixtures plugin authors rely on (commons_core.testing) do what the manual says."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import pytest
from sqlalchemy import Column, ForeignKeyConstraint, Uuid, text

from commons_core import Community, Household
from commons_core.access import Actor, ScopeKind
from commons_core.services import Commons
from commons_core.storage import Entity, community_fk, community_table, metadata
from commons_core.testing import (
    CliRun,
    assert_branch_from_core,
    assert_community_keys,
    assert_no_schema_drift,
    count_statements,
)


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


def test_commons_main_runs_commons_as_users_do(
    commons_main: Callable[..., CliRun], commons: Commons, admin: Actor
) -> None:
    with commons.unit_of_work(admin) as uow:
        uow.repo(Community).add(Community(name="命令行社区"))
    code, out, err = commons_main("communities", "--json")
    assert code == 0, err
    assert [c["name"] for c in json.loads(out)] == ["命令行社区"]
    # Every installed plugin is loaded and the database is at every branch's head.
    listed = commons_main("plugins", "--json")
    assert {p["name"] for p in json.loads(listed.out)} >= {"love_supermarket", "safety_patrol"}
    checked = commons_main("db", "check")
    assert checked.code == 0 and "no drift" in checked.out, checked.err
    missing = commons_main("report", "community-summary", "--community", "不存在社区")
    assert missing == CliRun(
        1, "", "错误 / error: 找不到community:不存在社区 / no community 不存在社区\n"
    )


def test_assert_no_schema_drift_fails_when_a_table_is_missing(commons: Commons) -> None:
    assert_no_schema_drift(commons)
    with commons.engine.begin() as connection:
        connection.execute(text("DROP TABLE seat"))
    with pytest.raises(AssertionError, match="the migrations differ from the tables"):
        assert_no_schema_drift(commons)


def test_count_statements_collects_what_runs_inside_the_block(commons: Commons) -> None:
    with count_statements(commons) as seen, commons.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    with commons.engine.connect() as connection:
        connection.execute(text("SELECT 2"))
    assert "SELECT 1" in seen and "SELECT 2" not in seen


@attrs.frozen
class _Visit:
    community_id: UUID
    id: UUID
    resident_id: UUID


def test_assert_community_keys_checks_the_citus_rule() -> None:
    good = community_table(
        "visit_log_good", Column("resident_id", Uuid), community_fk("resident_id", "resident")
    )
    bad = community_table("visit_log_bad", Column("resident_id", Uuid))
    bad.append_constraint(ForeignKeyConstraint(["resident_id"], ["resident.id"]))
    try:
        assert_community_keys([Entity(_Visit, good)], "visit_log")
        with pytest.raises(AssertionError):
            assert_community_keys([Entity(_Visit, good)], "other_plugin")
        with pytest.raises(AssertionError):
            assert_community_keys([Entity(_Visit, bad)], "visit_log")
    finally:
        metadata.remove(good)
        metadata.remove(bad)


def test_assert_branch_from_core_checks_the_label_and_the_dependency(tmp_path: Path) -> None:
    def branch(folder: str, labels: object, depends: object) -> Path:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "visit_log_0001_initial.py").write_text(
            f'revision = "visit_log_0001"\ndown_revision = None\n'
            f"branch_labels = {labels!r}\ndepends_on = {depends!r}\n",
            encoding="utf-8",
        )
        return tmp_path / folder

    assert_branch_from_core(branch("good", ("visit_log",), "core_0001"), "visit_log")
    with pytest.raises(AssertionError, match="branch_labels"):
        assert_branch_from_core(branch("label", ("visit",), "core_0001"), "visit_log")
    with pytest.raises(AssertionError, match="names no revision of the core"):
        assert_branch_from_core(branch("alone", "visit_log", None), "visit_log")
