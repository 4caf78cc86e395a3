"""Text and numbers as every write sees them: the same normalisation through the converter and
from Python, no control characters, nothing longer or larger than its column."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from commons_core import Actor, Community, Household, Resident, ValidationError
from commons_core.model import Gender, RelationToHead, ResidentsGroup
from commons_core.services import Commons
from commons_core.storage.tables import resident


@pytest.fixture
def community(commons: Commons, admin: Actor) -> Community:
    with commons.unit_of_work(admin) as uow:
        return uow.repo(Community).add(Community(name="文本社区"))


def person(community: Community, home: Household, **changes: object) -> Resident:
    values: dict[str, object] = {
        "community_id": community.id,
        "household_id": home.id,
        "relation_to_head": RelationToHead.HEAD,
        "name": "张三",
        "gender": Gender.FEMALE,
        "birth_date": date(1949, 12, 31),
        "id_number": "11010519491231002X",
    }
    return Resident(**{**values, **changes})  # type: ignore[arg-type]


def test_text_set_in_python_is_stored_as_the_converter_would_make_it(
    commons: Commons, admin: Actor, community: Community
) -> None:
    with commons.unit_of_work(admin) as uow:
        home = uow.households.add(Household(community_id=community.id, household_no=" 0001 "))
        stored = uow.residents.add(
            person(community, home, name=" 王五,六 ", registered_address="  ", phone="")
        )
    assert home.household_no == "0001"
    assert (stored.name, stored.registered_address, stored.phone) == ("王五,六", None, None)
    through_codec = commons.structure(
        {"community_id": str(community.id), "household_no": " 0001 "}, Household
    )
    assert through_codec.household_no == home.household_no
    with commons.engine.connect() as conn:
        row = conn.execute(select(resident.c.name, resident.c.registered_address)).one()
    assert tuple(row) == ("王五,六", None)


def test_required_text_left_empty_is_a_problem_on_its_field(
    commons: Commons, admin: Actor, community: Community
) -> None:
    with commons.unit_of_work(admin) as uow:
        home = uow.households.add(Household(community_id=community.id, household_no="0001"))
        with pytest.raises(ValidationError) as failed:
            uow.residents.add(person(community, home, name="   "))
    assert [(p.path, p.code) for p in failed.value.problems] == [("name", "required")]


@pytest.mark.parametrize("text", ["北京\x0b市", "\x00", "a\x1fb"])
def test_control_characters_are_refused_by_the_converter_and_from_python(
    commons: Commons, admin: Actor, community: Community, text: str
) -> None:
    with pytest.raises(ValidationError) as failed:
        commons.structure({"community_id": str(community.id), "household_no": text}, Household)
    assert [(p.path, p.code) for p in failed.value.problems] == [("household_no", "text.control")]
    assert "U+00" in failed.value.problems[0].en
    with commons.unit_of_work(admin) as uow, pytest.raises(ValidationError) as failed:
        uow.households.add(Household(community_id=community.id, household_no="1", address=text))
    assert [(p.path, p.code) for p in failed.value.problems] == [("address", "text.control")]


def test_tabs_and_line_breaks_inside_text_are_kept(
    commons: Commons, admin: Actor, community: Community
) -> None:
    with commons.unit_of_work(admin) as uow:
        home = uow.households.add(
            Household(community_id=community.id, household_no="1", address="一楼\r\n\t二号")
        )
    assert home.address == "一楼\r\n\t二号"


def test_text_longer_than_its_column_is_a_problem_on_both_databases(
    commons: Commons, admin: Actor, community: Community
) -> None:
    length = resident.c.name.type.length
    assert length
    with pytest.raises(ValidationError) as failed:
        commons.structure(
            {"community_id": str(community.id), "household_no": "1", "address": "路" * 1000},
            Household,
        )
    assert [p.code for p in failed.value.problems] == ["text.too_long"]
    with commons.unit_of_work(admin) as uow:
        home = uow.households.add(Household(community_id=community.id, household_no="0001"))
        with pytest.raises(ValidationError) as failed:
            uow.residents.add(person(community, home, name="名" * (length + 1)))
        assert [(p.path, p.code) for p in failed.value.problems] == [("name", "text.too_long")]
        assert f"at most {length} characters, got {length + 1}" in failed.value.problems[0].en
        stored = uow.residents.add(person(community, home, name="名" * length))
    assert len(stored.name) == length


def test_a_number_beyond_its_column_is_a_problem_not_a_database_error(
    commons: Commons, admin: Actor, community: Community
) -> None:
    with pytest.raises(ValidationError) as failed:
        commons.structure(
            {"community_id": str(community.id), "number": 99999999999}, ResidentsGroup
        )
    assert [(p.path, p.code) for p in failed.value.problems] == [("number", "number.range")]


def test_database_errors_do_not_carry_the_statements_values(commons: Commons) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with commons.engine.connect() as conn, pytest.raises(DBAPIError) as failed:
        conn.execute(text("SELECT * FROM no_such_table WHERE x = :secret"), {"secret": "SECRET-42"})
    assert "SECRET-42" not in str(failed.value)
