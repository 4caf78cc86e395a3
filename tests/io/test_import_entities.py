"""Import, template and export of any importable entity, a plugin's (issue 15, item 6).

The safety patrol declares its team entity ``importable=True``: its sheet is
derived from the model (:mod:`commons_core.io.derive`) and loaded with the
residents' error file, modes and re-run safety, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import Result
from commons_safety_patrol import plugin
from sqlalchemy import func, select

from commons_core import AccessDenied, Actor, Community
from commons_core.io import ImportFailed, ImportOptions, export_table, import_table
from commons_core.io.derive import derived_sheet, match_columns
from commons_core.model import PartnerUnitKind
from commons_core.plugins import make_plugin_host
from commons_core.services import Commons
from commons_core.storage.tables import audit_entry

from . import sheets

TEAM = "safety_patrol_team"
HEADERS = ["名称 / name", "成立日期 / founded_on", "备注 / note"]


@pytest.fixture
def commons_plugins() -> Mapping[str, object]:
    """The safety patrol plugin, whose team entity is importable."""
    return {"safety_patrol": plugin}


@pytest.fixture
def community(commons: Commons, admin: Actor) -> Community:
    with commons.unit_of_work(admin) as uow:
        return uow.repo(Community).add(Community(name="巡逻社区"))


def teams(commons: Commons) -> dict[str, tuple[Any, ...]]:
    """The stored teams by name: (founded on, note, version)."""
    table = commons.entity(TEAM).table
    with commons.engine.connect() as conn:
        rows = conn.execute(select(table.c.name, table.c.founded_on, table.c.note, table.c.version))
        return {r[0]: (r[1] and r[1].isoformat(), r[2], r[3]) for r in rows}


def audit_count(commons: Commons) -> int:
    with commons.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(audit_entry)).scalar_one())


def summary_of(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_template_fill_import_and_reimport_changes_nothing(
    commons: Commons,
    community: Community,
    commons_cli: Callable[..., Result],
    tmp_path: Path,
) -> None:
    template = tmp_path / "teams.csv"
    made = commons_cli(
        "template", "safety-patrol-team", "--format", "csv", "--output", str(template)
    )
    assert made.exit_code == 0, made.output
    with template.open(encoding="utf-8-sig", newline="") as handle:
        header, example = list(csv.reader(handle))
    assert header == HEADERS
    assert example == ["", "2024-03-01", ""]
    # Filled in as a user would: the example row left in, two teams below it.
    with template.open("a", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([["红袖标巡逻队", "2020-05-01", "夜间"], ["护校队", "", ""]])
    args = ("import", TEAM, str(template), "--community", "巡逻社区", "--json")

    first = summary_of(commons_cli(*args))
    assert (first["kind"], first["inserted"], first["example_row_skipped"]) == (TEAM, 2, True)
    stored = teams(commons)
    assert stored == {"红袖标巡逻队": ("2020-05-01", "夜间", 0), "护校队": (None, None, 0)}

    audited = audit_count(commons)
    again = summary_of(commons_cli(*args))
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert teams(commons) == stored
    assert audit_count(commons) == audited

    # A changed cell updates the record it names (matched by the unique name).
    changed = sheets.write_csv(tmp_path / "changed.csv", HEADERS, [["护校队", "2021-09-01", ""]])
    third = summary_of(
        commons_cli(
            "import", "safety-patrol-team", str(changed), "--community", "巡逻社区", "--json"
        )
    )
    assert (third["inserted"], third["updated"]) == (0, 1)
    assert teams(commons)["护校队"] == ("2021-09-01", None, 1)


def test_bad_rows_go_to_the_error_file_naming_row_and_field(
    commons: Commons,
    admin: Actor,
    community: Community,
    commons_cli: Callable[..., Result],
    tmp_path: Path,
) -> None:
    path = sheets.write_csv(
        tmp_path / "bad.csv",
        HEADERS,
        [["好队", "2020-01-01", ""], ["坏日期队", "2020-13-40", ""], ["", "2020-01-01", "无名"]],
    )
    errors = tmp_path / "errors.csv"
    args = ("import", TEAM, str(path), "--community", "巡逻社区", "--errors-to", str(errors))
    result = commons_cli(*args)
    assert result.exit_code != 0
    assert teams(commons) == {}  # abort: nothing written
    with errors.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.DictReader(handle))
    assert [line["原行号 / source_row"] for line in lines] == ["3", "4"]
    assert "成立日期 / founded_on" in lines[0]["错误 / problems"]
    assert "不是有效日期" in lines[0]["错误 / problems"]
    assert "not a real date" in lines[0]["错误 / problems"]
    assert "名称 / name" in lines[1]["错误 / problems"]

    summary = import_table(
        commons, admin, "safety-patrol-team", path, "巡逻社区", ImportOptions(on_error="skip")
    )
    assert (summary.inserted, summary.rejected) == (1, 2)
    assert set(teams(commons)) == {"好队"}
    with pytest.raises(ImportFailed) as failed:
        import_table(commons, admin, TEAM, path, "巡逻社区")
    problem = failed.value.summary.first_problems[0]
    assert (problem.row, problem.column) == (3, "成立日期 / founded_on")


def test_an_actor_without_create_is_refused(
    commons: Commons,
    community: Community,
    actor_for: Callable[..., Actor],
    tmp_path: Path,
) -> None:
    path = sheets.write_csv(tmp_path / "t.csv", HEADERS, [["红袖标巡逻队", "", ""]])
    grid_worker = actor_for("grid_worker", community.id)
    with pytest.raises(AccessDenied) as denied:
        import_table(commons, grid_worker, TEAM, path, "巡逻社区")
    assert denied.value.permission == f"{TEAM}:create"
    assert teams(commons) == {}


def test_unknown_or_unimportable_names_the_choices(
    commons: Commons, community: Community, commons_cli: Callable[..., Result], tmp_path: Path
) -> None:
    path = sheets.write_csv(tmp_path / "t.csv", HEADERS, [["红袖标巡逻队", "", ""]])
    for name in ("no-such-thing", "safety_patrol_route"):
        result = commons_cli("import", name, str(path), "--community", "巡逻社区")
        assert result.exit_code == 2
        assert "residents" in result.output and TEAM in result.output
        assert "choose from" in result.output and "可选" in result.output
    helped = commons_cli("import", "--help")
    assert helped.exit_code == 0
    assert TEAM in helped.output and "partner-units" in helped.output


def test_export_of_the_team_imports_again_unchanged(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    path = sheets.write_csv(tmp_path / "t.csv", HEADERS, [["红袖标巡逻队", "2020-05-01", "夜间"]])
    import_table(commons, admin, TEAM, path, "巡逻社区")
    out = tmp_path / "out.csv"
    export_table(commons, admin, TEAM, "巡逻社区", output=out)
    again = import_table(commons, admin, TEAM, out, "巡逻社区")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    assert again.ignored_columns == ["编号 / id"]


def test_without_a_unique_key_a_row_matches_on_every_value_it_gives(
    commons: Commons,
    admin: Actor,
    community: Community,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # Sensitive periods have no unique constraint: declared importable for this test.
    name = "safety_patrol_sensitive_period"
    entities = [attrs.evolve(e, importable=True) if e.name == name else e for e in commons.entities]
    monkeypatch.setattr(commons, "entities", entities)
    headers = [
        "名称 / name",
        "开始日期 / starts_on",
        "结束日期 / ends_on",
        "每班加派人数 / extra_members",
    ]
    rows = [["春节", "2026-02-15", "2026-02-23", "1"], ["国庆", "2026-10-01", "2026-10-07", ""]]
    path = sheets.write_csv(tmp_path / "p.csv", headers, rows)
    first = import_table(commons, admin, "safety-patrol-sensitive-period", path, "巡逻社区")
    again = import_table(commons, admin, name, path, "巡逻社区")
    assert (first.inserted, again.inserted, again.unchanged) == (2, 0, 2)
    moved = sheets.write_csv(
        tmp_path / "q.csv", headers, [["春节", "2026-02-16", "2026-02-23", "1"]]
    )
    assert import_table(commons, admin, name, moved, "巡逻社区").inserted == 1


def test_derived_sheets_follow_the_fields() -> None:
    from commons_elderly_health import plugin as health

    host = make_plugin_host(
        load_entry_points=False, plugins={"safety_patrol": plugin, "elderly_health": health}
    )
    entities = {e.name: e for e in host.entities()}
    units = derived_sheet(entities["partner_unit"])
    by_key = {c.key: c for c in units.columns}
    assert "id" not in by_key and "community_id" not in by_key and "version" not in by_key
    assert by_key["name"].header == "单位名称 / name" and by_key["name"].required
    assert by_key["kind"].choices is PartnerUnitKind and not by_key["kind"].required
    assert by_key["kind"].hint.zh == PartnerUnitKind.choices()
    assert not by_key["agreement_signed_on"].text
    # A sensitive field is text, whatever its type, and its masks mean "keep what is stored".
    readings = derived_sheet(entities["elderly_health_measurement"])
    systolic = readings.column("systolic")
    assert systolic.text and not systolic.required and "systolic" in readings.sensitive
    assert readings.column("measured_on").required
    # Match columns: the unique constraint after community_id, if its columns are non-null.
    assert match_columns(entities[TEAM]) == ("name",)
    assert match_columns(entities["safety_patrol_route_building"]) == ("route_id", "building_id")
    assert match_columns(entities["safety_patrol_member"]) == ()  # staff_id … may be empty
