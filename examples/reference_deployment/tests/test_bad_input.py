"""Bad input never answers 500 (issue 14, item 15): days out of range, numbers of 30 digits,
periods of centuries, JSON nested 5,000 deep and oversized bodies, sent as an attacker would
to every route of the app (core's and every plugin's, found in ``app.routes``), each answered
by a 4xx naming the field in both languages; and reports whose periods stay bounded.

Every test runs on SQLite and, with ``COMMONS_TEST_POSTGRES_URL``, on PostgreSQL.
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from commons_reference.limits import MAX_BODY_BYTES, MAX_JSON_DEPTH
from commons_reference.testing import Site
from litestar.params import PathParameter, QueryParameter

from commons_core import Actor, ValidationError
from commons_core.reports import EARLIEST_DAY, LATEST_DAY, MAX_PERIOD_DAYS, ReportParams

DAYS_OUT_OF_RANGE = ("0001-01-01", "9999-12-31", "9999-12-01", "1899-12-31", "2101-01-01")
HUGE_NUMBERS = ("1" * 30, "-" + "1" * 30, "9" * 19)
ROLES = ("cadre", "grid-worker", "clerk", "resident")


@pytest.fixture
def commons_plugins(bundled_plugins: dict[str, object]) -> dict[str, object]:
    """Every bundled plugin, so their routes are attacked too."""
    return bundled_plugins


def _kind(annotation: Any) -> type | None:
    """``date`` or ``int`` for a parameter of that type (optional or not), else ``None``."""
    kinds = set(typing.get_args(annotation)) or {annotation}
    if date in kinds:
        return date
    if int in kinds and bool not in kinds:
        return int
    return None


def _routes(site: Site, method: str) -> Iterator[tuple[str, Any]]:
    """``(path with real ids, handler)`` for every route answering ``method``; a report route
    once per report."""
    data = site.data
    home = site.households_in(site.zone_one.id)[0]
    member = next(r for r in data.residents if r.household_id == home.id)
    ids = {
        "community_id": site.community_id,
        "household_id": home.id,
        "resident_id": member.id,
    }
    for route in site.app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if method not in handler.http_methods:
                continue
            path = route.path
            for name, value in ids.items():
                path = path.replace(f"{{{name}:uuid}}", str(value))
            if "{name:str}" in path:
                for report in sorted(site.commons.reports):
                    yield path.replace("{name:str}", report), handler
            elif "{" not in path:
                yield path, handler


def _parameters(handler: Any, *, every: bool = False) -> dict[str, type | None]:
    """The query parameters of a handler taking a day or a whole number (``every``: all of
    them): name → ``date``, ``int`` or ``None``."""
    found = {}
    for name, field in handler.parsed_fn_signature.parameters.items():
        definition = field.kwarg_definition
        if isinstance(definition, PathParameter) or name in ("data", "request", "scope"):
            continue
        if definition is not None and not isinstance(definition, QueryParameter):
            continue
        kind = _kind(field.annotation)
        if kind is not None or every:
            found[(definition.name if definition else None) or name] = kind
    return found


def _named(response: Any, *names: str) -> bool:
    """Whether a 4xx answer names every field of ``names``, in Chinese and English."""
    if not 400 <= response.status_code < 500:
        return False
    if response.headers["content-type"].startswith("application/json"):
        body = response.json()
        problems = {p["path"]: p for p in body["problems"]}
        return bool(body["zh"] and body["en"]) and all(
            n in problems and problems[n]["zh"] and problems[n]["en"] for n in names
        )
    return all(f"<code>{n}</code>" in response.text for n in names)


def test_every_day_and_number_parameter_out_of_range_is_a_named_4xx(site: Site) -> None:
    client = site.client("admin")
    tried: list[str] = []
    for path, handler in _routes(site, "GET"):
        for name, kind in _parameters(handler).items():
            for value in DAYS_OUT_OF_RANGE if kind is date else HUGE_NUMBERS:
                answer = client.get(path, params={name: value})
                assert _named(answer, name), (path, name, value, answer.status_code, answer.text)
            tried.append(f"{path}?{name}")
    # The attack reached the routes it is about: core's, every plugin's API and pages.
    assert any("love-supermarket/ledger" in t for t in tried)
    assert any("safety-patrol/roster?week" in t for t in tried)
    assert any("elderly-health/coverage?as_of" in t for t in tried)
    assert any("/audit?offset" in t for t in tried)
    assert any("/households?page" in t for t in tried)
    for report in site.commons.reports:  # each report's API route, page and download
        reached = [t for t in tried if f"/reports/{report}" in t]
        assert any(t.startswith("/api/") for t in reached), report
        assert any(f"/reports/{report}/download?" in t for t in reached), report


def test_periods_of_centuries_or_longer_than_ten_years_are_named(site: Site) -> None:
    client = site.client("admin")
    periods = 0
    for path, handler in _routes(site, "GET"):
        if not {"from", "to"} <= set(_parameters(handler)):
            continue
        periods += 1
        whole = client.get(path, params={"from": "0001-01-01", "to": "9999-12-31"})
        assert _named(whole, "from", "to"), (path, whole.text)
        backwards = client.get(path, params={"from": "2024-06-01", "to": "2024-05-31"})
        assert _named(backwards, "to") or _named(backwards, "from"), (path, backwards.text)
        if "roster" not in path:  # a roster's own bound is a quarter
            long = client.get(path, params={"from": "2000-01-01", "to": "2024-12-31"})
            assert _named(long, "from"), (path, long.text)
            assert "ten years" in long.text and "十年" in long.text
    assert periods >= 4, "the ledger, the patrol's roster and coverage, API and page"


def test_month_of_a_roster_out_of_range_is_named(site: Site) -> None:
    client = site.client("admin")
    for month in ("0001-01", "9999-12"):
        answer = client.get(site.page("/safety-patrol/roster"), params={"month": month})
        assert _named(answer, "month"), answer.text


@pytest.mark.parametrize("username", ROLES)
def test_no_role_gets_a_server_error_from_hostile_parameters(site: Site, username: str) -> None:
    client = site.client(username)
    for path, handler in _routes(site, "GET"):
        for name in _parameters(handler, every=True):
            for value in (*DAYS_OUT_OF_RANGE[:2], HUGE_NUMBERS[0], "0001-01", "9999-12"):
                answer = client.get(path, params={name: value})
                assert answer.status_code < 500, (username, path, name, value, answer.text)


def _writes(site: Site) -> Iterator[tuple[str, str, bool]]:
    """``(method, path, JSON or form)`` of every route that takes a body."""
    for method in ("POST", "PUT"):
        for path, _handler in _routes(site, method):
            if path != "/logout":
                yield method, path, path.startswith("/api/")


def test_json_nested_5000_deep_is_a_named_422_on_every_json_route(site: Site) -> None:
    client = site.client("admin")
    headers = {**site.csrf(client), "content-type": "application/json"}
    shapes = ("[" * 5000 + "]" * 5000, '{"a":' * 5000 + "1" + "}" * 5000)
    routes = [(m, p) for m, p, is_json in _writes(site) if is_json]
    for method, path in routes:
        for body in shapes:
            answer = client.request(method, path, content=body, headers=headers)
            assert answer.status_code == 422, (method, path, answer.text)
            assert answer.json()["problems"][0]["code"] == "json.too_deep"
            assert str(MAX_JSON_DEPTH) in answer.json()["problems"][0]["en"]
    assert len(routes) >= 8, "core's and the plugins' JSON writes"


def test_just_deeper_than_the_bound_is_refused_and_the_bound_itself_is_not(site: Site) -> None:
    client = site.client("admin")
    headers = {**site.csrf(client), "content-type": "application/json"}
    path = site.api("/households")
    nested = {"household": {"household_no": "N-1", "address": "文化路 2 号"}, "members": []}
    # The body is 2 levels deep; a key nesting lists to the bound is bad input of another kind.
    for depth, refused in ((MAX_JSON_DEPTH, False), (MAX_JSON_DEPTH + 1, True)):
        body = {**nested, "extra": json.loads("[" * (depth - 1) + "]" * (depth - 1))}
        answer = client.post(path, content=json.dumps(body), headers=headers)
        assert answer.status_code == 422
        codes = {p["code"] for p in answer.json()["problems"]}
        assert ("json.too_deep" in codes) is refused, (depth, codes)


def test_oversized_bodies_are_a_413_naming_the_limit_on_every_route(site: Site) -> None:
    client = site.client("admin")
    token = site.csrf(client)
    big = "x" * (MAX_BODY_BYTES + 1)
    for method, path, is_json in _writes(site):
        if is_json:
            answer = client.request(
                method,
                path,
                content=json.dumps({"note": big}),
                headers={**token, "content-type": "application/json"},
            )
            assert answer.json()["status"] == 413
            assert str(MAX_BODY_BYTES) in answer.json()["en"]
            assert answer.json()["zh"]
        else:
            answer = client.request(method, path, data={"note": big, "_csrf_token": token})
        assert answer.status_code == 413, (method, path, answer.text[:300])
        assert str(MAX_BODY_BYTES) in answer.text


def test_every_report_computes_at_both_ends_of_the_calendar(site: Site) -> None:
    # Ages (80 years back), "the last 12 months", a period's next day: room at both ends.
    ends = (
        ReportParams(as_of=EARLIEST_DAY),
        ReportParams(as_of=LATEST_DAY),
        ReportParams(as_of=LATEST_DAY, start=LATEST_DAY - timedelta(days=MAX_PERIOD_DAYS - 1)),
        ReportParams(
            as_of=LATEST_DAY,
            start=EARLIEST_DAY,
            end=EARLIEST_DAY + timedelta(days=MAX_PERIOD_DAYS - 1),
        ),
    )
    with site.commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        for name, report in sorted(site.commons.reports.items()):
            for params in ends:
                result = report.run(uow, site.data.community, params)  # no OverflowError
                assert result.data, name


def test_report_parameters_refuse_days_out_of_range_in_both_languages() -> None:
    with pytest.raises(ValidationError) as raised:
        ReportParams(as_of=date(1, 1, 1), start=date(9999, 12, 1), end=date(9999, 12, 31))
    problems = {p.path: p for p in raised.value.problems}
    assert set(problems) == {"as_of", "from", "to"}
    assert all(p.code == "date.range" and p.zh and p.en for p in problems.values())
    with pytest.raises(ValidationError) as raised:
        ReportParams(as_of=date(2025, 1, 1), start=date(2014, 12, 31))
    assert [p.code for p in raised.value.problems] == ["period.too_long"]
    ReportParams(as_of=date(2025, 1, 1), start=date(2015, 1, 2))  # ten years exactly


def test_a_ledger_without_a_start_covers_ten_years_at_most(site: Site) -> None:
    # Since the first entry (this year's, in the demo) up to 2100 was 900 months; up to 9999
    # it was 96,000 and 11.8 MB. Now ten years, the entries before them the opening balance.
    client = site.client("admin")
    answers = (
        client.get(site.api("/love-supermarket/ledger"), params={"to": LATEST_DAY.isoformat()}),
        client.get(
            site.api("/reports/love-supermarket-ledger"), params={"as_of": LATEST_DAY.isoformat()}
        ),
    )
    every = client.get(site.api("/love-supermarket/ledger")).json()["data"]
    assert every["from"] is None and every["months"], "the demo's account, from its first entry"
    for answer in answers:
        assert answer.status_code == 200, answer.text
        data = answer.json()["data"]
        assert data["from"] == (LATEST_DAY - timedelta(days=MAX_PERIOD_DAYS - 1)).isoformat()
        assert 120 <= len(data["months"]) <= 121
        assert data["opening_balance"] == every["closing_balance"] != "0.00"
        assert data["closing_balance"] == every["closing_balance"]
        assert len(answer.content) < 100_000
    disclosure = client.get(
        site.api("/reports/love-supermarket-disclosure"), params={"as_of": LATEST_DAY.isoformat()}
    ).json()["data"]
    assert disclosure["from"] == data["from"]
    assert disclosure["sales"]["count"] == 0, "the period is the ten years up to its end"


def test_the_command_line_names_the_day_out_of_range(site: Site, commons_main: Any) -> None:
    community = site.data.community.name
    for option, field in (("--as-of", "as_of"), ("--from", "from"), ("--to", "to")):
        run = commons_main(
            "report", "community-summary", "--community", community, option, "0001-01-01"
        )
        assert run.code != 0
        assert field in run.err and "超出范围" in run.err and "out of range" in run.err, run.err
        assert "Traceback" not in run.err


def test_query_parameters_of_wrong_type_are_named(site: Site) -> None:
    answer = site.client("auditor").get(site.api("/audit"), params={"offset": "1" * 30})
    assert answer.status_code == 400
    assert [p["path"] for p in answer.json()["problems"]] == ["offset"]
    assert re.search(r"\d", answer.json()["problems"][0]["en"])


def test_a_nul_character_anywhere_is_bad_input_never_500(site: Site) -> None:
    """No database stores a NUL (PostgreSQL refuses the statement): found in red-team review,
    a user name, a search, an entity filter and a form field holding one answered 500."""
    anonymous = site.client()
    anonymous.get("/login")
    token = anonymous.cookies.get("csrftoken")
    login = anonymous.post(
        "/login", data={"username": "a\x00b", "password": "x", "_csrf_token": token}
    )
    assert login.status_code in (400, 422), login.text
    assert "username" in login.text
    auditor = site.client("auditor")
    for path in (site.api("/audit"), site.page("/audit")):
        answer = auditor.get(path, params={"entity": "\x00"})
        assert answer.status_code in (400, 422) and "entity" in answer.text, path
    clerk = site.client("clerk")
    for path in (site.page("/households"), site.api("/households")):
        answer = clerk.get(path, params={"q": "a\x00"})
        assert answer.status_code in (400, 422) and "q" in answer.text, path
    clerk.get(site.page("/love-supermarket/sale"))
    sale = clerk.post(
        site.page("/love-supermarket/sale"),
        data={
            "household_no": "a\x00",
            "lines[0].quantity": "1",
            "_csrf_token": clerk.cookies.get("csrftoken"),
        },
    )
    assert sale.status_code in (400, 422) and "household_no" in sale.text
