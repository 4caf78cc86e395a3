"""Writes hold the trust layer's promises (issue 14, items 1, 2 and 9), on SQLite and PostgreSQL.

Tried as a hostile insider would, through the SDK: a write never answers
more than a read shows (masked); a sensitive field is written only by an
actor who may see it or holds ``set:<kind>``, and one who may not learns
nothing from the refusal; a taken unique value is the SDK's own conflict,
alike inside and outside the actor's scope, naming the field and never the
value; a link to a record out of scope is refused exactly as one to a
record that does not exist.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import attrs
import pytest
from commons_elderly_health import plugin as health_plugin
from commons_elderly_health.model import ChronicCondition, HealthFile
from commons_love_supermarket import SupermarketService
from commons_love_supermarket import plugin as supermarket_plugin
from sqlalchemy import func, select
from stdnum.cn import ric

from commons_core import (
    AccessDenied,
    Actor,
    DuplicateError,
    Gender,
    Household,
    HouseholdRegistration,
    HouseholdStatus,
    Label,
    RelationToHead,
    Resident,
    ValidationError,
    hookimpl,
    open_commons,
)
from commons_core.access import Role
from commons_core.demo import DemoContext
from commons_core.services import Commons
from commons_core.storage.bulk import insert_rows
from commons_core.storage.tables import audit_entry, household, resident

REGISTRAR = Role(
    "registrar",
    Label("登记员", "registrar"),
    (
        "resident:list",
        "resident:read",
        "resident:create",
        "resident:update",
        "household:list",
        "household:read",
        "household:create",
        "household:update",
        "life_event:create",
        "community:list",
        "community:read",
    ),
)
"""A role that writes residents and households but may neither see nor set ID numbers,
phones and statuses."""


def _registrar_plugin() -> types.ModuleType:
    module = types.ModuleType("registrar_role")

    @hookimpl
    def commons_roles() -> list[Role]:
        return [REGISTRAR]

    module.commons_roles = commons_roles  # type: ignore[attr-defined]
    return module


@pytest.fixture
def commons_plugins() -> Mapping[str, object]:
    """Plugins' entities are guarded as core's: the elderly health files, the supermarket."""
    return {
        "elderly_health": health_plugin,
        "love_supermarket": supermarket_plugin,
        "registrar": _registrar_plugin(),
    }


def id_number(birth: str, sequence: int) -> str:
    """A valid ID number of a woman of Beijing Dongcheng (110101), born ``birth`` (YYYYMMDD)."""
    body = f"110101{birth}{2 * sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


@attrs.frozen
class Town:
    """A generated community seen from its first grid zone."""

    commons: Commons
    admin: Actor
    cid: UUID
    zone: UUID
    grid: Actor
    cadre: Actor
    clerk: Actor
    health: Actor
    registrar: Actor
    home: Household
    elsewhere: Household
    mine: Resident
    theirs: Resident


@pytest.fixture
def town(
    commons: Commons,
    admin: Actor,
    demo_community: Callable[..., DemoContext],
    actor_for: Callable[..., Actor],
) -> Town:
    data = demo_community().data["small"]
    cid = data.community.id
    zone = min(data.grid_zones, key=lambda z: z.number).id
    in_zone = {h.id for h in data.households if h.grid_zone_id == zone}
    home = next(h for h in data.households if h.id in in_zone)
    elsewhere = next(h for h in data.households if h.grid_zone_id not in (zone, None))
    with_ids = [r for r in data.residents if r.id_number and r.phone]
    mine = next(r for r in with_ids if r.household_id in in_zone)
    theirs = next(r for r in with_ids if r.household_id not in in_zone and r.household_id)
    return Town(
        commons=commons,
        admin=admin,
        cid=cid,
        zone=zone,
        grid=actor_for("grid_worker", cid, zone_id=zone),
        cadre=actor_for("cadre", cid),
        clerk=actor_for("clerk", cid),
        health=actor_for("health_worker", cid),
        registrar=actor_for("registrar", cid),
        home=home,
        elsewhere=elsewhere,
        mine=mine,
        theirs=theirs,
    )


def stored_resident(town: Town, resident_id: UUID) -> Resident:
    with town.commons.unit_of_work(town.admin) as uow:
        return uow.residents.get(resident_id, reveal=True)


def stored_household(town: Town, household_id: UUID) -> Household:
    with town.commons.unit_of_work(town.admin) as uow:
        return uow.households.get(household_id, reveal=True)


def audit_actions(town: Town, actor: Actor) -> list[str]:
    with town.commons.unit_of_work(town.admin, readonly=True) as uow:
        rows = uow.connection.execute(
            select(audit_entry.c.action).where(audit_entry.c.actor == actor.username)
        )
        return [r.action for r in rows]


def newcomer(town: Town, **values: Any) -> Resident:
    fields: dict[str, Any] = {
        "community_id": town.cid,
        "household_id": town.home.id,
        "relation_to_head": RelationToHead.CHILD,
        "name": "新居民",
        "gender": Gender.FEMALE,
        "birth_date": date(1990, 1, 1),
    }
    return Resident(**(fields | values))


def masked(value: Any) -> bool:
    return value is None or (isinstance(value, str) and "*" in value)


# -- item 1: a write never unmasks ---------------------------------------------------


def test_an_update_that_changes_nothing_answers_masked_and_reveals_nothing(town: Town) -> None:
    with town.commons.unit_of_work(town.grid) as uow:
        read = uow.residents.get(town.mine.id)
        answered = uow.residents.update(read)
    clear = stored_resident(town, town.mine.id)
    assert answered.id_number == read.id_number != clear.id_number
    assert answered.phone == read.phone != clear.phone
    assert masked(answered.id_number) and masked(answered.phone)
    assert answered.version == clear.version, "nothing was written"
    assert audit_actions(town, town.grid) == [], "no reveal, no update entry"


def test_every_write_answers_as_a_read_without_reveal(town: Town) -> None:
    """add, add_many, update, update_many, register, move_out, set_statuses: all masked,
    even for a cadre who may reveal (revealing is a deliberate, logged act, not a write's)."""
    new_ids = [id_number("19900101", n) for n in (11, 12, 13)]
    with town.commons.unit_of_work(town.cadre) as uow:
        added = uow.residents.add(newcomer(town, id_number=new_ids[0], phone="13800001111"))
        many = uow.residents.add_many(
            [newcomer(town, id_number=n, phone="13800002222") for n in new_ids[1:]]
        )
        read = uow.residents.get(town.mine.id)
        changed = uow.residents.update(attrs.evolve(read, registered_address="新地址 1 号"))
        batch = uow.residents.update_many([attrs.evolve(m, name="改名") for m in many])
        registration = uow.households.register(
            HouseholdRegistration(
                household=Household(
                    community_id=town.cid,
                    household_no="TW-1",
                    statuses=frozenset({HouseholdStatus.LOW_INCOME}),
                ),
                members=(
                    newcomer(
                        town,
                        household_id=None,
                        relation_to_head=RelationToHead.HEAD,
                        name="户主",
                        id_number=id_number("19900101", 21),
                        phone="13900003333",
                    ),
                ),
            )
        )
        moved = uow.residents.move_out(changed, on=date(2025, 1, 2))
        home = uow.households.get(town.home.id)
        statuses = uow.households.set_statuses(home, [HouseholdStatus.HARDSHIP])
    for person in (added, *many, changed, *batch, *registration.members, moved):
        assert masked(person.id_number) and masked(person.phone), person
    assert registration.household.statuses is None
    assert statuses.statuses is None
    assert stored_resident(town, added.id).id_number == new_ids[0], "stored in clear"
    assert stored_household(town, statuses.id).statuses == {HouseholdStatus.HARDSHIP}
    assert "reveal" not in audit_actions(town, town.cadre)


def test_what_a_write_answers_can_be_written_back_unchanged(town: Town) -> None:
    before = stored_resident(town, town.mine.id)
    with town.commons.unit_of_work(town.grid) as uow:
        first = uow.residents.update(
            attrs.evolve(uow.residents.get(town.mine.id), registered_address="A")
        )
        second = uow.residents.update(attrs.evolve(first, registered_address="B"))
    after = stored_resident(town, town.mine.id)
    assert (after.id_number, after.phone) == (before.id_number, before.phone)
    assert after.registered_address == "B" and second.version == before.version + 2


# -- item 2: writing a sensitive field needs the permission to see it, or set:<kind> ------


def test_a_grid_worker_cannot_set_clear_or_confirm_assistance_statuses(town: Town) -> None:
    """The issue's attack: a grid worker makes a household 低保 and the clerk sells to it."""
    with town.commons.unit_of_work(town.admin) as uow:
        uow.households.set_statuses(uow.households.get(town.home.id), [])
    target = stored_household(town, town.home.id)
    assert target.statuses == frozenset()
    attempts = {
        "set 低保": frozenset({HouseholdStatus.LOW_INCOME}),
        # Sending the stored value (empty) must be refused too, or the answer would tell
        # an actor who may not see statuses that the household has none.
        "confirm none": frozenset(),
    }
    for what, statuses in attempts.items():
        with pytest.raises(AccessDenied) as refused, town.commons.unit_of_work(town.grid) as uow:
            read = uow.households.get(town.home.id)
            uow.households.update(attrs.evolve(read, statuses=statuses))
        error = refused.value
        assert (error.actor, error.permission, error.record) == (
            town.grid.username,
            "set:assistance",
            "household.statuses",
        ), what
        assert "set:assistance" in error.zh and "household.statuses" in error.en
    with pytest.raises(AccessDenied), town.commons.unit_of_work(town.grid) as uow:
        uow.households.set_statuses(uow.households.get(town.home.id), [HouseholdStatus.HARDSHIP])
    after = stored_household(town, town.home.id)
    assert (after.statuses, after.version) == (frozenset(), target.version), "nothing written"
    with town.commons.unit_of_work(town.clerk) as uow:
        assert not SupermarketService(uow).check_eligibility(town.home.id).eligible
    # A household that is 低保 cannot be cleared either (nor learnt to be, by trying).
    with town.commons.unit_of_work(town.admin) as uow:
        uow.households.set_statuses(uow.households.get(town.home.id), [HouseholdStatus.LOW_INCOME])
    with pytest.raises(AccessDenied), town.commons.unit_of_work(town.grid) as uow:
        read = uow.households.get(town.home.id)
        uow.households.update(attrs.evolve(read, statuses=frozenset()))
    assert stored_household(town, town.home.id).statuses == {HouseholdStatus.LOW_INCOME}


def test_fields_sent_back_as_read_are_no_write_of_them(town: Town) -> None:
    with town.commons.unit_of_work(town.grid) as uow:
        read = uow.households.get(town.home.id)
        assert read.statuses is None
        answered = uow.households.update(attrs.evolve(read, room="9-901"))
    assert answered.room == "9-901"
    assert stored_household(town, town.home.id).statuses == town.home.statuses


def test_identity_and_contact_need_reveal_or_set(town: Town) -> None:
    """A role that may write residents but neither see nor set ID numbers and phones."""
    number = id_number("19900101", 31)
    for values, field, permission in (
        ({"id_number": number}, "id_number", "set:identity"),
        ({"phone": "13800004444"}, "phone", "set:contact"),
    ):
        with (
            pytest.raises(AccessDenied) as refused,
            town.commons.unit_of_work(town.registrar) as uow,
        ):
            uow.residents.add(newcomer(town, **values))
        assert (refused.value.permission, refused.value.record) == (permission, f"resident.{field}")
    with town.commons.unit_of_work(town.registrar) as uow:
        plain = uow.residents.add(newcomer(town))
        read = uow.residents.get(town.mine.id)
        kept = uow.residents.update(attrs.evolve(read, name="改名"))  # masked values sent back
    assert plain.id_number is None and kept.name == "改名"
    clear = stored_resident(town, town.mine.id)
    for change in ({"phone": "13800005555"}, {"phone": None}, {"id_number": clear.id_number}):
        with pytest.raises(AccessDenied), town.commons.unit_of_work(town.registrar) as uow:
            uow.residents.update(attrs.evolve(uow.residents.get(town.mine.id), **change))
    assert stored_resident(town, town.mine.id).phone == clear.phone
    # Grid workers type ID numbers from the card: set:identity, without seeing stored ones.
    with town.commons.unit_of_work(town.grid) as uow:
        typed = uow.residents.add(newcomer(town, id_number=number))
        with pytest.raises(AccessDenied):
            uow.residents.get(typed.id, reveal=True)
    assert stored_resident(town, typed.id).id_number == number


def test_plugins_sensitive_fields_are_guarded_alike(town: Town) -> None:
    """A cadre may read health files (masked) but holds neither reveal:health nor set:health."""
    with town.commons.unit_of_work(town.admin) as uow:
        files = uow.repo(HealthFile).find(limit=1)
    assert files, "the demo opens health files"
    file = files[0]
    for change, field in (
        ({"conditions": frozenset({ChronicCondition.DIABETES})}, "conditions"),
        ({"note": "私下记下的病情"}, "note"),
    ):
        with pytest.raises(AccessDenied) as refused, town.commons.unit_of_work(town.cadre) as uow:
            read = uow.repo(HealthFile).get(file.id)
            uow.repo(HealthFile).update(attrs.evolve(read, **change))
        assert refused.value.record == f"elderly_health_file.{field}"
        assert refused.value.permission == "set:health"
    with town.commons.unit_of_work(town.health) as uow:
        read = uow.repo(HealthFile).get(file.id)
        written = uow.repo(HealthFile).update(attrs.evolve(read, note="复查"))
    assert written.note != "复查", "answered masked"
    with town.commons.unit_of_work(town.health) as uow:
        assert uow.repo(HealthFile).get(file.id, reveal=True).note == "复查"


def test_imports_cannot_set_statuses(
    town: Town, tmp_path: Path, commons_main: Callable[..., Any]
) -> None:
    """Through the importer (a role that may import households) and ``commons import --as``."""
    from commons_core.io import import_table
    from commons_core.services.users import UserService

    before = stored_household(town, town.home.id)
    source = tmp_path / "households.csv"
    source.write_text(
        f"户号 / household_no,特殊户类别 / statuses\n{town.home.household_no},低保\nTW-NEW,困难\n",
        encoding="utf-8",
    )
    with pytest.raises(AccessDenied) as refused:
        import_table(town.commons, town.registrar, "households", source, str(town.cid))
    assert (refused.value.permission, refused.value.record) == (
        "set:assistance",
        "household.statuses",
    )
    with town.commons.unit_of_work(town.admin) as uow:
        UserService(uow).create(
            "grid-worker", roles=["grid_worker"], scope=town.grid.scope, password="pw-123456789"
        )
    run = commons_main(
        "--as", "grid-worker", "import", "households", str(source), "--community", str(town.cid)
    )
    # The grid worker may not import households at all: refused before any row is read.
    assert run.code != 0 and "household:create" in run.err and "Traceback" not in run.err
    after = stored_household(town, town.home.id)
    assert (after.statuses, after.version) == (before.statuses, before.version)
    with town.commons.unit_of_work(town.admin) as uow:
        assert uow.households.find(household.c.household_no == "TW-NEW") == []


# -- item 9: no existence oracle on writes ---------------------------------------------


def test_a_taken_id_number_answers_alike_in_and_out_of_scope(town: Town) -> None:
    answers = {}
    for where, taken in (("other zone", town.theirs), ("own zone", town.mine)):
        clear = stored_resident(town, taken.id).id_number
        assert clear
        like = {"birth_date": taken.birth_date, "gender": taken.gender}
        with pytest.raises(DuplicateError) as refused, town.commons.unit_of_work(town.grid) as uow:
            uow.residents.add(newcomer(town, id_number=clear, **like))
        error = refused.value
        assert (error.entity, error.fields) == ("resident", ("id_number",)), where
        text = f"{error} {error.problems}"
        assert clear not in text and clear[6:14] not in text, "never the value"
        assert "身份证号" in error.zh and "ID number" in error.en
        answers[where] = (type(error), error.zh, error.en, error.problems)
    assert answers["other zone"] == answers["own zone"]
    fresh = id_number("19900101", 41)
    with town.commons.unit_of_work(town.grid) as uow:
        added = uow.residents.add(newcomer(town, id_number=fresh))
    assert stored_resident(town, added.id).id_number == fresh


def test_every_probe_of_a_taken_value_leaves_a_trace(town: Town) -> None:
    """Uniqueness answers whether a value exists anywhere: each refusal is audited, even
    though the unit of work that met it rolls back."""
    taken = stored_resident(town, town.theirs.id).id_number
    like = {"birth_date": town.theirs.birth_date, "gender": town.theirs.gender}
    for _ in range(3):
        with pytest.raises(DuplicateError), town.commons.unit_of_work(town.grid) as uow:
            uow.residents.add(newcomer(town, id_number=taken, **like))
    with town.commons.unit_of_work(town.admin, readonly=True) as uow:
        rows = uow.connection.execute(
            select(audit_entry.c.community_id, audit_entry.c.entity, audit_entry.c.changes).where(
                audit_entry.c.actor == town.grid.username, audit_entry.c.action == "refused"
            )
        ).all()
    assert [(r.community_id, r.entity, r.changes) for r in rows] == [
        (town.cid, "resident", {"unique": ["id_number"]})
    ] * 3
    assert taken not in str(rows)


def test_transact_does_not_retry_a_taken_value(town: Town) -> None:
    """A stale version is retried; a duplicate is not (it would be taken again)."""
    taken = stored_resident(town, town.theirs.id).id_number
    like = {"birth_date": town.theirs.birth_date, "gender": town.theirs.gender}
    attempts = []

    def work(uow: Any) -> None:
        attempts.append(1)
        uow.residents.add(newcomer(town, id_number=taken, **like))

    with pytest.raises(DuplicateError):
        town.commons.transact(town.admin, work)
    assert len(attempts) == 1


def test_every_write_path_turns_unique_violations_into_the_conflict(town: Town) -> None:
    taken = stored_resident(town, town.theirs.id).id_number
    like = {"birth_date": town.theirs.birth_date, "gender": town.theirs.gender}
    with town.commons.unit_of_work(town.admin) as uow:
        twin = uow.residents.add(newcomer(town, **like))
        count = uow.residents.count()
    # An update to a taken number, a batch on the bulk path (COPY or unnest on
    # PostgreSQL, the driver's executemany on SQLite), a registration, a record twice.
    with pytest.raises(DuplicateError) as update, town.commons.unit_of_work(town.grid) as uow:
        read = uow.residents.get(twin.id)
        uow.residents.update(attrs.evolve(read, id_number=taken))
    assert update.value.fields == ("id_number",)
    batch = [newcomer(town, id_number=id_number("19900101", 100 + n)) for n in range(59)]
    batch.append(newcomer(town, id_number=taken, **like))
    for actor in (town.grid, town.cadre):
        with pytest.raises(DuplicateError) as bulk, town.commons.unit_of_work(actor) as uow:
            uow.residents.add_many(batch)
        assert bulk.value.fields == ("id_number",)
    with pytest.raises(DuplicateError) as register, town.commons.unit_of_work(town.cadre) as uow:
        uow.households.register(
            HouseholdRegistration(
                household=Household(community_id=town.cid, household_no=town.home.household_no),
                members=(newcomer(town, household_id=None, relation_to_head=RelationToHead.HEAD),),
            )
        )
    assert (register.value.entity, register.value.fields) == ("household", ("household_no",))
    assert "户号" in register.value.zh and "household number" in register.value.en
    twice = newcomer(town)
    with pytest.raises(DuplicateError) as again, town.commons.unit_of_work(town.cadre) as uow:
        uow.residents.add(twice)
        uow.residents.add(twice)
    assert again.value.fields == ("id",)
    with town.commons.unit_of_work(town.admin) as uow:
        assert uow.residents.count() == count, "nothing half-written"


def test_the_bulk_insert_itself_answers_the_conflict(town: Town) -> None:
    """``insert_rows`` on the owner's connection: COPY on PostgreSQL, executemany on SQLite,
    a Core INSERT below the bulk threshold."""
    with town.commons.unit_of_work(town.admin) as uow:
        template = uow.households.get(town.home.id, reveal=True)
    for size in (3, 60):
        rows = [
            {
                **attrs.asdict(template, recurse=False),
                "id": uuid4(),
                "household_no": f"B-{size}-{n}",
            }
            for n in range(size)
        ]
        rows[-1]["household_no"] = template.household_no
        with pytest.raises(DuplicateError) as refused, town.commons.engine.begin() as connection:
            insert_rows(connection, household, rows)
        assert refused.value.fields == ("household_no",)
    with town.commons.engine.connect() as connection:
        assert (
            connection.execute(
                select(func.count())
                .select_from(household)
                .where(household.c.household_no.like("B-%"))
            ).scalar_one()
            == 0
        )


def test_a_link_out_of_scope_is_refused_as_a_missing_one(
    town: Town, commons_db_url: str, commons_host: Any
) -> None:
    """Moving a resident into another zone's household answered 403, a missing one 422.

    On PostgreSQL, also as the login role without row-level security (what a
    deployment serving as the owner does): the SDK's own check, not only the
    policies, gives the answer.
    """
    sdks = [town.commons]
    if town.commons.engine.dialect.name == "postgresql":
        sdks.append(open_commons(commons_db_url, host=commons_host, app_role=None))
    for sdk in sdks:
        answers = {}
        for where, target in (("other zone", town.elsewhere.id), ("missing", uuid4())):
            with pytest.raises(ValidationError) as refused, sdk.unit_of_work(town.grid) as uow:
                read = uow.residents.get(town.mine.id)
                uow.residents.update(attrs.evolve(read, household_id=target))
            [problem] = refused.value.problems
            answers[where] = (problem.path, problem.code, problem.zh, problem.en)
            with pytest.raises(ValidationError) as created, sdk.unit_of_work(town.grid) as uow:
                uow.residents.add(newcomer(town, household_id=target))
            [problem] = created.value.problems
            assert (problem.path, problem.code) == ("household_id", "reference.missing"), where
        assert answers["other zone"] == answers["missing"]
        assert answers["missing"][:2] == ("household_id", "reference.missing")
    for sdk in sdks[1:]:
        sdk.close()
    assert stored_resident(town, town.mine.id).household_id == town.mine.household_id
    # In scope, the same link is taken.
    with town.commons.unit_of_work(town.cadre) as uow:
        read = uow.residents.get(town.mine.id)
        moved = uow.residents.update(attrs.evolve(read, household_id=town.elsewhere.id))
    assert moved.household_id == town.elsewhere.id
    with town.commons.unit_of_work(town.admin) as uow:
        assert (
            uow.connection.execute(
                select(resident.c.household_id).where(resident.c.id == town.mine.id)
            ).scalar_one()
            == town.elsewhere.id
        )
