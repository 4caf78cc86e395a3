"""The core model's rules, contributed like any plugin's through ``commons_validation_rules``."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from commons_core.errors import Problem
from commons_core.model import (
    Community,
    Household,
    HouseholdRegistration,
    OpeningHours,
    PartnerUnit,
    PartyMember,
    RelationToHead,
    Resident,
    ResidentStatus,
    Seat,
    ServicePoint,
    Staff,
)

from .credit_code import check_credit_code
from .date_rules import date_range, not_in_future
from .identity import check_id_number, id_number_facts
from .phone import check_phone
from .rules import FieldRule, ObjectRule, Rule, RuleContext, RuleViolation

__all__ = ["core_rules"]


def _positive(value: Any) -> Any:
    if isinstance(value, int | Decimal) and value <= 0:
        raise RuleViolation("number.positive", "应大于0", "must be greater than 0")
    return value


def _resident_rules(resident: Resident, _context: RuleContext) -> Iterator[Problem]:
    if resident.id_number is not None and "*" not in resident.id_number:
        facts = id_number_facts(resident.id_number)
        if facts.birth_date != resident.birth_date:
            yield Problem(
                "id_number",
                resident.id_number,
                "id_number.birth_date_mismatch",
                f"号码中的出生日期 {facts.birth_date} 与出生日期 {resident.birth_date} 不一致",
                f"birth date in the number ({facts.birth_date}) differs from birth date"
                f" ({resident.birth_date})",
            )
        if facts.gender is not resident.gender:
            yield Problem(
                "id_number",
                resident.id_number,
                "id_number.gender_mismatch",
                f"号码中的性别({facts.gender.zh})与性别({resident.gender.zh})不一致",
                f"sex in the number ({facts.gender.en}) differs from gender ({resident.gender.en})",
            )
    if resident.status is ResidentStatus.ACTIVE and resident.left_on is not None:
        yield Problem(
            "left_on",
            resident.left_on,
            "resident.left_on_active",
            "在册居民不应有迁出或死亡日期",
            "an active resident has no move-out or death date",
        )


def _registration_rules(reg: HouseholdRegistration, _context: RuleContext) -> Iterator[Problem]:
    heads = [i for i, m in enumerate(reg.members) if m.relation_to_head is RelationToHead.HEAD]
    if len(heads) != 1:
        yield Problem(
            "members",
            len(heads),
            "household.head_count",
            f"每户必须有且只有一位户主,现有{len(heads)}位",
            f"a household has exactly one head; found {len(heads)}",
        )
    seen: dict[str, int] = {}
    for i, member in enumerate(reg.members):
        if member.household_id not in (None, reg.household.id):
            yield Problem(
                f"members[{i}].household_id",
                member.household_id,
                "household.member_elsewhere",
                "成员属于另一户",
                "member belongs to another household",
            )
        if member.community_id != reg.household.community_id:
            yield Problem(
                f"members[{i}].community_id",
                member.community_id,
                "household.member_community",
                "成员与户不在同一社区",
                "member is not in the household's community",
            )
        if member.id_number:
            if member.id_number in seen:
                yield Problem(
                    f"members[{i}].id_number",
                    member.id_number,
                    "id_number.duplicate",
                    f"与第{seen[member.id_number] + 1}位成员身份证号重复",
                    f"same ID number as member {seen[member.id_number] + 1}",
                )
            seen.setdefault(member.id_number, i)


def _household_rules(household: Household, _context: RuleContext) -> Iterator[Problem]:
    if not household.household_no.strip():
        yield Problem(
            "household_no",
            household.household_no,
            "required",
            "户号不能为空",
            "household number is required",
        )


def _party_member_rules(member: PartyMember, _context: RuleContext) -> Iterator[Problem]:
    if member.resident_id is None and not member.floating:
        yield Problem(
            "resident_id",
            None,
            "party_member.resident_or_floating",
            "党员应为本社区居民,否则须标记为流动党员",
            "a party member must be a resident of the community or flagged as floating",
        )
    if member.star_rating is not None and not 0 <= member.star_rating <= 10:
        yield Problem(
            "star_rating",
            member.star_rating,
            "party_member.star_rating",
            "星级应在0到10之间",
            "star rating must be between 0 and 10",
        )


def _opening_hours_rules(hours: OpeningHours, _context: RuleContext) -> Iterator[Problem]:
    if hours.closes <= hours.opens:
        yield Problem(
            "closes",
            hours.closes.isoformat("minutes"),
            "opening_hours.order",
            f"结束时间应晚于开始时间 {hours.opens:%H:%M}",
            f"closing time must be after opening time ({hours.opens:%H:%M})",
        )
    bad = sorted(d for d in hours.weekdays if not 1 <= d <= 7)
    if bad or not hours.weekdays:
        yield Problem(
            "weekdays",
            sorted(hours.weekdays),
            "opening_hours.weekdays",
            "星期应为1(周一)到7(周日),且至少一天",
            "weekdays are 1 (Monday) to 7 (Sunday), at least one",
        )


def core_rules() -> list[Rule]:
    """Every field and object rule of the core model."""
    return [
        FieldRule(Resident, "id_number", check_id_number),
        FieldRule(Resident, "phone", check_phone),
        FieldRule(Staff, "phone", check_phone),
        FieldRule(PartnerUnit, "credit_code", check_credit_code),
        FieldRule(PartnerUnit, "contact_phone", check_phone),
        FieldRule(ServicePoint, "phone", check_phone),
        FieldRule(Community, "area_km2", _positive),
        FieldRule(Community, "office_area_m2", _positive),
        FieldRule(Community, "activity_area_m2", _positive),
        not_in_future(Resident, "birth_date", code="birth_date.future"),
        ObjectRule(Resident, "resident", _resident_rules),
        date_range(Resident, "birth_date", "moved_in_on", code="resident.moved_in_before_birth"),
        ObjectRule(Household, "household", _household_rules),
        ObjectRule(HouseholdRegistration, "household_registration", _registration_rules),
        date_range(Seat, "term_start", "term_end", strict=True, code="seat.term_order"),
        ObjectRule(PartyMember, "party_member", _party_member_rules),
        ObjectRule(OpeningHours, "opening_hours", _opening_hours_rules),
    ]
