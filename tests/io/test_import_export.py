"""Import and export of spreadsheets, on SQLite and PostgreSQL (issue 5)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from commons_core import AccessDenied, Actor, Community
from commons_core.io import (
    FileError,
    ImportFailed,
    ImportOptions,
    export_table,
    import_table,
    write_template,
)
from commons_core.io.layout import sheet
from commons_core.io.output import OutputError
from commons_core.services import Commons
from commons_core.storage.tables import audit_entry, household, resident

from . import sheets

HEADERS = [c.header for c in sheet("residents").columns]

# Valid rows: household number, relation, name, gender, ethnicity, birth date, ID number,
# phone, address, group, registration, household type, employment, registered address, moved in.
ROWS = [
    [
        "0001",
        "户主",
        "张三",
        "女",
        "汉族",
        "1949-12-31",
        "11010519491231002X",
        "13812345678",
        "文化路1号",
        "1",
        "常住",
        "户籍",
        "离退休",
        "",
        "1990-05-01",
    ],
    [
        "0001",
        "子女",
        "张小明",
        "男",
        "01",
        "1980-01-01",
        "110105198001010016",
        "",
        "",
        "",
        "常住",
        "",
        "在业",
        "",
        "",
    ],
    [
        "0002",
        "head",
        "马丽",
        "female",
        "回族",
        "1990-03-07",
        "110105199003070025",
        "13912345678",
        "文化路2号",
        "2",
        "resident",
        "registered",
        "employed",
        "",
        "",
    ],
]
BAD_ID = "110105198001010017"  # wrong check digit


@pytest.fixture
def community(commons: Commons, admin: Actor) -> Community:
    with commons.unit_of_work(admin) as uow:
        return uow.repo(Community).add(Community(name="导入社区"))


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    return sheets.write_csv(path, HEADERS, rows, encoding)


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    return sheets.write_xlsx(path, HEADERS, rows)


def counts(commons: Commons) -> tuple[int, int, int]:
    with commons.engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in (resident, household, audit_entry)
        )


def run(commons: Commons, admin: Actor, path: Path, **options: Any) -> Any:
    return import_table(commons, admin, "residents", path, "导入社区", ImportOptions(**options))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_each_encoding(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path, encoding: str
) -> None:
    path = write_csv(tmp_path / "r.csv", ROWS, encoding)
    summary = run(commons, admin, path)
    assert (summary.read, summary.inserted, summary.rejected) == (3, 3, 0)
    assert summary.encoding == ("utf-8-sig" if encoding == "utf-8-sig" else encoding)
    with commons.unit_of_work(admin) as uow:
        people = {p.name: p for p in uow.residents.find(reveal=True)}
        homes = {h.household_no: h for h in uow.households.find()}
    assert set(people) == {"张三", "张小明", "马丽"}
    assert people["张小明"].household_id == people["张三"].household_id == homes["0001"].id
    assert homes["0001"].address == "文化路1号"
    assert people["马丽"].id_number == "110105199003070025"


def test_xlsx_with_numbers_and_dates_in_cells(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    from datetime import datetime

    rows: list[list[Any]] = [list(r) for r in ROWS]
    rows[0][5] = datetime(1949, 12, 31)  # a real date cell
    rows[0][9] = 1  # group as a number
    rows[1][0] = "0001"
    rows[1][4] = 1  # ethnicity code typed as a number: 01
    rows[2][7] = 13912345678  # phone as a number (exact)
    summary = run(commons, admin, write_xlsx(tmp_path / "r.xlsx", rows))
    assert (summary.inserted, summary.rejected) == (3, 0)
    rows[2][6] = 1.10105199003070025e17  # an ID number Excel turned into a float
    with pytest.raises(ImportFailed) as failed:
        run(commons, admin, write_xlsx(tmp_path / "bad.xlsx", rows))
    problem = failed.value.summary.first_problems[0]
    assert problem.row == 4
    assert problem.column == "身份证号 / id_number"
    assert "format the column as text" in problem.en


def test_abort_mode_writes_nothing_when_the_last_row_of_a_large_file_is_bad(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
    from generate import district_rows

    rows = list(district_rows(3000, seed=3))
    rows[-1][6] = BAD_ID
    path = write_csv(tmp_path / "big.csv", rows)
    before = counts(commons)
    with pytest.raises(ImportFailed) as failed:
        run(commons, admin, path, errors_to=tmp_path / "errors.csv")
    summary = failed.value.summary
    assert (summary.read, summary.rejected) == (3000, 1)
    assert counts(commons) == before
    with (tmp_path / "errors.csv").open(encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle))
    assert lines[0][-2:] == ["原行号 / source_row", "错误 / problems"]
    assert lines[1][-2] == "3001"
    assert "check digit is wrong" in lines[1][-1]


def test_skip_mode_writes_good_rows_and_reports_every_problem(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    rows = [list(r) for r in ROWS]
    rows[1][6] = BAD_ID
    rows[2][3] = "未知"
    rows[2][5] = "1990-02-30"
    errors = tmp_path / "errors.xlsx"
    summary = run(
        commons, admin, write_csv(tmp_path / "r.csv", rows), on_error="skip", errors_to=errors
    )
    assert (summary.inserted, summary.rejected, summary.problems) == (1, 2, 3)
    assert summary.written
    book = load_workbook(errors)
    listed = list(book["错误明细 problems"].iter_rows(values_only=True))[1:]
    assert {(r[0], r[1]) for r in listed} == {
        (3, "身份证号 / id_number"),
        (4, "性别 / gender"),
        (4, "出生日期 / birth_date"),
    }
    # The error file is a register again: fix the cells and import it.
    fixed = book["待修正 fix"]
    fixed["G2"] = "110105198001010016"
    fixed["D3"] = "女"
    fixed["F3"] = "1990-03-07"
    book.save(errors)
    again = run(commons, admin, errors)
    assert (again.inserted, again.unchanged, again.rejected) == (2, 0, 0)


def test_rerun_creates_no_duplicates_and_updates_changed_rows(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", ROWS)
    run(commons, admin, path)
    _people, _homes, audits = counts(commons)
    rows = [list(r) for r in ROWS]
    rows[2][2] = "马丽丽"  # renamed
    summary = run(commons, admin, write_csv(tmp_path / "r2.csv", rows))
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 1, 2)
    people, homes, after = counts(commons)
    assert (people, homes) == (3, 2)
    assert after - audits == 1  # one audit entry for the one changed row
    with commons.unit_of_work(admin) as uow:
        (renamed,) = uow.residents.find(resident.c.name == "马丽丽")
    assert renamed.version == 1


def test_duplicates_and_heads_inside_the_file(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    rows = [list(r) for r in ROWS]
    rows.append(list(ROWS[2]))  # the same person again
    rows.append(
        [
            "0001",
            "户主",
            "李四",
            "男",
            "汉族",
            "1980-01-01",
            "110105198001010032",
            "",
            "",
            "",
            "常住",
            "",
            "",
            "",
            "",
        ]
    )  # a second head
    rows.append(
        [
            "0003",
            "子女",
            "王五",
            "男",
            "汉族",
            "1980-01-01",
            "110105198001010059",
            "",
            "",
            "",
            "常住",
            "",
            "",
            "",
            "",
        ]
    )  # a household without a head
    with pytest.raises(ImportFailed) as failed:
        run(commons, admin, write_csv(tmp_path / "r.csv", rows), errors_to=tmp_path / "e.csv")
    found = {(p.row, p.code) for p in failed.value.summary.first_problems}
    assert found == {
        (5, "id_number.duplicate"),
        (6, "household.head_count"),
        (7, "household.head_count"),
    }


def test_file_problems_are_clear_errors(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    path = tmp_path / "r.csv"
    path.write_text("姓名 / name,性别\n张三,女\n", encoding="utf-8")
    with pytest.raises(FileError) as caught:
        run(commons, admin, path)
    assert "household_no" in caught.value.en
    assert "id_number" in caught.value.en
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0 not a zip")
    with pytest.raises(FileError):
        run(commons, admin, tmp_path / "old.xls")


def test_headers_in_either_language(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    path = tmp_path / "r.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["household_no", "与户主关系", "name", "性别", "birth_date", "身份证号", "备注"]
        )
        writer.writerow(["0009", "户主", "赵六", "女", "1949-12-31", "11010519491231002x", "x"])
    summary = run(commons, admin, path)
    assert summary.inserted == 1
    assert summary.ignored_columns == ["备注"]


def test_masked_export_and_its_audit(
    commons: Commons,
    admin: Actor,
    community: Community,
    tmp_path: Path,
    actor_for: Callable[..., Actor],
) -> None:
    run(commons, admin, write_csv(tmp_path / "r.csv", ROWS))
    cadre = actor_for("cadre", community.id)
    out = tmp_path / "out.csv"
    summary = export_table(commons, cadre, "residents", "导入社区", output=out)
    assert summary.rows == 3
    assert summary.revealed == ()
    with out.open(encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == HEADERS
    by_name = {row[2]: dict(zip(HEADERS, row, strict=True)) for row in lines[1:]}
    first = by_name["张三"]
    assert first["身份证号 / id_number"] == "11****************"
    assert first["联系电话 / phone"] == "138********"
    assert first["性别 / gender"] == "女"
    with commons.engine.connect() as conn:
        entry = conn.execute(
            select(audit_entry.c.actor, audit_entry.c.changes).where(
                audit_entry.c.action == "export"
            )
        ).one()
    assert entry.actor == cadre.username
    assert entry.changes["revealed"] == []
    assert entry.changes["rows"] == 3
    # Revealing needs the permission: a grid worker may not even export.
    with pytest.raises(AccessDenied):
        export_table(
            commons, actor_for("grid_worker", community.id), "residents", "导入社区", output=out
        )
    auditor = actor_for("auditor", community.id)
    revealed = export_table(
        commons,
        auditor,
        "residents",
        "导入社区",
        fmt="json",
        output=tmp_path / "out.json",
        reveal=True,
    )
    assert revealed.revealed == ("id_number", "phone")
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    zhang = next(d for d in data if d["name"] == "张三")
    assert zhang["id_number"] == "11010519491231002X"
    assert zhang["gender"] == "female"


def test_export_import_round_trip(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    run(commons, admin, write_csv(tmp_path / "r.csv", ROWS))
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"out.{fmt}"
        export_table(
            commons,
            admin,
            "residents",
            "导入社区",
            output=out,
            fmt=fmt,  # type: ignore[arg-type]
            reveal=True,
        )
        summary = run(commons, admin, out)
        assert (summary.read, summary.unchanged, summary.inserted, summary.updated) == (3, 3, 0, 0)
    # A masked export keeps stored values for masked cells, but cannot identify residents.
    masked = tmp_path / "masked.csv"
    export_table(commons, admin, "residents", "导入社区", output=masked)
    with pytest.raises(ImportFailed) as failed:
        run(commons, admin, masked)
    assert {p.code for p in failed.value.summary.first_problems} == {"id_number.masked"}


def test_export_keeps_households_together_in_recorded_order_with_typed_json(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    """Household 0001's second member comes after household 0002 in the file: the export
    puts the household's members together, in the order recorded, and does so every time;
    JSON keeps dates as ISO text and residents' group numbers as numbers."""
    run(commons, admin, write_csv(tmp_path / "r.csv", [ROWS[0], ROWS[2], ROWS[1]]))
    outputs = []
    for fmt in ("json", "json", "csv"):
        out = tmp_path / f"out.{len(outputs)}.{fmt}"
        export_table(commons, admin, "residents", "导入社区", output=out, fmt=fmt)  # type: ignore[arg-type]
        outputs.append(out.read_text(encoding="utf-8-sig"))
    records = json.loads(outputs[0])
    assert outputs[1] == outputs[0]
    names = [r["name"] for r in records]
    assert names in (["张三", "张小明", "马丽"], ["马丽", "张三", "张小明"])
    first = records[names.index("张三")]
    assert (first["birth_date"], first["residents_group"], first["gender"]) == (
        "1949-12-31",
        1,
        "female",
    )
    assert records[names.index("张小明")]["phone"] is None
    lines = list(csv.reader(outputs[2].splitlines()))
    assert [line[2] for line in lines[1:]] == names
    assert lines[1 + names.index("张三")][5] == "1949-12-31"


