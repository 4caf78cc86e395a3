"""The masks as PostgreSQL makes them give what the Python masks give, for any text."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import ARRAY, Engine, Integer, Text, create_engine, func, literal, select

from commons_core.access import text_masker
from commons_core.model import Sensitivity
from commons_core.storage.engine import normalize_url
from commons_core.storage.masks import sql_masker
from commons_core.testing import POSTGRES_ENV

pytestmark = pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} not set")


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    made = create_engine(normalize_url(os.environ[POSTGRES_ENV]))
    yield made
    made.dispose()


# Text near the masks' edges: mobiles and near-mobiles (a letter, a hyphen, a full-width
# or Arabic-Indic digit among ASCII ones), hyphens, ID lengths around 10, anything else.
near = st.text(alphabet="0123456789-1X１٣ 汉", max_size=20)
id_like = st.from_regex(r"[0-9]{2}[0-9X*]{16}", fullmatch=True)
mobile = st.from_regex(r"1[0-9]{10}", fullmatch=True)
almost_mobile = st.from_regex(r"1[0-9]{0,9}[-X １٣][0-9]{0,9}", fullmatch=True)
anything = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))
texts = st.one_of(near, mobile, almost_mobile, id_like, anything)
EDGES = [
    "13812345678",
    "1381234567X",
    "138-1234567",
    "1３812345678",
    "010-62345678",
    "-",
    "1-",
    "",
    "1234567890",
    "12345678901",
    "11010519491231002X",
    "81000019800101001X",
    "99010519491231002X",
    "1101051949123100",
    "0991-2345678",
    "0991-",
    "01-2345678",
    "09911-2345678",
    "0a1-2345678",
    "1-0991-234",
    "abc-def",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(st.one_of(st.none(), texts), max_size=30))
@example(values=[*EDGES, None])
@pytest.mark.parametrize("kind", list(Sensitivity))
def test_sql_masks_are_the_python_masks(
    engine: Engine, kind: Sensitivity, values: list[str | None]
) -> None:
    given_values = (
        func.unnest(literal(values, ARRAY(Text)), literal(list(range(len(values))), ARRAY(Integer)))
        .table_valued("value", "n")
        .render_derived()
    )
    query = select(sql_masker(kind)(given_values.c.value)).order_by(given_values.c.n)
    with engine.connect() as connection:
        masked = list(connection.execute(query).scalars())
    mask = text_masker(kind)
    assert masked == [None if v is None else mask(v) for v in values]
