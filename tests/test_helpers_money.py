"""Money fields: ``Decimal`` yuan with two places, declared once, refused rather than rounded.

:func:`commons_core.validation.money_field` through the converter (what the API
and imports read), on objects built in Python, and stored in its column
(:func:`commons_core.storage.money_column`) on SQLite and PostgreSQL, where the
database refuses what the rule refuses even when a write bypasses the rules.
"""

from __future__ import annotations

import types
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

import attrs
import pytest
import sqlalchemy
from sqlalchemy import Table, insert

from commons_core import (
    Actor,
    Community,
    ConfigurationError,
    Label,
    ValidationError,
    hookimpl,
    new_id,
)
from commons_core.model import label
from commons_core.serialization import Codec, make_converter
from commons_core.services import Commons
from commons_core.storage import MONEY, Entity, community_table, metadata, money_column
from commons_core.storage.internal import internal
from commons_core.validation import RuleSet, money_field


@attrs.frozen(kw_only=True)
class Payment:
    """A plugin's record with every kind of money field."""

    LABEL: ClassVar[Label] = Label("付款", "payment")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    amount: Decimal = money_field("金额(元)", "amount (yuan)")
    adjustment: Decimal = money_field("调整(元)", "adjustment", negative=True, default=Decimal(0))
    price: Decimal | None = money_field("单价(元)", "price", positive=True, default=None)
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


CODEC = Codec(make_converter(RuleSet([])), RuleSet([]))


def amount_of(value: Any, field: str = "amount") -> Decimal:
    data = {"community_id": str(new_id()), "amount": "1", field: value}
    found: Decimal = getattr(CODEC.structure(data, Payment), field)
    return found


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("12.5", "12.50"),
        ("12.50", "12.50"),
        (" 12 ", "12.00"),
        ("¥12.50", "12.50"),
        ("￥12.50", "12.50"),
        ("12.50元", "12.50"),
        ("1,234.50", "1234.50"),
        ("１２．５０", "12.50"),
        ("0", "0.00"),
        (12, "12.00"),
        (12.5, "12.50"),
        (0.1, "0.10"),
        (Decimal("3.1"), "3.10"),
        ("9999999999.99", "9999999999.99"),
    ],
)
def test_amounts_as_people_and_programs_write_them(given: Any, expected: str) -> None:
    found = amount_of(given)
    assert found == Decimal(expected)
    assert str(found) == expected, "exactly two places, as stored"
    assert CODEC.unstructure(found) == expected


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("12.505", "money.places"),
        (Decimal("0.001"), "money.places"),
        (0.1 + 0.2, "money.places"),
        ("-1", "money.negative"),
        ("-¥0.01", "money.negative"),
        ("10000000000", "money.too_large"),
        ("1e3", "money.invalid"),
        ("12,5", "money.invalid"),
        ("1,2345", "money.invalid"),
        ("$12", "money.invalid"),
        ("十二元", "money.invalid"),
        ("", "money.invalid"),
        (True, "money.invalid"),
        (None, "money.invalid"),
        (float("nan"), "money.invalid"),
        ("Infinity", "money.invalid"),
    ],
)
def test_what_is_not_an_amount_is_refused_never_rounded(given: Any, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        amount_of(given)
    (problem,) = refused.value.problems
    assert (problem.path, problem.code) == ("amount", code)
    assert problem.zh and problem.en


def test_the_sign_is_declared_on_the_field() -> None:
    assert amount_of("-12.5", "adjustment") == Decimal("-12.50")
    assert amount_of(None, "price") is None, "an optional amount may be empty"
    for zero in ("0", "-0.00"):
        with pytest.raises(ValidationError) as refused:
            amount_of(zero, "price")
        assert refused.value.problems[0].code == "money.positive"
    with pytest.raises(ConfigurationError):
        money_field("金额", "amount", negative=True, positive=True)
    with pytest.raises(ConfigurationError):
        money_column("amount", negative=True, positive=True)


def test_objects_built_in_python_are_checked_and_given_two_places() -> None:
    rules = RuleSet([])
    made, problems = rules.prepare(Payment(community_id=new_id(), amount=Decimal("12.5")))
    assert problems == []
    assert str(made.amount) == "12.50"
    assert str(made.adjustment) == "0.00"
    _, problems = rules.prepare(
        Payment(community_id=new_id(), amount=Decimal("12.505"), price=Decimal(0))
    )
    assert [(p.path, p.code) for p in problems] == [
        ("amount", "money.places"),
        ("price", "money.positive"),
    ]


def payment_table() -> Table:
    found = metadata.tables.get("test_payment")
    return (
        found
        if found is not None
        else community_table(
            "test_payment",
            money_column("amount"),
            money_column("adjustment", negative=True),
            money_column("price", positive=True, nullable=True),
        )
    )


@pytest.fixture
def commons_plugins() -> dict[str, object]:
    plugin = types.ModuleType("test")
    plugin.commons_entities = hookimpl(lambda: [Entity(Payment, payment_table())])  # type: ignore[attr-defined]
    return {"test": plugin}


@pytest.fixture
def community(commons: Commons, admin: Actor) -> Community:
    with commons.engine.begin() as conn:
        payment_table().create(conn, checkfirst=True)
        if conn.dialect.name == "postgresql":
            from commons_core.storage.row_security import install

            install(conn, commons.tables, commons.entities, commons.keys)
    with commons.unit_of_work(admin) as uow:
        return uow.repo(Community).add(Community(name="文化路社区"))


def test_the_column_is_numeric_12_2_with_its_check() -> None:
    table = payment_table()
    assert isinstance(table.c.amount.type, sqlalchemy.Numeric)
    assert (table.c.amount.type.precision, table.c.amount.type.scale) == (12, 2)
    assert MONEY.precision == 12
    checks = {str(c.name) for c in table.constraints if isinstance(c, sqlalchemy.CheckConstraint)}
    assert checks == {
        "ck_test_payment_amount_not_negative",
        "ck_test_payment_price_positive",
    }, "none on adjustment"
    assert table.c.price.nullable
    assert not table.c.amount.nullable


def test_stored_and_read_back_with_two_places(
    commons: Commons, admin: Actor, community: Community
) -> None:
    sent = commons.structure(
        {"community_id": str(community.id), "amount": "¥1,234.5", "price": "0.5"}, Payment
    )
    with commons.unit_of_work(admin) as uow:
        stored = uow.repo(Payment).add(sent)
        assert str(stored.amount) == "1234.50"
        with pytest.raises(ValidationError) as refused:
            uow.repo(Payment).add(Payment(community_id=community.id, amount=Decimal("-1")))
        assert [p.code for p in refused.value.problems] == ["money.negative"]
    with commons.unit_of_work(admin, readonly=True) as uow:
        again = uow.repo(Payment).get(stored.id)
    assert again.amount == Decimal("1234.50")
    assert again.price == Decimal("0.50")
    assert commons.unstructure(again)["amount"] == "1234.50"


@pytest.mark.parametrize(
    ("column", "value"), [("amount", Decimal("-0.01")), ("price", Decimal("0"))]
)
def test_the_database_refuses_what_the_rule_refuses(
    commons: Commons, community: Community, column: str, value: Decimal
) -> None:
    row = {
        "community_id": community.id,
        "id": new_id(),
        "version": 0,
        "amount": Decimal("1.00"),
        "adjustment": Decimal("0.00"),
        "price": None,
        column: value,
    }
    with pytest.raises(sqlalchemy.exc.IntegrityError), commons.engine.begin() as conn:
        conn.execute(internal(insert(payment_table()).values(**row)))