def test_an_export_that_fails_while_writing_ends_cleanly(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    """The writer failing (a full disk, a closed pipe, Ctrl-C) raises a clear error: on
    PostgreSQL the rows' COPY held the connection, and the unit of work's rollback waited
    for it for ever."""
    run(commons, admin, write_csv(tmp_path / "r.csv", ROWS))

    def full_disk(done: int, share: float | None) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match="No space left on device"):
        export_table(
            commons, admin, "residents", "导入社区", output=tmp_path / "o.csv", progress=full_disk
        )
    assert list(tmp_path.glob("*o.csv*")) == []  # no partial file left behind
    summary = export_table(commons, admin, "residents", "导入社区", output=tmp_path / "o.csv")
    assert summary.rows == 3


def test_households_and_partner_units(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    homes = tmp_path / "h.csv"
    homes.write_text(
        "户号 / household_no,户别,居民小组,现住址,特殊户类别\n"
        "0001,户籍,3,文化路1号,低保、残疾\n0002,流动,3,文化路2号,\n",
        encoding="utf-8",
    )
    summary = import_table(commons, admin, "households", homes, "导入社区")
    assert (summary.inserted, summary.groups_created) == (2, 1)
    out = tmp_path / "h-out.csv"
    export_table(commons, admin, "households", "导入社区", output=out)
    assert "***" in out.read_text(encoding="utf-8-sig")  # statuses withheld
    again = import_table(commons, admin, "households", out, "导入社区")
    assert again.unchanged == 2
    with commons.unit_of_work(admin) as uow:
        stored = uow.households.find(household.c.household_no == "0001", reveal=True)
    assert {s.value for s in stored[0].statuses or ()} == {"low_income", "disability"}
    units = tmp_path / "u.csv"
    write_template("partner-units", units, "csv")
    summary = import_table(commons, admin, "partner-units", units, "导入社区")
    assert summary.read == 0  # the example row alone is skipped
    units.write_text(
        "单位名称 / name,单位类别,统一社会信用代码\n文化路第二小学,学校,91110105MA01ABCD13\n"
        "街道医院,医疗机构,\n",
        encoding="utf-8",
    )
    assert import_table(commons, admin, "partner-units", units, "导入社区").inserted == 2
    assert import_table(commons, admin, "partner-units", units, "导入社区").unchanged == 2


def test_templates(tmp_path: Path) -> None:
    path = write_template("residents", tmp_path / "t.xlsx")
    book = load_workbook(path)
    data = book.worksheets[0]
    assert [c.value for c in data[1]] == HEADERS
    lists = {str(v.sqref)[0] for v in data.data_validations.dataValidation}
    # relation to head (B), gender (D), ethnicity (E) and the other choice columns
    assert {"B", "D", "E"} <= lists
    choices = book["选项 choices"]
    assert choices.sheet_state == "hidden"
    assert [c.value for c in choices["E"]][1:57][0] == "汉族"


def test_cli_commands(
    commons_db_url: str, commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from commons_core.cli.context import CliState
    from commons_core.cli.main import _register_commands, cli

    _register_commands(commons.host)
    runner = CliRunner()
    state = CliState(commons_db_url, None, False, commons.host)
    path = write_csv(tmp_path / "r.csv", ROWS)
    result = runner.invoke(
        cli,
        [
            "--db",
            commons_db_url,
            "import",
            "residents",
            str(path),
            "--community",
            "导入社区",
            "--json",
        ],
        obj=state,
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["inserted"] == 3
    state = CliState(commons_db_url, None, False, commons.host)
    result = runner.invoke(
        cli,
        [
            "--db",
            commons_db_url,
            "export",
            "residents",
            "--community",
            "导入社区",
            "--columns",
            "name,gender",
        ],
        obj=state,
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].endswith("姓名 / name,性别 / gender")


def test_export_of_any_entity_is_masked_by_field(
    commons: Commons,
    admin: Actor,
    demo_community: Callable[..., Any],
    tmp_path: Path,
    actor_for: Callable[..., Actor],
) -> None:
    demo = demo_community()
    name = demo.communities["small"].name
    out = tmp_path / "staff.json"
    summary = export_table(commons, admin, "staff", name, fmt="json", output=out)
    staff = json.loads(out.read_text(encoding="utf-8"))
    assert summary.rows == len(staff) == len(demo.data["small"].staff)
    assert all("*" in s["phone"] for s in staff)
    assert {"id", "name", "position", "phone"} <= set(staff[0])
    assert "version" not in staff[0]
    with pytest.raises(AccessDenied):
        export_table(
            commons, actor_for("reader", demo.communities["small"].id), "staff", name, output=out
        )
