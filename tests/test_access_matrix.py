"""The access matrix: roles × entities × actions, each cell with an allow and a deny case.

The expected grants are written out here, independently of the role definitions,
so a change to a role that widens or narrows access fails this test.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import attrs
import pytest

from commons_core import Actor, Scope, open_commons
from commons_core.errors import AccessDenied, NotFound
from commons_core.model import (
    Community,
    Gender,
    GridZone,
    Household,
    KeyGroupCategory,
    KeyGroupFlag,
    PartnerUnit,
    PartyBranch,
    PartyMember,
    Resident,
    Staff,
)
from commons_core.plugins import make_plugin_host
from commons_core.services import Commons, UnitOfWork
from commons_core.testing import POSTGRES_ENV, backend_params, postgres_schema

ROLES = ("administrator", "cadre", "grid_worker", "auditor", "resident")
ENTITIES = ("household", "resident", "party_member", "key_group_flag", "partner_unit", "staff")
ACTIONS = ("list", "read", "create", "update", "delete", "export")

ALL = set(itertools.product(ENTITIES, ACTIONS))
READ = {(e, a) for e in ENTITIES for a in ("list", "read")}
EXPECTED: dict[str, set[tuple[str, str]]] = {
    "administrator": ALL,
    "cadre": ALL,
    "grid_worker": {
        ("household", "list"),
        ("household", "read"),
        ("household", "update"),
        ("resident", "list"),
        ("resident", "read"),
        ("resident", "create"),
        ("resident", "update"),
    },
    "auditor": READ | {(e, "export") for e in ENTITIES},
    "resident": {
        ("household", "list"),
        ("household", "read"),
        ("resident", "list"),
        ("resident", "read"),
    },
}


@attrs.frozen
class World:
    """Two communities; in the first, a zone 1 and one household the resident user lives in."""

    commons: Commons
    home: Community
    away: Community
    zone: GridZone
    household: Household
    inside: dict[str, Any]
    outside: dict[str, Any]


def build(commons: Commons) -> World:
    admin = Actor.local_admin()
    records: dict[str, dict[str, Any]] = {}
    with commons.unit_of_work(admin) as uow:
        communities = []
        for name in ("矩阵社区", "他处社区"):
            community = uow.repo(Community).add(Community(name=name))
            communities.append(community)
            zone = uow.repo(GridZone).add(GridZone(community_id=community.id, number=1))
            house = uow.households.add(
                Household(community_id=community.id, household_no="H-1", grid_zone_id=zone.id)
            )
            person = uow.residents.add(
                Resident(
                    community_id=community.id,
                    household_id=house.id,
                    name="甲",
                    gender=Gender.MALE,
                    birth_date=date(1970, 1, 1),
                    phone="13812345678",
                )
            )
            branch = uow.repo(PartyBranch).add(PartyBranch(community_id=community.id, name="支部"))
            records[name] = {
                "zone": zone,
                "household": house,
                "resident": person,
                "party_member": uow.repo(PartyMember).add(
                    PartyMember(
                        community_id=community.id,
                        branch_id=branch.id,
                        name="甲",
                        resident_id=person.id,
                    )
                ),
                "key_group_flag": uow.repo(KeyGroupFlag).add(
                    KeyGroupFlag(
                        community_id=community.id,
                        resident_id=person.id,
                        category=KeyGroupCategory.STUDENT,
                    )
                ),
                "partner_unit": uow.repo(PartnerUnit).add(
                    PartnerUnit(community_id=community.id, name="第一小学")
                ),
                "staff": uow.repo(Staff).add(
                    Staff(community_id=community.id, name="乙", position="网格员")
                ),
            }
    home, away = communities
    inside = records["矩阵社区"]
    return World(
        commons, home, away, inside["zone"], inside["household"], inside, records["他处社区"]
    )


@pytest.fixture(scope="module", params=backend_params())
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    context: Any = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'm.db'}"
    else:
        context = postgres_schema(os.environ[POSTGRES_ENV])
        url = context.__enter__()
    commons = open_commons(url, host=make_plugin_host(load_entry_points=False), upgrade=True)
    yield build(commons)
    commons.close()
    if context is not None:
        context.__exit__(None, None, None)


def actor(world: World, role: str) -> Actor:
    scope = {
        "grid_worker": Scope.zone(world.home.id, world.zone.id),
        "resident": Scope.household(world.home.id, world.household.id),
    }.get(role, Scope.community(world.home.id))
    return Actor(f"matrix-{role}", frozenset({role}), scope)


class Rollback(Exception):
    """Raised to undo a cell's writes."""


