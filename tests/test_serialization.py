"""The converter: JSON round trips of every model, and bad input as a list of problems."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from stdnum.cn import ric

from commons_core.errors import ValidationError
from commons_core.model import Community, Household, HouseholdRegistration, Resident, ServicePoint
from commons_core.plugins import make_plugin_host
from commons_core.services import Commons
from commons_core.storage.engine import make_engine

from .samples import every_sample


@pytest.fixture(scope="module")
def codec_commons() -> Commons:
    return Commons(make_engine("sqlite://"), make_plugin_host(load_entry_points=False))


@pytest.mark.parametrize("sample", every_sample(), ids=lambda s: type(s).__name__)
def test_every_model_round_trips_through_json(codec_commons: Commons, sample: Any) -> None:
    data = codec_commons.unstructure(sample)
    text = json.dumps(data, ensure_ascii=False)
    back = codec_commons.codec.converter.structure(json.loads(text), type(sample))
    assert back == sample


def test_unstructured_values_are_plain_json(codec_commons: Commons) -> None:
    sample = next(s for s in every_sample() if isinstance(s, ServicePoint))
    data = codec_commons.unstructure(sample)
    assert isinstance(data["id"], str)
    assert data["kind"] == sample.kind.value and type(data["kind"]) is str
    hours = data["opening_hours"][0]
    assert hours["opens"] == "09:30" and hours["weekdays"] == [1, 2, 3, 4, 5]
    household = next(s for s in every_sample() if isinstance(s, Household))
    assert isinstance(codec_commons.unstructure(household)["statuses"], list)
    community = Community(name="x", area_km2=Decimal("0.650"))
    assert codec_commons.unstructure(community)["area_km2"] == "0.650"


def test_forgiving_but_unambiguous_input(codec_commons: Commons) -> None:
    cid = uuid.uuid4()
    resident = codec_commons.structure(
        {
            "community_id": str(cid),
            "name": " 王芳 ",
            "gender": "女",
            "birth_date": "1949/12/31",
            "ethnicity": "回",
            "id_number": "11010519491231002x",
            "registration_status": "暂住",
        },
        Resident,
    )
    assert resident.name == "王芳"
    assert resident.ethnicity.zh == "回族"
    assert resident.registration_status.value == "floating"
    assert resident.id_number == "11010519491231002X"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (None, [("", "type.object")]),
        ([], [("", "type.object")]),
        (
            {},
            [
                ("community_id", "required"),
                ("name", "required"),
                ("gender", "required"),
                ("birth_date", "required"),
            ],
        ),
        (
            {
                "community_id": "nope",
                "name": "",
                "gender": "x",
                "birth_date": "1990-02-30",
                "extra": 1,
            },
            [
                ("community_id", "type.uuid"),
                ("name", "required"),
                ("gender", "type.choice"),
                ("birth_date", "type.date"),
                ("extra", "unknown_field"),
            ],
        ),
        (
            {
                "community_id": str(uuid.UUID(int=1)),
                "name": "甲",
                "gender": "男",
                "birth_date": "1990-01-01",
                "id_number": 123,
                "phone": "555",
            },
            [("id_number", "type.string"), ("phone", "phone.invalid")],
        ),
    ],
)
def test_bad_input_reports_every_problem(
    codec_commons: Commons, data: Any, expected: list[tuple[str, str]]
) -> None:
    with pytest.raises(ValidationError) as caught:
        codec_commons.structure(data, Resident)
    assert sorted((p.path, p.code) for p in caught.value.problems) == sorted(expected)
    for problem in caught.value.problems:
        assert problem.zh and problem.en


def test_nested_paths(codec_commons: Commons) -> None:
    cid = str(uuid.uuid4())
    data = {
        "household": {"community_id": cid, "household_no": "1-101", "statuses": "低保、残疾"},
        "members": [
            {
                "community_id": cid,
                "name": "甲",
                "gender": "女",
                "birth_date": "1949-12-31",
                "id_number": "11010519491231002X",
            },
            {
                "community_id": cid,
                "name": "乙",
                "gender": "男",
                "birth_date": "1980-01-01",
                "relation_to_head": "子女",
                "id_number": "110105198001010010",
            },
            {
                "community_id": cid,
                "name": "丙",
                "gender": "男",
                "birth_date": "2010-01-01",
                "relation_to_head": "孙子女",
                "id_number": "110105201001010019",
            },
        ],
    }
    with pytest.raises(ValidationError) as caught:
        codec_commons.structure(data, HouseholdRegistration)
    assert [str(p) for p in caught.value.problems] == [
        "members[1].id_number: 校验码错误 / check digit is wrong",
        "members[2].id_number: 校验码错误 / check digit is wrong",
    ]
    for i in (1, 2):
        body = data["members"][i]["id_number"][:17]  # type: ignore[index]
        data["members"][i]["id_number"] = body + ric.calc_check_digit(body + "0")  # type: ignore[index]
    data["members"][2]["id_number"] = "110105201001010020"  # type: ignore[index]
    with pytest.raises(ValidationError) as caught:
        codec_commons.structure(data, HouseholdRegistration)
    assert [p.code for p in caught.value.problems] == ["id_number.check_digit"]
    assert caught.value.problems[0].path == "members[2].id_number"


def test_plugins_add_converter_hooks() -> None:
    from commons_core import hookimpl

    class Money:
        def __init__(self, cents: int) -> None:
            self.cents = cents

    class Plugin:
        @hookimpl
        def commons_converter(self, converter: Any) -> None:
            converter.register_unstructure_hook(Money, lambda m: f"{m.cents / 100:.2f}")

    host = make_plugin_host(load_entry_points=False, plugins={"money": Plugin()})
    commons = Commons(make_engine("sqlite://"), host)
    assert commons.unstructure(Money(1234)) == "12.34"
