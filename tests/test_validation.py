"""Validation rules: ID numbers (GB 11643), phones, credit codes, cross-field rules."""

from __future__ import annotations

import uuid
from datetime import date, time

import pytest
from stdnum.cn import ric

from commons_core.errors import Problem, ValidationError
from commons_core.model import (
    Community,
    Gender,
    Household,
    HouseholdRegistration,
    OpeningHours,
    PartyMember,
    RelationToHead,
    Resident,
    Seat,
)
from commons_core.services import Commons
from commons_core.validation import (
    RuleSet,
    RuleViolation,
    check_credit_code,
    id_number_facts,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_phone,
)
from commons_core.validation.core_rules import core_rules

# The example numbers of GB 11643-1999 (appendix): a woman born 1949-12-31 in 北京朝阳区,
# and the same area's example with check digit 4.
GB_EXAMPLES = {
    "11010519491231002X": (date(1949, 12, 31), Gender.FEMALE),
    "440524188001010014": (date(1880, 1, 1), Gender.MALE),
}
RULES = RuleSet(core_rules())
COMMUNITY = uuid.uuid4()


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


@pytest.mark.parametrize(("number", "facts"), GB_EXAMPLES.items())
def test_gb_11643_examples_are_valid(number: str, facts: tuple[date, Gender]) -> None:
    found = id_number_facts(number)
    assert (found.birth_date, found.gender) == facts
    assert found.number == number


@pytest.mark.parametrize("number", GB_EXAMPLES)
def test_every_wrong_check_digit_is_refused(number: str) -> None:
    wrong = [c for c in "0123456789X" if c != number[-1]]
    for digit in wrong:
        with pytest.raises(RuleViolation) as caught:
            id_number_facts(number[:-1] + digit)
        assert caught.value.code == "id_number.check_digit"
        assert caught.value.zh == "校验码错误"
        assert caught.value.en == "check digit is wrong"


@pytest.mark.parametrize(
    "text",
    [
        "11010519491231002x",
        " 110105 19491231 002X ",
        "１１０１０５１９４９１２３１００２Ｘ",
        "110105-19491231-002x",
    ],
)
def test_id_numbers_are_normalised(text: str) -> None:
    assert normalize_id_number(text) == "11010519491231002X"


def test_fifteen_digit_numbers_are_upgraded() -> None:
    assert normalize_id_number("110105491231002") == "11010519491231002X"
    assert id_number_facts("110105491231002").birth_date == date(1949, 12, 31)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1101051949123100", "id_number.length"),
        ("11010519491231002XX", "id_number.length"),
        ("1101051949123100AX", "id_number.format"),
        ("11010519491231002Y", "id_number.format"),
        ("11010A491231002", "id_number.format"),
        ("999999194912310020", "id_number.area_code"),
        ("000000194912310020", "id_number.area_code"),
        ("110105194913310020", "id_number.birth_date"),
        ("110105299901010010", "id_number.birth_date"),
    ],
)
def test_malformed_id_numbers(text: str, code: str) -> None:
    body = text[:17]
    if code in ("id_number.area_code", "id_number.birth_date") and len(text) == 18:
        text = body + ric.calc_check_digit(body + "0")
    with pytest.raises(RuleViolation) as caught:
        id_number_facts(text)
    assert caught.value.code == code


