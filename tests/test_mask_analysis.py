"""The mask analysis of docs/access.md, computed over the whole demo for every demo role.

For each masked value a demo role reads, the candidates are the values that
(1) pass the SDK's own checks, (2) mask to what the role read, and (3) agree
with everything the role reads in clear about the same record (an ID number's
birth date and sex). An ID number's candidates are every area code an
attacker would try (stdnum's table of divisions, every period, and 830000)
times every sequence of the holder's sex, the check character following from
them; a mobile's are every valid 7-digit block times every subscriber
number, counted twice: over the whole country, and over the blocks of the
number's own region (an attacker who guesses where it was issued). Each axis
is counted by masking every value along it, and a property test shows the
masks depend on nothing else.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterator
from datetime import date
from importlib import resources
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonenumbers.geodata import GEOCODE_DATA
from sqlalchemy import select
from stdnum.cn import ric

from commons_core import Actor, Gender
from commons_core.access import WITHHELD
from commons_core.demo import DEMO_USERS
from commons_core.model import Sensitivity, sensitive_fields
from commons_core.services import Commons
from commons_core.services.users import UserService
from commons_core.testing import backend_params, loaded_demo
from commons_core.validation import RuleViolation, mask_id_number, mask_phone, normalize_phone

MIN_CANDIDATES = 1_000
EXISTENCE_IS_SENSITIVE = {
    "key_group_flag": Sensitivity.KEY_GROUP,
    "party_member": Sensitivity.POLITICAL,
}
"""Entities whose every record says something sensitive by existing at all."""


def _plugins() -> dict[str, object]:
    from commons_elderly_health import plugin as health
    from commons_love_supermarket import plugin as supermarket
    from commons_safety_patrol import plugin as patrol

    return {"love_supermarket": supermarket, "elderly_health": health, "safety_patrol": patrol}


@pytest.fixture(scope="module", params=backend_params())
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Commons]:
    with loaded_demo(request.param, tmp_path_factory.mktemp("analysis"), _plugins()) as commons:
        yield commons


# -- the candidate spaces -------------------------------------------------------------


@functools.cache
def known_areas() -> tuple[str, ...]:
    """Every area code of stdnum's table (any period), and 830000 (Taiwan residence permits)."""
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    codes, province = {"830000"}, ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith(" "):
            codes.add(province + line.split()[0])
        else:
            province = line.split()[0]
    return tuple(sorted(c for c in codes if len(c) == 6))


def _id(area: str, birth: str, sequence: int) -> str:
    body = f"{area}{birth}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


_ID_COUNTS: dict[tuple[str, bool], int] = {}


def id_candidates(masked: str, area: str, birth: str, male: bool) -> int:
    """Area codes times sequences of the holder's sex masking to ``masked`` (check: implied).

    Counted along each axis with this holder's other parts; kept per mask and sex, which is
    all the count depends on (the property tests below: the mask reads the first 2 only).
    """
    key = (masked, male)
    if key not in _ID_COUNTS:
        areas = sum(mask_id_number(_id(a, birth, int(male))) == masked for a in known_areas())
        sequences = sum(
            mask_id_number(_id(area, birth, s)) == masked
            for s in range(1000)
            if (s % 2 == 1) == male
        )
        _ID_COUNTS[key] = areas * sequences
    return _ID_COUNTS[key]


def _region(block: str) -> str:
    for length in range(7, 2, -1):
        found = GEOCODE_DATA.get("86" + block[:length])
        if found:
            return str(found.get("zh") or found.get("en"))
    return "?"


@functools.cache
def mobile_blocks() -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Valid 7-digit mobile blocks by mask, and by mask and region."""
    by_mask: Counter[str] = Counter()
    by_region: Counter[tuple[str, str]] = Counter()
    for n in range(10**6):
        block = f"1{n:06d}"
        try:
            normalize_phone(block + "0000")
        except RuleViolation:
            continue
        masked = mask_phone(block + "0000")
        by_mask[masked] += 1
        by_region[(masked, _region(block))] += 1
    return by_mask, by_region


_SUBSCRIBERS: dict[str, int] = {}


def phone_candidates(number: str, masked: str) -> tuple[int, int]:
    """Candidates over the country and over the number's own region (or exchange)."""
    if len(number) == 11 and number.startswith("1"):
        if masked not in _SUBSCRIBERS:  # the last 4 digits, counted once per mask
            _SUBSCRIBERS[masked] = sum(
                mask_phone(number[:7] + f"{s:04d}") == masked for s in range(10**4)
            )
        subscribers = _SUBSCRIBERS[masked]
        by_mask, by_region = mobile_blocks()
        return (
            by_mask[masked] * subscribers,
            by_region[(masked, _region(number[:7]))] * subscribers,
        )
    hidden = masked.count("*")  # a landline: its local number, first digit 2-9
    return 8 * 10 ** (hidden - 1), 10 ** (hidden - 4)  # exchange (first 3-4 digits) known


# -- what each role reads --------------------------------------------------------------


@attrs.frozen
class Seen:
    entity: str
    field: str
    kind: Sensitivity
    masked: Any
    clear: Any
    record: Any


def _key(table: Any, row: Any) -> tuple[Any, ...]:
    return tuple(getattr(row, c.name) for c in table.primary_key.columns)


