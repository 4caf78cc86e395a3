"""The OpenAPI document says what the API answers (issue 14, item 18): every operation's
error bodies, date-times with their UTC offset, typed request bodies, ``Allow`` on 405.

On SQLite and PostgreSQL, with every bundled plugin's API in the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from commons_reference.api import ERRORS
from commons_reference.testing import Site

BODIES = {
    ("post", "/api/v1/communities/{community_id}/households"): "NewRegistration",
    ("put", "/api/v1/communities/{community_id}/households/{household_id}"): "HouseholdChanges",
    (
        "post",
        "/api/v1/communities/{community_id}/households/{household_id}/members",
    ): "NewMember",
    ("put", "/api/v1/communities/{community_id}/residents/{resident_id}"): "ResidentChanges",
    ("post", "/api/v1/communities/{community_id}/elderly-health/measurements"): "NewMeasurementIn",
}
"""The bodies the SDK's converter checks, each documented by the shape its model gives it."""
_OFFSET = re.compile(r"(Z|[+-]\d\d:\d\d)$")


@pytest.fixture
def commons_plugins(bundled_plugins: dict[str, object]) -> dict[str, object]:
    """Every bundled plugin, so their routes are attacked too."""
    return bundled_plugins


def _document(site: Site) -> dict[str, Any]:
    answer = site.client("cadre").get("/api/v1/openapi.json")
    assert answer.status_code == 200
    document: dict[str, Any] = answer.json()
    return document


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "delete", "patch"):
                yield method, path, operation


def test_every_operation_documents_its_error_bodies(site: Site) -> None:
    document = _document(site)
    operations = list(_operations(document))
    assert len(operations) > 20
    assert any("love-supermarket" in p for _m, p, _o in operations)
    assert any("elderly-health" in p for _m, p, _o in operations)
    for method, path, operation in operations:
        responses = operation["responses"]
        for status in ERRORS:
            assert str(status) in responses, (method, path, status)
            schema = responses[str(status)]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)
    body = document["components"]["schemas"]["ErrorBody"]
    assert set(body["required"]) >= {"status", "zh", "en"}


def test_an_error_answer_is_the_documented_body(site: Site) -> None:
    client = site.client("cadre")
    for answer in (
        client.get(site.api("/audit"), params={"offset": "1" * 30}),
        client.get(site.api("/reports/community-summary"), params={"as_of": "0001-01-01"}),
        client.get("/api/v1/communities/00000000-0000-0000-0000-000000000000/overview"),
    ):
        assert answer.status_code in (400, 404, 422)
        assert set(answer.json()) == {"status", "zh", "en", "problems"}


def test_date_times_are_documented_and_answered_with_their_offset(site: Site) -> None:
    document = _document(site)
    entry = document["components"]["schemas"]["AuditEntry"]["properties"]["at"]
    assert entry == {"type": "string", "format": "date-time"}
    entries = site.client("auditor").get(site.api("/audit"), params={"limit": 20}).json()
    assert entries
    for item in entries:
        assert _OFFSET.search(item["at"]), item["at"]


def test_request_bodies_are_typed_by_the_sdks_models(site: Site) -> None:
    document = _document(site)
    schemas = document["components"]["schemas"]
    for (method, path), name in BODIES.items():
        body = document["paths"][path][method]["requestBody"]["content"]["application/json"]
        assert body["schema"] == {"$ref": f"#/components/schemas/{name}"}, (method, path)
        assert schemas[name]["properties"], name
    assert schemas["HouseholdChanges"]["required"] == ["version"]
    assert "household_no" in schemas["HouseholdChanges"]["properties"]
    assert "id" not in schemas["NewMember"]["properties"]
    assert {"name", "gender", "birth_date"} <= set(schemas["NewMember"]["required"])
    assert schemas["NewRegistration"]["required"] == ["household", "members"]


def test_a_body_that_is_no_object_is_bad_input_named(site: Site) -> None:
    client = site.client("cadre")
    answer = client.post(site.api("/households"), json=[1, 2], headers=site.csrf(client))
    assert answer.status_code in (400, 422), answer.text
    assert answer.json()["zh"] and answer.json()["en"]


def test_the_converter_stays_the_validator(site: Site) -> None:
    client = site.client("cadre")
    answer = client.post(
        site.api("/households"),
        json={"household": {"household_no": "T-9", "address": "x"}, "members": [{"name": 1}]},
        headers=site.csrf(client),
    )
    assert answer.status_code == 422
    paths = {p["path"] for p in answer.json()["problems"]}
    assert "members[0].name" in paths and "members[0].gender" in paths, paths


def test_405_says_which_methods_are_allowed(site: Site) -> None:
    client = site.client("cadre")
    for path in ("/api/v1/communities", site.api("/overview"), "/api/v1/reports"):
        answer = client.delete(path, headers=site.csrf(client))
        assert answer.status_code == 405
        assert "GET" in answer.headers["allow"]
        assert answer.json()["status"] == 405
    page = client.delete(site.page("/households"), headers=site.csrf(client))
    assert page.status_code == 405 and "GET" in page.headers["allow"]