def _with_check(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


@pytest.mark.parametrize(
    "area",
    [
        "110103",  # 崇文区, merged into 东城区 in 2010 (stdnum: [-2010])
        "110104",  # 宣武区, merged into 西城区 in 2010
        "110110",  # 燕山区, until 1986
        "310103",  # 卢湾区 of 上海, merged into 黄浦区 in 2011
        "310108",  # 闸北区, merged into 静安区 in 2015
        "810000",  # Hong Kong residents' residence permits
        "830000",  # Taiwan residents' residence permits (not in stdnum's table)
        "110199",  # unknown to stdnum's table, under a real province: accepted
        "659999",
    ],
)
def test_an_area_code_is_valid_for_life_under_a_real_province(area: str) -> None:
    number = _with_check(f"{area}19800101001")
    assert id_number_facts(number).number == number


@pytest.mark.parametrize("province", ["00", "10", "16", "20", "39", "66", "70", "80", "84", "99"])
def test_an_area_code_under_no_province_is_refused(province: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        id_number_facts(_with_check(f"{province}010519800101001"))
    assert caught.value.code == "id_number.area_code"
    assert province in caught.value.zh and province in caught.value.en


def test_id_number_mask_shows_the_province_part_only() -> None:
    assert mask_id_number("11010519491231002X") == "11****************"
    # One area code per province part: showing the part would show the whole code.
    for area in ("710000", "810000", "820000", "830000"):
        assert mask_id_number(_with_check(f"{area}19800101001")) == "*" * 18
    # Nothing that is not an 18-character number shows a character.
    assert mask_id_number("1101051949") == "*" * 10
    assert mask_id_number("99010519491231002X") == "*" * 18


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("0086-138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("010-62345678", "010-62345678"),
        ("(0991) 234 5678", "0991-2345678"),
    ],
)
def test_valid_phones_are_normalised(text: str, stored: str) -> None:
    assert normalize_phone(text) == stored


@pytest.mark.parametrize("text", ["12345", "12012345678", "+1 650 253 0000", "abc", "0000-1234567"])
def test_invalid_phones(text: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        normalize_phone(text)
    assert caught.value.code == "phone.invalid"


def test_phone_mask_shows_the_network_or_the_area_code_only() -> None:
    assert mask_phone("13812345678") == "138********"
    assert mask_phone("010-62345678") == "010-********"
    assert mask_phone("0991-2345678") == "0991-*******"
    # Other shapes are masked whole, a hyphen included.
    assert mask_phone("1381234567X") == "*" * 11
    assert mask_phone("abc-1234") == "*" * 8
    assert mask_phone("1-2") == "***"


def test_credit_codes() -> None:
    assert check_credit_code("91350100M000100Y43") == "91350100M000100Y43"
    with pytest.raises(RuleViolation) as caught:
        check_credit_code("91350100M000100Y44")
    assert caught.value.code == "credit_code.check_digit"
    with pytest.raises(RuleViolation) as caught:
        check_credit_code("91350100M000100")
    assert caught.value.code == "credit_code.length"


def resident(**changes: object) -> Resident:
    values: dict[str, object] = {
        "community_id": COMMUNITY,
        "name": "王芳",
        "gender": Gender.FEMALE,
        "birth_date": date(1949, 12, 31),
        "id_number": "11010519491231002X",
    }
    values.update(changes)
    return Resident(**values)  # type: ignore[arg-type]


def test_id_number_must_agree_with_birth_date_and_gender() -> None:
    _, problems = RULES.prepare(resident(gender=Gender.MALE, birth_date=date(1950, 1, 1)))
    assert sorted(codes(problems)) == ["id_number.birth_date_mismatch", "id_number.gender_mismatch"]
    assert all(p.path == "id_number" for p in problems)


def test_prepare_normalises_fields() -> None:
    ready, problems = RULES.prepare(
        resident(id_number="11010519491231002x", phone="+8613812345678")
    )
    assert problems == []
    assert (ready.id_number, ready.phone) == ("11010519491231002X", "13812345678")


def registration(*relations: RelationToHead) -> HouseholdRegistration:
    household = Household(community_id=COMMUNITY, household_no="A-1")
    members = tuple(resident(id_number=None, relation_to_head=r) for r in relations)
    return HouseholdRegistration(household=household, members=members)


@pytest.mark.parametrize(
    "relations",
    [(), (RelationToHead.SPOUSE,), (RelationToHead.HEAD, RelationToHead.HEAD)],
)
def test_a_household_has_exactly_one_head(relations: tuple[RelationToHead, ...]) -> None:
    _, problems = RULES.prepare(registration(*relations))
    assert codes(problems) == ["household.head_count"]
    assert problems[0].path == "members"


def test_one_head_is_fine() -> None:
    _, problems = RULES.prepare(registration(RelationToHead.HEAD, RelationToHead.CHILD))
    assert problems == []


def test_problems_in_members_name_their_path_and_are_all_collected() -> None:
    bad = registration(RelationToHead.HEAD, RelationToHead.CHILD, RelationToHead.CHILD)
    members = list(bad.members)
    members[2] = resident(
        id_number="11010519491231002Y", phone="123", relation_to_head=RelationToHead.CHILD
    )
    _, problems = RULES.prepare(
        HouseholdRegistration(household=bad.household, members=tuple(members))
    )
    messages = [str(p) for p in problems]
    assert (
        "members[2].id_number: 格式错误:前17位应为数字,末位为数字或X"
        " / wrong format: 17 digits followed by a digit or X" in messages
    )
    assert any(m.startswith("members[2].phone: ") for m in messages)
    assert len(problems) == 2


def test_wrong_check_digit_message_matches_the_documented_form() -> None:
    bad = registration(RelationToHead.HEAD, RelationToHead.CHILD, RelationToHead.CHILD)
    members = list(bad.members)
    members[2] = resident(id_number="110105194912310021", relation_to_head=RelationToHead.CHILD)
    _, problems = RULES.prepare(
        HouseholdRegistration(household=bad.household, members=tuple(members))
    )
    assert [str(p) for p in problems] == ["members[2].id_number: 校验码错误 / check digit is wrong"]
    assert problems[0].value == "110105194912310021"


def test_seat_term_end_after_start() -> None:
    seat = Seat(
        community_id=COMMUNITY,
        committee_id=uuid.uuid4(),
        holder_name="李明",
        role="主任",
        term_start=date(2024, 6, 1),
        term_end=date(2024, 6, 1),
    )
    _, problems = RULES.prepare(seat)
    assert codes(problems) == ["seat.term_order"]


def test_party_member_is_a_resident_or_floating() -> None:
    member = PartyMember(community_id=COMMUNITY, branch_id=uuid.uuid4(), name="赵强")
    _, problems = RULES.prepare(member)
    assert codes(problems) == ["party_member.resident_or_floating"]
    import attrs

    _, problems = RULES.prepare(attrs.evolve(member, floating=True))
    assert problems == []


def test_opening_hours_must_close_after_opening() -> None:
    hours = OpeningHours(weekdays=frozenset({1, 8}), opens=time(20), closes=time(13, 30))
    _, problems = RULES.prepare(hours)
    assert sorted(codes(problems)) == ["opening_hours.order", "opening_hours.weekdays"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("birth_date", "0001-01-01"), ("birth_date", "1899-12-31"), ("moved_in_on", "9999-12-31")],
)
def test_days_outside_the_sdks_calendar_are_a_field_problem(
    commons: Commons, field: str, value: str
) -> None:
    """Stored days stay where the SDK can compute with them (ages, periods): no overflow later."""
    data = {
        "community_id": str(uuid.uuid4()),
        "name": "张三",
        "gender": "男",
        "birth_date": "1980-01-01",
        field: value,
    }
    with pytest.raises(ValidationError) as refused:
        commons.structure(data, Resident)
    assert [(p.path, p.code) for p in refused.value.problems] == [(field, "date.range")]
    assert "1900-01-01" in refused.value.problems[0].en


def test_the_calendars_own_ends_are_accepted(commons: Commons) -> None:
    data = {"community_id": str(uuid.uuid4()), "name": "张三", "gender": "男"}
    person = commons.structure({**data, "birth_date": "1900-01-01"}, Resident)
    assert person.birth_date == date(1900, 1, 1)
    place = commons.structure({"name": "新社区", "founded_on": "2100-12-31"}, Community)
    assert place.founded_on == date(2100, 12, 31)
