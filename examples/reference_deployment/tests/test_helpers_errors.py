"""The SDK's error types answer with their own status: 409 refused, 422 ambiguous, 400 misuse.

The deployment's one exception handler, behind routes that raise each type
as a plugin's operation would: the body is the bilingual ``ErrorBody``, an
ambiguous reference with its problem at the input it came from.
"""

from __future__ import annotations

from uuid import UUID

import pytest
from commons_reference.errors import exception_handlers
from litestar import Litestar, get
from litestar.testing import TestClient

from commons_core import AmbiguousReference, Refused, UsageError

TWINS = (UUID(int=1), UUID(int=2))


@get("/api/v1/refused")
async def refused() -> None:
    raise Refused("love_supermarket.out_of_stock", "库存不足", "not enough in stock")


@get("/api/v1/ambiguous")
async def ambiguous() -> None:
    raise AmbiguousReference(
        ("社区", "community"), ("名称", "name"), "新村社区", TWINS, path="community"
    )


@get("/api/v1/usage")
async def usage() -> None:
    raise UsageError("请只给出 from 或 month", "give from or month, not both")


@pytest.fixture
def client() -> TestClient[Litestar]:
    app = Litestar(
        route_handlers=[refused, ambiguous, usage],
        exception_handlers=exception_handlers(),
    )
    return TestClient(app)


def test_a_refusal_is_409_with_its_message(client: TestClient[Litestar]) -> None:
    answer = client.get("/api/v1/refused")
    assert answer.status_code == 409
    assert answer.json() == {
        "status": 409,
        "zh": "库存不足",
        "en": "not enough in stock",
        "problems": [],
    }


def test_an_ambiguous_reference_is_422_naming_the_input_and_the_candidates(
    client: TestClient[Litestar],
) -> None:
    answer = client.get("/api/v1/ambiguous")
    assert answer.status_code == 422
    body = answer.json()
    (problem,) = body["problems"]
    assert (problem["path"], problem["code"], problem["value"]) == (
        "community",
        "reference.ambiguous",
        "新村社区",
    )
    for candidate in TWINS:
        assert str(candidate) in body["zh"]
        assert str(candidate) in body["en"]


def test_a_misuse_is_400(client: TestClient[Litestar]) -> None:
    answer = client.get("/api/v1/usage")
    assert answer.status_code == 400
    assert answer.json()["en"] == "give from or month, not both"
