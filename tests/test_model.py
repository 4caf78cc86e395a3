"""The domain model: labels on every field, enums, derived rules."""

from __future__ import annotations

import attrs
import pytest

from commons_core import model
from commons_core.model import (
    Ethnicity,
    LabeledEnum,
    PartyBranchLevel,
    Sensitivity,
    field_info,
    model_label,
    sensitive_fields,
)

from .samples import every_sample

MODEL_CLASSES = sorted(
    (
        obj
        for obj in vars(model).values()
        if isinstance(obj, type) and attrs.has(obj) and hasattr(obj, "LABEL")
    ),
    key=lambda cls: cls.__name__,
)


def test_every_core_entity_is_modelled() -> None:
    names = {cls.__name__ for cls in MODEL_CLASSES}
    expected = {
        "Community",
        "ResidentsGroup",
        "Compound",
        "Building",
        "GridZone",
        "Household",
        "Resident",
        "PartyBranch",
        "PartyMember",
        "Committee",
        "Seat",
        "PartnerUnit",
        "ServicePoint",
        "OpeningHours",
        "Staff",
        "KeyGroupFlag",
        "LifeEvent",
        "StreetOffice",
    }
    assert expected <= names


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda c: c.__name__)
def test_every_field_has_chinese_and_english_labels(cls: type) -> None:
    label = model_label(cls)
    assert label.zh and label.en
    for field in attrs.fields(cls):
        info = field_info(field)
        assert info.label.zh.strip() and info.label.en.strip(), field.name


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda c: c.__name__)
def test_models_are_frozen(cls: type) -> None:
    assert attrs.fields(cls)  # attrs class
    sample = next((s for s in every_sample() if type(s) is cls), None)
    if sample is None:
        pytest.skip(f"no sample of {cls.__name__} (base class)")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(sample, attrs.fields(cls)[0].name, None)


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda c: c.__name__)
def test_sensitive_fields_that_are_not_text_can_be_withheld(cls: type) -> None:
    hints = __import__("typing").get_type_hints(cls)
    for name in sensitive_fields(cls):
        hint = hints[name]
        assert hint is str or type(None) in getattr(hint, "__args__", ()), (
            f"{cls.__name__}.{name} is sensitive: it must be text or optional so it can be masked"
        )


def test_declared_sensitive_fields() -> None:
    assert sensitive_fields(model.Resident) == {
        "id_number": Sensitivity.IDENTITY,
        "phone": Sensitivity.CONTACT,
    }
    assert sensitive_fields(model.Household) == {"statuses": Sensitivity.ASSISTANCE}
    assert sensitive_fields(model.PartyMember) == {"resident_id": Sensitivity.POLITICAL}
    assert set(sensitive_fields(model.KeyGroupFlag)) == {"category", "note"}


def test_the_56_ethnic_groups() -> None:
    assert len(Ethnicity) == 56
    assert [e.code for e in Ethnicity] == [f"{i:02d}" for i in range(1, 57)]
    assert all(e.zh.endswith("族") for e in Ethnicity)
    assert len({e.letters for e in Ethnicity}) == 56
    assert Ethnicity.parse("维吾尔") is Ethnicity.UYGUR
    assert Ethnicity.parse("05") is Ethnicity.UYGUR
    assert Ethnicity.parse("UG") is Ethnicity.UYGUR
    assert not Ethnicity.HAN.is_minority and Ethnicity.HUI.is_minority


def test_labeled_enums_parse_value_chinese_and_english() -> None:
    for cls in LabeledEnum.__subclasses__():
        for member in cls:
            assert cls.parse(member.value) is member
            assert cls.parse(member.zh) is member
            assert cls.parse(f" {member.en.upper()} ") is member
    with pytest.raises(ValueError, match="nonsense"):
        model.Gender.parse("nonsense")


@pytest.mark.parametrize(
    ("members", "level"),
    [
        (0, PartyBranchLevel.BRANCH),
        (49, PartyBranchLevel.BRANCH),
        (50, PartyBranchLevel.GENERAL_BRANCH),
        (99, PartyBranchLevel.GENERAL_BRANCH),
        (100, PartyBranchLevel.COMMITTEE),
        (146, PartyBranchLevel.COMMITTEE),
    ],
)
def test_party_branch_level_follows_size(members: int, level: PartyBranchLevel) -> None:
    assert PartyBranchLevel.for_members(members) is level


def test_age_on() -> None:

    resident = next(s for s in every_sample() if isinstance(s, model.Resident))
    born = resident.birth_date
    assert resident.age_on(born.replace(year=born.year + 60)) == 60
