"""Patrol pages and JSON API in the reference deployment, through the test client.

The site is a generated community with the plugin's demo patrols (routes, a
roster of the past four weeks and the next one, check-ins) and one user per role.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from commons_reference.testing import Site
from commons_safety_patrol import Patrols
from commons_safety_patrol.services import CrewMember, RosterShift

from commons_core import Actor

BEIJING = ZoneInfo("Asia/Shanghai")


@attrs.frozen
class Duty:
    """A past shift and a member on it who has not checked in."""

    entry: RosterShift
    member: CrewMember

    @property
    def during(self) -> datetime:
        """A moment within the shift."""
        return self.entry.shift.starts_at + timedelta(minutes=10)


def unchecked(site: Site, skip: int = 0) -> Duty:
    """The ``skip``-th member (newest shifts first) of a past shift without a check-in."""
    today = date.today()
    now = datetime.now(UTC)
    with site.commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        found = Patrols(uow).roster(site.community_id, today - timedelta(days=20), today)
    duties = [
        Duty(entry, member)
        for entry in reversed(found)
        if entry.shift.ends_at < now
        for member in entry.crew
        if not member.checked_in
    ]
    return duties[skip]


def api(site: Site, path: str = "") -> str:
    return site.api(f"/safety-patrol{path}")


def page(site: Site, path: str = "") -> str:
    return site.page(f"/safety-patrol{path}")


def roster_json(site: Site, client: Any, night: date) -> list[dict[str, Any]]:
    answer = client.get(api(site, "/roster"), params={"from": str(night), "to": str(night)})
    assert answer.status_code == 200, answer.text
    result: list[dict[str, Any]] = answer.json()
    return result


def test_openapi_lists_the_patrol_routes(site: Site) -> None:
    document = site.client("cadre").get("/api/v1/openapi.json").json()
    base = "/api/v1/communities/{community_id}/safety-patrol"
    for path in ("/roster", "/check-ins", "/coverage"):
        assert base + path in document["paths"], path
    post = document["paths"][base + "/check-ins"]["post"]
    assert "CheckInIn" in str(post["requestBody"])
    assert "RosterShift" in str(document["components"]["schemas"])


def test_navigation_shows_what_each_role_may_open(site: Site) -> None:
    links = {
        "cadre": {"roster", "check-in", "coverage"},
        "grid-worker": {"roster", "check-in", "coverage"},
        "auditor": {"roster", "coverage"},
        "resident": set(),
    }
    for username, expected in links.items():
        assert site.nav_links(username, "safety-patrol") == expected, username


def test_roster_calendar_shows_the_months_shifts(site: Site) -> None:
    cadre = site.client("cadre")
    today = date.today()
    html = cadre.get(page(site, "/roster")).text
    assert f"{today.year}年{today.month}月" in html
    night = roster_json(site, cadre, today)
    assert night, "the demo rosters every night"
    for entry in night:
        assert f'data-shift="{entry["shift"]["id"]}"' in html
        assert entry["route"] in html
        for member in entry["crew"]:
            assert member["name"] in html
    week = cadre.get(page(site, "/roster"), params={"week": str(today)}).text
    monday = today - timedelta(days=today.weekday())
    assert re.findall(r'data-day="([\d-]+)"', week) == [
        str(monday + timedelta(days=n)) for n in range(7)
    ]
    for entry in night:
        assert f'data-shift="{entry["shift"]["id"]}"' in week
    earlier = cadre.get(page(site, "/roster"), params={"month": "2001-01"})
    assert earlier.status_code == 200
    assert "data-shift" not in earlier.text
    assert 'data-day="2001-01-01"' in earlier.text
    english = site.client("cadre")
    english.cookies.set("lang", "en")
    assert "Patrol roster" in english.get(page(site, "/roster")).text


def test_check_in_through_the_form(site: Site) -> None:
    duty = unchecked(site)
    cadre = site.client("cadre")
    night = duty.entry.shift.night
    form = cadre.get(page(site, "/check-in"), params={"night": str(night)})
    assert form.status_code == 200
    assert f'data-shift="{duty.entry.shift.id}"' in form.text
    answer = site.post_form(
        cadre,
        page(site, "/check-in"),
        {
            "shift_id": str(duty.entry.shift.id),
            "member_id": str(duty.member.member_id),
            "checked_in_at": duty.during.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M"),
            "note": "一切正常",
        },
    )
    assert answer.status_code == 200, answer.text
    assert "done=" in str(answer.url)
    assert "已签到" in answer.text
    crew = next(
        e["crew"]
        for e in roster_json(site, cadre, night)
        if e["shift"]["id"] == str(duty.entry.shift.id)
    )
    assert next(c for c in crew if c["member_id"] == str(duty.member.member_id))["checked_in"]
    again = site.post_form(
        cadre,
        page(site, "/check-in"),
        {
            "shift_id": str(duty.entry.shift.id),
            "member_id": str(duty.member.member_id),
            "checked_in_at": duty.during.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert again.status_code == 422
    assert 'data-for="member_id"' in again.text
    assert "已在此班次签到" in again.text


def test_check_in_bad_input_is_422_with_field_errors(site: Site) -> None:
    duty = unchecked(site)
    grid = site.client("grid-worker")

    def check_in(**changes: Any) -> Any:
        body = {
            "shift_id": str(duty.entry.shift.id),
            "member_id": str(duty.member.member_id),
            "checked_in_at": duty.during.isoformat(),
            **changes,
        }
        return grid.post(api(site, "/check-ins"), json=body, headers=site.csrf(grid))

    late = check_in(checked_in_at=(duty.entry.shift.ends_at + timedelta(hours=3)).isoformat())
    assert late.status_code == 422
    assert [p["path"] for p in late.json()["problems"]] == ["checked_in_at"]
    malformed = check_in(checked_in_at="昨晚八点")
    assert malformed.status_code == 422
    assert malformed.json()["problems"][0]["path"] == "checked_in_at"
    on_shift = {c.member_id for c in duty.entry.crew}
    with site.commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        everyone = Patrols(uow).roster(
            site.community_id, date.today() - timedelta(days=20), date.today()
        )
    outsider = next(c.member_id for e in everyone for c in e.crew if c.member_id not in on_shift)
    wrong_member = check_in(member_id=str(outsider))
    assert wrong_member.status_code == 422
    assert wrong_member.json()["problems"][0]["code"] == "safety_patrol.not_on_shift"
    form = site.post_form(
        grid,
        page(site, "/check-in"),
        {
            "shift_id": str(duty.entry.shift.id),
            "member_id": str(duty.member.member_id),
            "checked_in_at": "not a time",
        },
    )
    assert form.status_code == 422
    assert 'data-for="checked_in_at"' in form.text
    done = check_in(note="巡至3号楼")
    assert done.status_code == 201, done.text
    assert done.json()["note"] == "巡至3号楼"
    twice = check_in()
    assert twice.status_code == 422
    assert twice.json()["problems"][0]["code"] == "safety_patrol.already_checked_in"


def test_roles_without_the_permission_are_refused(site: Site) -> None:
    duty = unchecked(site)
    # A role with nothing of the patrols' (the core's resident self-service).
    resident = site.client("resident")
    answer = resident.post(
        api(site, "/check-ins"),
        json={
            "shift_id": str(duty.entry.shift.id),
            "member_id": str(duty.member.member_id),
            "checked_in_at": duty.during.isoformat(),
        },
        headers=site.csrf(resident),
    )
    assert answer.status_code == 403
    assert answer.json()["en"]
    for path in ("/roster", "/coverage"):
        assert resident.get(api(site, path)).status_code == 403, path
        assert resident.get(page(site, path)).status_code == 403, path
    auditor = site.client("auditor")
    assert auditor.get(page(site, "/roster")).status_code == 200
    assert auditor.get(page(site, "/check-in")).status_code == 403
    assert site.client().get(api(site, "/roster")).status_code == 401


def test_roster_period_is_checked(site: Site) -> None:
    cadre = site.client("cadre")
    too_long = cadre.get(api(site, "/roster"), params={"from": "2026-01-01", "to": "2026-12-31"})
    assert too_long.status_code == 422
    assert too_long.json()["problems"][0]["path"] == "to"
    week = cadre.get(api(site, "/roster")).json()
    monday = date.today() - timedelta(days=date.today().weekday())
    assert {e["shift"]["night"] for e in week} <= {
        str(monday + timedelta(days=n)) for n in range(7)
    }


def test_coverage_page_and_api_agree(site: Site) -> None:
    cadre = site.client("cadre")
    end = date.today() - timedelta(days=1)
    start = end - timedelta(days=13)
    period = {"from": str(start), "to": str(end)}
    report = cadre.get(api(site, "/coverage"), params=period).json()
    assert report["name"] == "patrol-coverage"
    data = report["data"]
    assert (data["start"], data["end"]) == (str(start), str(end))
    assert data["shifts_planned"] > 0
    html = cadre.get(page(site, "/coverage"), params=period).text
    assert f'data-key="shifts_planned">{data["shifts_planned"]:,}<' in html
    assert f'data-key="shifts_checked_in">{data["shifts_checked_in"]:,}<' in html
    for route in data["routes"]:
        assert f'data-route="{route["route"]}"' in html
    assert f"{end.year}年{end.month}月{end.day}日" in html
