"""Sets become sorted lists in JSON whether or not their annotation is known.

The audit trail unstructures field values by their runtime class (a bare
``frozenset``), so a set field that is not sensitive (a plugin's weekdays)
must unstructure the same way as an annotated ``frozenset[X]``.
"""

from __future__ import annotations

import json

from commons_core import Gender, HouseholdStatus
from commons_core.serialization import make_converter
from commons_core.validation import RuleSet


def test_a_bare_set_unstructures_to_a_sorted_list() -> None:
    converter = make_converter(RuleSet([]))
    value = frozenset({Gender.MALE, Gender.FEMALE})
    assert converter.unstructure(value) == ["female", "male"]
    assert converter.unstructure(value, frozenset[Gender]) == ["female", "male"]
    assert json.dumps(converter.unstructure({HouseholdStatus.HARDSHIP})) == '["hardship"]'