def read_as(commons: Commons, actor: Actor) -> tuple[list[Seen], set[str], set[str]]:
    """Masked values the actor reads, clear text values they read, entities they list."""
    seen: list[Seen] = []
    clear_text: set[str] = set()
    listed: set[str] = set()
    with commons.unit_of_work(Actor.local_admin(), readonly=True) as admin:
        stored = {
            e.name: {_key(e.table, r): r for r in admin.connection.execute(select(e.table))}
            for e in commons.entities
            if sensitive_fields(e.model)
        }
    with commons.unit_of_work(actor, readonly=True) as uow:
        for entity in commons.entities:
            if not uow.can(f"{entity.name}:list"):
                continue
            listed.add(entity.name)
            sensitive = sensitive_fields(entity.model)
            for record in uow.repo(entity.model).iterate():
                for field in attrs.fields(entity.model):
                    value = getattr(record, field.name)
                    if field.name not in sensitive:
                        if isinstance(value, str):
                            clear_text.add(value)
                        continue
                    true = getattr(stored[entity.name][_key(entity.table, record)], field.name)
                    seen.append(
                        Seen(entity.name, field.name, sensitive[field.name], value, true, record)
                    )
    return seen, clear_text, listed


def _demo_actor(commons: Commons, username: str) -> Actor:
    with commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        return UserService(uow).get(username).actor()


@pytest.mark.parametrize(("username", "role"), DEMO_USERS)
def test_every_masked_value_leaves_a_thousand_candidates(
    demo: Commons, username: str, role: str, record_property: Any
) -> None:
    actor = _demo_actor(demo, username)
    seen, clear_text, listed = read_as(demo, actor)
    smallest: dict[str, int] = {}
    masks_of: dict[tuple[Sensitivity, Any], set[Any]] = {}
    for item in seen:
        if item.clear is None:
            assert item.masked is None, item
            continue
        masks_of.setdefault((item.kind, item.clear), set()).add(item.masked)
        # No field the role reads in clear holds the value itself.
        assert not (isinstance(item.clear, str) and item.clear in clear_text), item
        if item.kind is Sensitivity.IDENTITY:
            person = item.record
            birth = f"{person.birth_date:%Y%m%d}"
            count = id_candidates(item.masked, item.clear[:6], birth, person.gender is Gender.MALE)
            assert item.clear[6:14] == birth  # the birth date read in clear is the number's
            smallest["identity"] = min(smallest.get("identity", count), count)
        elif item.kind is Sensitivity.CONTACT:
            country, region = phone_candidates(item.clear, item.masked)
            smallest["contact (country)"] = min(smallest.get("contact (country)", country), country)
            smallest["contact (region)"] = min(smallest.get("contact (region)", region), region)
        else:
            # Withheld: one form for every value, so nothing but presence shows.
            assert item.masked in (None, WITHHELD), item
    # Copies of one value in several records (a resident's phone as a health file's contact
    # phone, a staff member's as a resident's) mask alike: joining them adds nothing.
    assert all(len(masks) == 1 for masks in masks_of.values())
    for entity, kind in EXISTENCE_IS_SENSITIVE.items():
        if entity in listed:
            assert demo.access.allows(actor, kind.permission), (role, entity)
    record_property("smallest", smallest)
    print(f"{role}: {smallest}")
    assert all(count >= MIN_CANDIDATES for count in smallest.values()), smallest
    if role not in ("administrator", "auditor"):
        assert seen, "the role reads masked values"


# -- the masks depend on what they show, nothing else ----------------------------------

ids = st.builds(
    _id,
    st.sampled_from(known_areas()),
    st.dates(date(1900, 1, 1), date(2025, 12, 31)).map(lambda d: f"{d:%Y%m%d}"),
    st.integers(0, 999),
)


@given(number=ids, position=st.integers(2, 17), digit=st.sampled_from("0123456789X"))
def test_an_id_mask_depends_on_the_province_part_only(
    number: str, position: int, digit: str
) -> None:
    changed = number[:position] + digit + number[position + 1 :]
    assert mask_id_number(changed) == mask_id_number(number)


@given(
    number=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    position=st.integers(3, 10),
    digit=st.sampled_from("0123456789"),
)
def test_a_mobile_mask_depends_on_the_network_only(number: str, position: int, digit: str) -> None:
    changed = number[:position] + digit + number[position + 1 :]
    assert mask_phone(changed) == mask_phone(number)


@given(
    area=st.sampled_from(["010", "021", "0731", "0991"]),
    local=st.from_regex(r"[2-8][0-9]{6,7}", fullmatch=True),
    position=st.integers(0, 6),
    digit=st.sampled_from("0123456789"),
)
def test_a_landline_mask_depends_on_the_area_code_only(
    area: str, local: str, position: int, digit: str
) -> None:
    changed = local[:position] + digit + local[position + 1 :]
    assert mask_phone(f"{area}-{changed}") == mask_phone(f"{area}-{local}")


def test_the_old_masks_would_have_failed() -> None:
    """The analysis itself: first 6 and last 4 of an ID left one candidate given the birth date."""
    number = _id("110105", "19491231", 2)

    def old(value: str) -> str:
        return value[:6] + "*" * 8 + value[-4:]

    same = [s for s in range(0, 1000, 2) if old(_id("110105", "19491231", s)) == old(number)]
    assert same == [2]