def outcome(world: World, who: Actor, operation: Callable[[UnitOfWork], bool]) -> str:
    """``ok`` if the operation succeeded as allowed, else ``denied`` (access or invisibility)."""
    result = "ok"
    try:
        with world.commons.unit_of_work(who) as uow:
            if not operation(uow):
                result = "denied"
            raise Rollback
    except Rollback:
        pass
    except (AccessDenied, NotFound):
        result = "denied"
    return result


def fresh(world: World, entity: str, target: dict[str, Any], community: Community) -> Any:
    """A new record of ``entity`` placed like ``target``'s records."""
    resident = target["resident"]
    return {
        "household": Household(
            community_id=community.id,
            household_no=f"N-{uuid.uuid4().hex[:6]}",
            grid_zone_id=target["zone"].id,
        ),
        "resident": Resident(
            community_id=community.id,
            household_id=target["household"].id,
            name="新",
            gender=Gender.FEMALE,
            birth_date=date(2000, 1, 1),
            relation_to_head="child",
        ),  # type: ignore[arg-type]
        "party_member": PartyMember(
            community_id=community.id,
            branch_id=target["party_member"].branch_id,
            name="新",
            floating=True,
        ),
        "key_group_flag": KeyGroupFlag(
            community_id=community.id, resident_id=resident.id, category=KeyGroupCategory.DROPOUT
        ),
        "partner_unit": PartnerUnit(community_id=community.id, name="新单位"),
        "staff": Staff(community_id=community.id, name="新", position="委员"),
    }[entity]


def operation(
    world: World, entity: str, action: str, target: dict[str, Any], community: Community
) -> Callable[[UnitOfWork], bool]:
    record = target[entity]
    model = type(record)

    def run(uow: UnitOfWork) -> bool:
        repo = uow.repo(model)
        if action == "list":
            return record.id in {r.id for r in repo.find()}
        if action == "read":
            return repo.get(record.id).id == record.id
        if action == "export":
            return record.id in {r.id for r in repo.export()}
        if action == "create":
            return repo.add(fresh(world, entity, target, community)) is not None
        if action == "update":
            field = {"household": "room", "key_group_flag": "since"}.get(entity, "name")
            value = date(2020, 1, 1) if field == "since" else "改"
            repo.update(attrs.evolve(record, **{field: value}))
            return True
        # delete: first detach what refers to the record, as the administrator would.
        if entity == "household":
            new = (
                repo.add(fresh(world, "household", target, community))
                if uow.can("household:create")
                else record
            )
            repo.delete(new)
        elif entity == "resident":
            repo.delete(
                repo.add(fresh(world, "resident", target, community))
                if uow.can("resident:create")
                else record
            )
        else:
            repo.delete(record)
        return True

    return run


CELLS = [(r, e, a) for r in ROLES for e in ENTITIES for a in ACTIONS]


@pytest.mark.parametrize(("role", "entity", "action"), CELLS)
def test_cell(world: World, role: str, entity: str, action: str) -> None:
    who = actor(world, role)
    allowed = (entity, action) in EXPECTED[role]
    inside = outcome(world, who, operation(world, entity, action, world.inside, world.home))
    assert inside == ("ok" if allowed else "denied"), f"{role} {action} {entity} in scope"
    outside = outcome(world, who, operation(world, entity, action, world.outside, world.away))
    assert outside == "denied", f"{role} {action} {entity} out of scope"
