"""The core's fast paths for bulk structuring give exactly what the general paths give."""

from __future__ import annotations

import random
from datetime import date

import phonenumbers
import pytest
from phonenumbers import PhoneNumberType

from commons_core.errors import ValidationError
from commons_core.model import Ethnicity, Gender, RelationToHead, Resident
from commons_core.services import Commons
from commons_core.validation import RuleViolation, normalize_phone


def _phonenumbers_verdict(number: str) -> bool:
    parsed = phonenumbers.PhoneNumber(country_code=86, national_number=int(number))
    return bool(
        phonenumbers.is_valid_number(parsed)
        and phonenumbers.number_type(parsed) == PhoneNumberType.MOBILE
    )


def test_mobile_verdict_cached_by_prefix_agrees_with_phonenumbers() -> None:
    """The cache key (5 digits) must decide validity: checked on 20,000 random numbers."""
    rng = random.Random(5)
    for _ in range(20_000):
        number = "1" + "".join(str(rng.randrange(10)) for _ in range(10))
        try:
            normalize_phone(number)
            cached = True
        except RuleViolation:
            cached = False
        assert cached == _phonenumbers_verdict(number), number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1990-01-05", date(1990, 1, 5)),
        ("1990-1-5", date(1990, 1, 5)),
        ("19900105", date(1990, 1, 5)),
        ("1990/01/05", date(1990, 1, 5)),
        ("１９９０-01-05", date(1990, 1, 5)),
        ("1990-02-30", None),
        ("1990-13-01", None),
        ("199O-01-05", None),
    ],
)
def test_dates_parse_the_same_on_the_fast_path(
    commons: Commons, text: str, expected: date | None
) -> None:
    data = {
        "community_id": "00000000-0000-4000-8000-000000000001",
        "name": "张三",
        "gender": "女",
        "birth_date": text,
        "relation_to_head": "户主",
        "ethnicity": "汉",
    }
    if expected is None:
        with pytest.raises(ValidationError) as caught:
            commons.structure(data, Resident)
        assert caught.value.problems[0].path == "birth_date"
        return
    person = commons.structure(data, Resident)
    assert person.birth_date == expected
    assert (person.gender, person.relation_to_head, person.ethnicity) == (
        Gender.FEMALE,
        RelationToHead.HEAD,
        Ethnicity.HAN,
    )


@pytest.mark.parametrize("text", ["男", "male", "MALE", " Male ", "Male"])
def test_enum_parse_accepts_every_spelling(text: str) -> None:
    assert Gender.parse(text) is Gender.MALE


def test_bulk_collection_restores_the_collector_and_still_collects_cycles() -> None:
    import gc
    import weakref

    from commons_core.io.collector import BULK_THRESHOLD, bulk_collection

    before = gc.get_threshold()

    class Node:
        pass

    with bulk_collection():
        assert gc.get_threshold()[0] >= BULK_THRESHOLD
        assert gc.get_freeze_count() > 0
        cycle = Node()
        cycle.self = cycle  # type: ignore[attr-defined]
        alive = weakref.ref(cycle)
        del cycle
        gc.collect()
        assert alive() is None
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
