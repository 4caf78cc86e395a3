"""The API answers as its OpenAPI document says (issue 14, item 18): a bounded schemathesis run
against ``/api/v1/openapi.json`` for two roles, in process against the Litestar app.

Every operation of the document (core's and every plugin's) is called with
generated input, logged in as the cadre and as the grid worker (the session
cookie and the CSRF header of ``POST /api/v1/session``), its path's
community the real one most of the time so that the calls reach past 404.
No answer may be a server error, nor answer a status, content type, header
or body the document does not describe. Bounded: a few examples an
operation, derandomised, so the run is the same in CI and takes well under
a minute or two per database.
"""

from __future__ import annotations

from typing import Any

import pytest
from commons_reference.testing import BASE_URL, Site

schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")

EXAMPLES = 12
"""Examples an operation, for each role."""
SESSION = "/api/v1/session"
"""Left out: logging out would end the run's session, and logging in with generated
credentials is the login throttle's to refuse (its own tests)."""


@pytest.fixture
def commons_plugins(bundled_plugins: dict[str, object]) -> dict[str, object]:
    """Every bundled plugin, so their routes are attacked too."""
    return bundled_plugins


def _checks() -> list[Any]:
    from schemathesis import checks

    return [
        checks.not_a_server_error,
        checks.status_code_conformance,
        checks.content_type_conformance,
        checks.response_headers_conformance,
        checks.response_schema_conformance,
    ]


def _fuzz(site: Site, username: str) -> tuple[int, list[str]]:
    """Run every operation as ``username``; the calls made and what failed."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    client = site.client(username)
    csrf = site.csrf(client)
    document = client.get("/api/v1/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    homes = [str(h.id) for h in site.households_in(site.zone_one.id)]
    real = {"community_id": [str(site.community_id)], "household_id": homes}
    calls = [0]
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == SESSION:
            continue

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(), pick=st.data())
        def call(case: Any, pick: Any) -> None:
            for name, values in real.items():
                if name in (case.path_parameters or {}) and pick.draw(st.integers(0, 3)):
                    case.path_parameters[name] = pick.draw(st.sampled_from(values))
            kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=csrf)
            response = client.request(
                kwargs["method"],
                kwargs["url"],
                params=kwargs.get("params"),
                headers=kwargs.get("headers"),
                json=kwargs.get("json"),
                content=kwargs.get("data"),
            )
            calls[0] += 1
            try:
                case.validate_response(response, checks=_checks())
            except (Exception, BaseExceptionGroup) as failure:  # every one, not the first
                failures.append(
                    f"{case.method} {case.formatted_path} {response.status_code}: {failure}"
                )

        call()
    return calls[0], failures


@pytest.mark.parametrize("username", ["cadre", "grid-worker"])
def test_the_api_answers_as_its_document_says(site: Site, username: str) -> None:
    calls, failures = _fuzz(site, username)
    assert calls > 100
    assert not failures, "\n\n".join(failures[:10])
