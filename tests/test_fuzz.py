"""Random and malformed input never escapes as anything but the SDK's ValidationError.

Every public structuring and validation entry point gets at least 10,000
examples (``COMMONS_FUZZ_EXAMPLES`` overrides the number).
"""

from __future__ import annotations

import os
import string
from collections.abc import Callable
from random import Random
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commons_core.errors import ValidationError
from commons_core.model import HouseholdRegistration, OpeningHours
from commons_core.plugins import make_plugin_host
from commons_core.services import Commons
from commons_core.storage.engine import make_engine
from commons_core.validation import (
    RuleViolation,
    check_credit_code,
    check_phone,
    id_number_facts,
    normalize_id_number,
    normalize_phone,
)
from commons_core.validation.identity import check_id_number

EXAMPLES = int(os.environ.get("COMMONS_FUZZ_EXAMPLES", "10000"))

COMMONS = Commons(make_engine("sqlite://"), make_plugin_host())
MODELS = sorted(
    {e.model for e in COMMONS.entities} | {HouseholdRegistration, OpeningHours},
    key=lambda c: c.__name__,
)

digits_and_noise = st.text(
    alphabet=string.digits + "xX -+()/１２３４５６７８９０Ｘ\u3000", max_size=24
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True, width=32)
    | st.text(max_size=12)
    | digits_and_noise
    | st.sampled_from(
        [
            "男",
            "女",
            "汉族",
            "05",
            "低保,困难",
            "2024-02-30",
            "1949-12-31",
            "09:30",
            "00000000-0000-0000-0000-000000000000",
            "户主",
            "head",
            "-1",
            "1e9999",
        ]
    )
)
nested = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=3,
)
# Each Hypothesis example is a seed input plus a seeded random generator that
# mutates it into VARIANTS inputs: generating an input with Hypothesis costs far
# more than checking it, and a failure still shrinks to (seed input, seed).
VARIANTS = 100
NASTY: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2**64,
    1.5,
    float("nan"),
    float("inf"),
    "",
    " ",
    "x" * 300,
    "男",
    "女",
    "1949-13-01",
    "2024-02-29",
    "１２３",
    "\x00",
    [],
    {},
    [None],
    {"a": 1},
    "00000000-0000-0000-0000-000000000000",
    "25:61",
    "1e9999",
    "低保,困难,,",
    "户主",
    "11010519491231002X",
    "11010519491231002Y",
    "+86 138 1234 5678",
    "０１０-６２３４５６７８",
]
ALPHABET = string.digits + "xX -+/.:年月日１２３Ｘ\u3000é汉" + string.ascii_letters


def mutate_dict(base: dict[str, Any], rnd: Random, names: list[str]) -> Any:
    data: Any = dict(base)
    for _ in range(rnd.randint(1, 4)):
        roll = rnd.random()
        key = rnd.choice(names)
        if roll < 0.55:
            data[key] = rnd.choice([*NASTY, *base.values()]) if base else rnd.choice(NASTY)
        elif roll < 0.7:
            data.pop(key, None)
        elif roll < 0.8:
            data[rnd.choice(["x", "", "名字", key.upper()])] = rnd.choice(NASTY)
        elif roll < 0.93:
            data[key] = [data.get(key), rnd.choice(NASTY)]
        else:
            return rnd.choice([[data], None, "text", 3, [base, base]])
    return data


def mutate_text(base: str, rnd: Random) -> str:
    chars = list(base)
    for _ in range(rnd.randint(1, 3)):
        roll = rnd.random()
        position = rnd.randint(0, len(chars))
        if roll < 0.4 or not chars:
            chars.insert(position, rnd.choice(ALPHABET))
        elif roll < 0.7:
            del chars[min(position, len(chars) - 1)]
        else:
            chars[min(position, len(chars) - 1)] = rnd.choice(ALPHABET)
    return "".join(chars)


def shaped_like(cls: type) -> st.SearchStrategy[dict[str, Any]]:
    """Dictionaries whose keys are mostly the model's own fields, so the field hooks run."""
    names = [f.name for f in attrs.fields(cls)]
    value = (
        scalars
        | st.lists(scalars, max_size=2)
        | st.lists(st.dictionaries(st.sampled_from(names), scalars, max_size=4), max_size=2)
    )
    return st.dictionaries(
        st.sampled_from(names) | st.text(max_size=6), value, max_size=len(names) + 2
    )


FUZZ = settings(
    max_examples=max(EXAMPLES // VARIANTS, 1),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


def structure_never_escapes(cls: type, data: Any) -> None:
    try:
        COMMONS.structure(data, cls)
    except ValidationError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.zh and problem.en and problem.code


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_structuring_any_model(cls: type) -> None:
    tried = 0
    names = [f.name for f in attrs.fields(cls)]

    @FUZZ
    @given(base=shaped_like(cls), odd=nested, rnd=st.randoms(use_true_random=False))
    def run(base: dict[str, Any], odd: Any, rnd: Random) -> None:
        nonlocal tried
        structure_never_escapes(cls, odd)
        for _ in range(VARIANTS):
            tried += 1
            structure_never_escapes(cls, mutate_dict(base, rnd, names))

    run()
    assert tried >= EXAMPLES


CHECKS: dict[str, Callable[[Any], Any]] = {
    "check_id_number": check_id_number,
    "id_number_facts": id_number_facts,
    "normalize_id_number": normalize_id_number,
    "check_phone": check_phone,
    "normalize_phone": normalize_phone,
    "check_credit_code": check_credit_code,
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_field_checks(name: str) -> None:
    check = CHECKS[name]
    text_only = name.startswith(("normalize", "id_number_facts"))
    tried = 0

    @FUZZ
    @given(
        base=st.sampled_from([v for v in NASTY if isinstance(v, str)]) | digits_and_noise,
        other=st.just("") if text_only else scalars,
        rnd=st.randoms(use_true_random=False),
    )
    def run(base: str, other: Any, rnd: Random) -> None:
        nonlocal tried
        values: list[Any] = [mutate_text(base, rnd) for _ in range(VARIANTS)]
        if not text_only:
            values[0] = other
        for value in values:
            tried += 1
            try:
                check(value)
            except RuleViolation as violation:
                assert violation.code and violation.zh and violation.en

    run()
    assert tried >= EXAMPLES


def test_rules_on_objects_built_in_python() -> None:
    """Objects of every model built directly (not structured) go through ``prepare``."""
    tried = 0
    for model in MODELS:
        attrs.resolve_types(model)

    @settings(FUZZ, max_examples=max(EXAMPLES // 20, 1))
    @given(batch=st.lists(st.one_of([st.builds(m) for m in MODELS]), min_size=20, max_size=20))
    def run(batch: list[Any]) -> None:
        nonlocal tried
        for obj in batch:
            tried += 1
            COMMONS.codec.rules.prepare(obj)

    run()
    assert tried >= EXAMPLES
