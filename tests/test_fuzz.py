"""Random and malformed input never escapes as anything but the SDK's ValidationError.

Every public structuring and validation entry point gets at least 10,000
examples (``COMMONS_FUZZ_EXAMPLES`` overrides the number).
"""

from __future__ import annotations

import os
import string
from collections.abc import Callable
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
# Each Hypothesis example is a batch of inputs: generating one input costs far more
# than checking it, and the batch still shrinks to the failing input.
BATCH = 50


def shaped_like(cls: type) -> st.SearchStrategy[Any]:
    """Dictionaries whose keys are mostly the model's own fields, so the field hooks run."""
    names = [f.name for f in attrs.fields(cls)]
    value = (
        scalars
        | st.lists(scalars, max_size=3)
        | st.lists(st.dictionaries(st.sampled_from(names), scalars, max_size=6), max_size=3)
    )
    return st.dictionaries(
        st.sampled_from(names) | st.text(max_size=6), value, max_size=len(names) + 2
    )


def batches(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    return st.lists(strategy, min_size=BATCH, max_size=BATCH)


FUZZ = settings(
    max_examples=max(EXAMPLES // BATCH, 1),
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

    @FUZZ
    @given(batch=batches(shaped_like(cls) | nested))
    def run(batch: list[Any]) -> None:
        nonlocal tried
        for data in batch:
            tried += 1
            structure_never_escapes(cls, data)

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
    values = (st.text(max_size=30) | digits_and_noise) if text_only else scalars
    tried = 0

    @FUZZ
    @given(batch=batches(values))
    def run(batch: list[Any]) -> None:
        nonlocal tried
        for value in batch:
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

    @FUZZ
    @given(batch=batches(st.one_of([st.builds(m) for m in MODELS])))
    def run(batch: list[Any]) -> None:
        nonlocal tried
        for obj in batch:
            tried += 1
            COMMONS.codec.rules.prepare(obj)

    run()
    assert tried >= EXAMPLES
