"""The demo reproduces the source documents' figures, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from commons_core import Actor, open_commons
from commons_core.demo import DemoAlreadyLoaded, DemoResult, load_demo
from commons_core.model import PartyBranchLevel
from commons_core.plugins import make_plugin_host
from commons_core.reports import ReportParams
from commons_core.services import Commons
from commons_core.storage.tables import party_member, resident
from commons_core.testing import POSTGRES_ENV, backend_params, postgres_schema

WENHUALU = {
    "community": "文化路社区",
    "households": 2078,
    "residents": 5835,
    "ethnic_groups": 7,
    "minority_households": 866,
    "residents_groups": 8,
    "party_members": 64,
    "service_points": 26,
    "staff": 9,
    "partner_units": 24,
}
TIANHE = {
    "community": "天鹤社区",
    "households": 1267,
    "residents": 4638,
    "residents_groups": 41,
    "party_members": 146,
    "party_branches": 2,
    "compounds": 7,
    "service_points": 14,
    "partner_units": 2,
}


@pytest.fixture(scope="module", params=backend_params())
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Commons, DemoResult]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
        context: Any = None
    else:
        context = postgres_schema(os.environ[POSTGRES_ENV])
        url = context.__enter__()
    commons = open_commons(url, host=make_plugin_host(load_entry_points=False), upgrade=True)
    result = load_demo(commons, Actor.local_admin(), seed=11)
    yield commons, result
    commons.close()
    if context is not None:
        context.__exit__(None, None, None)


def summary(commons: Commons, name: str) -> dict[str, Any]:
    with commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        community = uow.find_community(name)
        data: dict[str, Any] = (
            commons.reports["community-summary"].run(uow, community, ReportParams()).data
        )
        return data


@pytest.mark.parametrize("expected", [WENHUALU, TIANHE], ids=["文化路社区", "天鹤社区"])
def test_summary_equals_the_documents(
    demo: tuple[Commons, DemoResult], expected: dict[str, Any]
) -> None:
    commons, _ = demo
    data = summary(commons, expected["community"])
    assert {k: data[k] for k in expected} == expected
    assert sum(data["age_bands"].values()) == data["residents"]
    assert list(data["age_bands"]) == ["0-17", "18-59", "60-79", "80+"]


def test_cixi_has_1226_voters_and_15_partner_units(demo: tuple[Commons, DemoResult]) -> None:
    commons, _ = demo
    from commons_core.reports.community_summary import years_before

    data = summary(commons, "慈溪社区")
    assert data["partner_units"] == 15
    with commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        community = uow.find_community("慈溪社区")
        adult = years_before(uow.rule_context.today, 18)
        voters = uow.connection.execute(
            select(func.count()).where(
                resident.c.community_id == community.id,
                resident.c.registration_status == "resident",
                resident.c.birth_date <= adult,
            )
        ).scalar_one()
    assert voters == 1226


def test_party_branch_levels_follow_their_size(demo: tuple[Commons, DemoResult]) -> None:
    commons, _ = demo
    with commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        sizes = dict(
            uow.connection.execute(
                select(party_member.c.branch_id, func.count()).group_by(party_member.c.branch_id)
            ).all()
        )
    levels = sorted(PartyBranchLevel.for_members(n).value for n in sizes.values())
    assert levels == sorted(["general_branch", "general_branch", "branch", "branch"])


def test_demo_users_are_created_with_passwords(demo: tuple[Commons, DemoResult]) -> None:
    commons, result = demo
    from commons_core.services.users import UserService

    assert set(result.passwords) == {
        "admin",
        "cadre",
        "grid-worker",
        "auditor",
        "resident",
    }
    with commons.unit_of_work(Actor.local_admin()) as uow:
        users = UserService(uow)
        grid = users.authenticate("grid-worker", result.passwords["grid-worker"])
        assert grid.roles == ("grid_worker",) and grid.scope.grid_zone_id is not None
        with pytest.raises(Exception, match="login"):
            users.authenticate("grid-worker", "wrong password")


def test_running_the_demo_twice_adds_nothing(demo: tuple[Commons, DemoResult]) -> None:
    commons, _ = demo
    with pytest.raises(DemoAlreadyLoaded):
        load_demo(commons, Actor.local_admin(), seed=11)
    assert summary(commons, "文化路社区")["residents"] == 5835


def test_the_audit_trail_of_the_demo_is_intact(demo: tuple[Commons, DemoResult]) -> None:
    commons, _ = demo
    from commons_core.services.audit_check import verify_trail

    with commons.engine.connect() as conn:
        checked, problems = verify_trail(conn, commons.keys)
    assert checked > 15000
    assert problems == []


def test_demo_is_reproducible_from_its_seed(tmp_path: Path) -> None:
    import random

    from faker import Faker

    from commons_core.demo.figures import WENHUALU as SPEC
    from commons_core.demo.generate import generate_community

    def names(seed: int) -> list[str]:
        faker = Faker("zh_CN")
        faker.seed_instance(seed)
        data = generate_community(
            SPEC, random.Random(seed), faker, __import__("datetime").date(2026, 1, 1)
        )
        return [r.id_number or "" for r in data.residents[:50]]

    assert names(5) == names(5)
    assert names(5) != names(6)
