"""``commons patrol …`` as users run it: through main(), errors one clear line each."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

from commons_safety_patrol import Shift

from commons_core import Actor
from commons_core.services import Commons
from commons_core.testing import CliRun

from .test_services import counts, crew
from .world import START, World, three_at_a_meeting

Run = Callable[..., CliRun]
WEEK_END = START + timedelta(days=6)


def roster(commons_main: Run, world: World, *args: str) -> CliRun:
    return commons_main(
        "patrol", "roster", "--community", world.name, "--from", str(START), "--to", str(WEEK_END),
        *args,
    )  # fmt: skip


def test_roster_prints_the_proposal_and_saves_only_with_apply(
    commons_main: Run, world: World, commons: Commons, admin: Actor
) -> None:
    code, out, err = roster(commons_main, world)
    assert code == 0, err
    assert "巡逻排班 / patrol roster" in out and "2026-02-02" in out and "东线" in out
    assert "14 new shifts, 0 already saved, 0 short" in out
    assert "not saved; add --apply" in out
    assert counts(commons, admin) == (0, 0)
    code, out, err = roster(commons_main, world, "--apply")
    assert code == 0, err
    assert "saved 14 shifts" in out
    assert counts(commons, admin) == (14, 14)
    code, out, _ = roster(commons_main, world, "--json")
    data = json.loads(out)
    assert data["kept"] == 14 and data["shifts"] == [] and data["complete"] is True


def test_roster_explains_gaps_and_refuses_to_save_them(
    commons_main: Run, world: World, commons: Commons, admin: Actor
) -> None:
    three_at_a_meeting(commons, admin, world)
    code, out, _ = roster(commons_main, world, "--json")
    data = json.loads(out)
    assert code == 0 and data["complete"] is False
    (gap,) = data["gaps"]
    assert gap["night"] == "2026-02-02" and gap["needed"] == 1
    assert {b["rule"] for b in gap["blocked"]} == {"unavailable", "overlap"}
    code, out, err = roster(commons_main, world, "--apply")
    assert code == 1
    assert "could not be fully staffed" in out and "当日不可排班" in out
    assert "错误 / error: 排班未满足规则" in err and "Traceback" not in err
    assert counts(commons, admin) == (0, 0)
    code, out, _ = roster(commons_main, world, "--apply", "--allow-gaps")
    assert code == 0 and "saved 13 shifts" in out


def test_bad_input_is_one_clear_line(commons_main: Run, world: World) -> None:
    code, _, err = commons_main(
        "patrol", "roster", "--community", world.name, "--from", "2026-03-01", "--to", "2026-02-01"
    )
    assert code == 1 and "早于" in err and "Traceback" not in err
    code, _, err = roster(commons_main, world, "--min-rest-hours", "100")
    assert code == 1 and "minimum rest must be 0 to 48 hours" in err
    code, _, err = commons_main(
        "patrol", "roster", "--community", "无此社区", "--from", "2026-02-01", "--to", "2026-02-02"
    )
    assert code == 1 and "no community 无此社区" in err


def test_check_in_incident_and_follow_up(
    commons_main: Run, world: World, commons: Commons, admin: Actor
) -> None:
    roster(commons_main, world, "--apply")
    with commons.unit_of_work(admin, readonly=True) as uow:
        first = uow.repo(Shift).find(order_by=[uow.repo(Shift).table.c.starts_at], limit=1)[0]
    (on,) = crew(commons, admin, first)
    at = (first.starts_at + timedelta(minutes=3)).isoformat()
    code, out, _ = commons_main(
        "patrol", "shifts", "--community", world.name, "--night", "2026-02-02"
    )
    assert code == 0 and str(first.id) in out
    code, out, err = commons_main(
        "patrol", "check-in", "--community", world.name, "--shift", str(first.id),
        "--member", on.name, "--at", at, "--building", world.buildings[0].name,
    )  # fmt: skip
    assert code == 0, err
    assert "已签到 / checked in." in out and str(on.id) in out
    code, out, _ = commons_main(
        "patrol", "shifts", "--community", world.name, "--night", "2026-02-02", "--json"
    )
    listed = {s["id"]: s for s in json.loads(out)}
    assert listed[str(first.id)]["members"] == [{"member": on.name, "checked_in": True}]
    code, out, err = commons_main(
        "patrol", "incident", "--community", world.name, "--kind", "消防隐患",
        "--description", "楼道内有电动车充电", "--at", at, "--shift", str(first.id), "--json",
    )  # fmt: skip
    assert code == 0, err
    recorded = json.loads(out)
    assert recorded["kind"] == "fire_hazard" and recorded["route_id"] == str(first.route_id)
    incident_id = recorded["id"]
    code, _, err = commons_main(
        "patrol", "incident", "--community", world.name, "--kind", "火灾", "--description", "x"
    )
    assert code == 2 and "消防隐患" in err
    code, _, err = commons_main("patrol", "follow-up", incident_id, "--status", "resolved")
    assert code == 1 and "closed_on" in err
    code, out, err = commons_main(
        "patrol", "follow-up", incident_id, "--status", "已办结", "--closed-on", "2026-02-03",
        "--note", "已清理",
    )  # fmt: skip
    assert code == 0 and "已更新 / updated." in out and "已办结" in out and "已清理" in out


def test_holidays_and_periods(commons_main: Run, world: World) -> None:
    code, out, err = commons_main(
        "patrol", "holidays", "--community", world.name, "--year", "2026", "--json"
    )
    assert code == 0, err
    added = {(p["name"], p["starts_on"], p["ends_on"]) for p in json.loads(out)}
    assert {("春节", "2026-02-16", "2026-02-23"), ("国庆节", "2026-10-01", "2026-10-07")} <= added
    code, out, _ = commons_main("patrol", "holidays", "--community", world.name, "--year", "2026")
    assert "无 / none." in out
    code, out, err = commons_main(
        "patrol", "period", "--community", world.name, "--name", "两会安保",
        "--from", "2026-02-03", "--to", "2026-02-04", "--extra-members", "1", "--no-extra-shifts",
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = roster(commons_main, world, "--json")
    heightened = [s for s in json.loads(out)["shifts"] if s["period"] == "两会安保"]
    assert len(heightened) == 4 and all(len(s["members"]) == 2 for s in heightened)


def test_the_plugin_is_listed_ok(commons_main: Run) -> None:
    code, out, _ = commons_main("plugins", "--json")
    assert code == 0
    found = next(p for p in json.loads(out) if p["name"] == "safety_patrol")
    assert found["status"] == "ok" and found["package"] == "commons-safety-patrol"
    assert "commons_demo_data" in found["hooks"]
