"""Matching partner units by credit code or name, and error files that import again."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from commons_core import Actor, Community
from commons_core.io import ImportFailed, ImportOptions, import_table
from commons_core.io.layout import sheet
from commons_core.io.problems import ErrorFile, RowProblem
from commons_core.model import PartnerUnit
from commons_core.services import Commons
from commons_core.storage.tables import partner_unit

from .sheets import write_csv, write_xlsx

UNIT_HEADERS = [c.header for c in sheet("partner-units").columns]
RESIDENT_HEADERS = [c.header for c in sheet("residents").columns]
SCHOOL = ["第二小学", "学校", "", "建设路1号", "王五", "13912345679", "理事", "2024-03-02"]
CODE = "91110105MA01ABCE14"
# A household of one: number, relation, name, gender, ethnicity, birth date, ID number,
# phone, address, group, registration, household type, employment, registered address, moved in.
HEAD: list[Any] = [
    "0002",
    "户主",
    "马丽",
    "女",
    "回族",
    "1990-03-07",
    "110105199003070025",
    "13912345678",
    "文化路2号",
    "2",
    "常住",
    "户籍",
    "在业",
    "",
    "2001-05-01",
]
BAD_FILL = "00FFC7CE"


@pytest.fixture
def community(commons: Commons, admin: Actor) -> Community:
    with commons.unit_of_work(admin) as uow:
        return uow.repo(Community).add(Community(name="匹配社区"))


def units(commons: Commons, admin: Actor) -> list[PartnerUnit]:
    with commons.unit_of_work(admin) as uow:
        return uow.repo(PartnerUnit).find(order_by=[partner_unit.c.credit_code])


def import_units(commons: Commons, admin: Actor, path: Path, **options: Any) -> Any:
    return import_table(commons, admin, "partner-units", path, "匹配社区", ImportOptions(**options))


def import_residents(commons: Commons, admin: Actor, path: Path, **options: Any) -> Any:
    return import_table(commons, admin, "residents", path, "匹配社区", ImportOptions(**options))


# -- bug 1: partner units by credit code, else by name ---------------------------------------


def test_a_credit_code_is_added_to_the_unit_stored_without_one(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    first = import_units(commons, admin, write_csv(tmp_path / "a.csv", UNIT_HEADERS, [SCHOOL]))
    assert first.inserted == 1
    coded = [*SCHOOL[:2], CODE, *SCHOOL[3:]]
    second = import_units(commons, admin, write_csv(tmp_path / "b.csv", UNIT_HEADERS, [coded]))
    assert (second.inserted, second.updated) == (0, 1)
    (unit,) = units(commons, admin)
    assert (unit.name, unit.credit_code, unit.version) == ("第二小学", CODE, 1)
    # Without the code the row still means that unit, and leaves its code alone.
    third = import_units(commons, admin, tmp_path / "a.csv")
    assert (third.inserted, third.updated, third.unchanged) == (0, 0, 1)
    assert import_units(commons, admin, tmp_path / "b.csv").unchanged == 1
    assert [u.credit_code for u in units(commons, admin)] == [CODE]


def test_a_name_shared_by_units_without_a_code_is_a_row_problem(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    with commons.unit_of_work(admin) as uow:
        uow.repo(PartnerUnit).add_many(
            [PartnerUnit(community_id=community.id, name="第二小学") for _ in range(2)]
        )
    coded = [*SCHOOL[:2], CODE, *SCHOOL[3:]]
    path = write_csv(tmp_path / "b.csv", UNIT_HEADERS, [coded, SCHOOL])
    with pytest.raises(ImportFailed) as failed:
        import_units(commons, admin, path)
    problems = failed.value.summary.first_problems
    assert [(p.row, p.column, p.code) for p in problems] == [
        (2, "单位名称 / name", "name.ambiguous"),
        (3, "单位名称 / name", "name.ambiguous"),
    ]
    assert "2" in problems[0].en and "credit code" in problems[0].en
    assert [u.credit_code for u in units(commons, admin)] == [None, None]


def test_units_of_one_name_with_and_without_a_code_stay_apart(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    other = "91110105MA01ABCD13"
    with commons.unit_of_work(admin) as uow:
        uow.repo(PartnerUnit).add_many(
            [
                PartnerUnit(community_id=community.id, name="第二小学", credit_code=other),
                PartnerUnit(community_id=community.id, name="第二小学"),
            ]
        )
    coded = [*SCHOOL[:2], other, *SCHOOL[3:]]
    path = write_csv(tmp_path / "b.csv", UNIT_HEADERS, [coded, SCHOOL])
    summary = import_units(commons, admin, path)
    assert (summary.inserted, summary.updated, summary.rejected) == (0, 2, 0)
    assert import_units(commons, admin, path).unchanged == 2
    assert {u.credit_code for u in units(commons, admin)} == {other, None}


def test_two_rows_meaning_one_stored_unit_in_a_batch(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    import_units(commons, admin, write_csv(tmp_path / "a.csv", UNIT_HEADERS, [SCHOOL]))
    # Both codes would go to the one unit stored without a code.
    rows = [[*SCHOOL[:2], CODE, *SCHOOL[3:]], [*SCHOOL[:2], "91110105MA01ABCD13", *SCHOOL[3:]]]
    with pytest.raises(ImportFailed) as failed:
        import_units(commons, admin, write_csv(tmp_path / "b.csv", UNIT_HEADERS, rows))
    (problem,) = failed.value.summary.first_problems
    assert (problem.row, problem.code) == (3, "duplicate")
    assert "row 2" in problem.en


# -- bug 2a: dates in error files ------------------------------------------------------------


def test_dates_of_an_xlsx_file_in_a_csv_error_file_import_again(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    row = list(HEAD)
    row[3] = "未知"
    row[5] = datetime(1990, 3, 7)  # real date cells
    row[14] = datetime(2001, 5, 1)
    errors = tmp_path / "e.csv"
    with pytest.raises(ImportFailed):
        import_residents(
            commons,
            admin,
            write_xlsx(tmp_path / "r.xlsx", RESIDENT_HEADERS, [row]),
            errors_to=errors,
        )
    with errors.open(encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle))
    assert lines[1][5] == "1990-03-07"
    assert lines[1][14] == "2001-05-01"
    lines[1][3] = "女"
    write_csv(errors, lines[0], lines[1:])
    again = import_residents(commons, admin, errors)
    assert (again.inserted, again.rejected) == (1, 0)


def test_dates_and_times_in_error_files(tmp_path: Path) -> None:
    cells = [datetime(1980, 1, 1), datetime(2001, 5, 1, 8, 30, 15), date(2000, 1, 2)]
    problem = RowProblem(2, "a", cells[0], "x", "错", "wrong")
    with ErrorFile(tmp_path / "e.csv", ["a", "b", "c"]) as errors:
        errors.add(2, cells, [problem])
    text = (tmp_path / "e.csv").read_text(encoding="utf-8-sig")
    assert "1980-01-01,2001-05-01 08:30:15,2000-01-02,2," in text
    with ErrorFile(tmp_path / "e.xlsx", ["a", "b", "c"]) as errors:
        errors.add(2, cells, [problem])
    book = load_workbook(tmp_path / "e.xlsx")
    a, b, c = book["待修正 fix"][2][:3]
    assert (a.value, a.number_format) == (datetime(1980, 1, 1), "yyyy-mm-dd")
    assert b.value == datetime(2001, 5, 1, 8, 30, 15) and "h:mm" in b.number_format
    assert (c.value, c.number_format) == (datetime(2000, 1, 2), "yyyy-mm-dd")
    assert list(book["错误明细 problems"].values)[1][2] == "1980-01-01"


def test_real_date_cells_stay_dates_in_an_xlsx_error_file(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    row = list(HEAD)
    row[3] = "未知"
    row[5] = datetime(1990, 3, 7)
    errors = tmp_path / "e.xlsx"
    with pytest.raises(ImportFailed):
        import_residents(
            commons,
            admin,
            write_xlsx(tmp_path / "r.xlsx", RESIDENT_HEADERS, [row]),
            errors_to=errors,
        )
    book = load_workbook(errors)
    born = book["待修正 fix"]["F2"]
    assert (born.value, born.number_format) == (datetime(1990, 3, 7), "yyyy-mm-dd")
    book["待修正 fix"]["D2"] = "女"
    book.save(errors)
    assert import_residents(commons, admin, errors).inserted == 1


# -- bug 2b: bad cells marked whatever the headers ---------------------------------------------


@pytest.mark.parametrize("style", ["key", "zh", "en", "whole"])
def test_bad_cells_are_marked_whatever_header_style_the_file_uses(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path, style: str
) -> None:
    columns = sheet("residents").columns
    headers = {
        "key": [c.key for c in columns],
        "zh": [c.label.zh for c in columns],
        "en": [c.label.en for c in columns],
        "whole": [c.header for c in columns],
    }[style]
    row = list(HEAD)
    row[3] = "未知"  # a bad gender, found by the codec
    row[6] = 1.10105199003070025e17  # an ID number Excel made a float, found reading the cell
    errors = tmp_path / "e.xlsx"
    with pytest.raises(ImportFailed) as failed:
        import_residents(
            commons, admin, write_xlsx(tmp_path / "r.xlsx", headers, [row]), errors_to=errors
        )
    columns_named = {p.column for p in failed.value.summary.first_problems}
    assert columns_named == {"性别 / gender", "身份证号 / id_number"}
    fixes = load_workbook(errors)["待修正 fix"]
    marked = {c.column_letter for c in fixes[2] if c.comment is not None}
    assert marked == {"D", "G"}
    assert fixes["D2"].fill.fgColor.rgb == BAD_FILL
    assert "male/female" in fixes["D2"].comment.text
    assert "format the column as text" in fixes["G2"].comment.text
    assert fixes["C2"].comment is None and fixes["C2"].fill.fgColor.rgb != BAD_FILL


# -- cells that are no formula and no control characters ---------------------------------------


def test_rejected_cells_are_text_in_an_xlsx_error_file(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    row = list(HEAD)
    row[2] = "马\x0b丽"  # debris from copying
    row[3] = "未知"
    row[8] = '=HYPERLINK("http://example.com","x")'
    errors = tmp_path / "e.xlsx"
    with pytest.raises(ImportFailed):
        import_residents(
            commons,
            admin,
            write_csv(tmp_path / "r.csv", RESIDENT_HEADERS, [row]),
            errors_to=errors,
        )
    book = load_workbook(errors)
    fixes = book["待修正 fix"]
    name, address = fixes["C2"], fixes["I2"]
    assert (name.value, name.data_type) == ("马\ufffd丽", "s")
    assert (address.value, address.data_type) == (row[8], "s")
    for values in book["错误明细 problems"].iter_rows(min_row=2, values_only=True):
        assert not any(isinstance(v, str) and "\x0b" in v for v in values)
