"""The files around an import: the error file's place, the template's example row, encodings.

End to end through :func:`import_table` and the ``commons import`` command, on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from openpyxl import Workbook
from sqlalchemy import func, select

from commons_core import Actor, Community
from commons_core.io import FileError, ImportOptions, import_table, write_template
from commons_core.io.layout import sheet
from commons_core.io.output import OutputError
from commons_core.services import Commons
from commons_core.storage.tables import household

from .sheets import write_csv

COMMUNITY = "文件社区"
HOUSEHOLD_HEADERS = [c.header for c in sheet("households").columns]


@pytest.fixture
def community(commons: Commons, admin: Actor) -> Community:
    with commons.unit_of_work(admin) as uow:
        return uow.repo(Community).add(Community(name=COMMUNITY))


def households(commons: Commons, admin: Actor, path: Path, **options: Any) -> Any:
    return import_table(commons, admin, "households", path, COMMUNITY, ImportOptions(**options))


def stored_households(commons: Commons) -> list[str]:
    with commons.engine.connect() as conn:
        return sorted(conn.execute(select(household.c.household_no)).scalars())


def household_count(commons: Commons) -> int:
    with commons.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(household)).scalar_one())


def many_rows(count: int) -> list[list[str]]:
    """Good household rows, one with a bad household type every tenth row."""
    return [
        [f"{i:04d}", "bogus" if i % 10 == 0 else "户籍", "1", f"文化路{i}号", "", "", ""]
        for i in range(1, count + 1)
    ]


def cli_import(commons_db_url: str, commons: Commons, *args: str) -> Result:
    from commons_core.cli.context import CliState
    from commons_core.cli.main import _register_commands, cli

    _register_commands(commons.host)
    state = CliState(commons_db_url, None, False, commons.host)
    return CliRunner().invoke(
        cli, ["--db", commons_db_url, "import", *args, "--community", COMMUNITY], obj=state
    )


# --errors-to: the file being imported


def test_errors_to_the_input_file_is_refused_before_reading(
    commons_db_url: str, commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADERS, many_rows(2000))
    before = source.read_bytes()
    result = cli_import(
        commons_db_url,
        commons,
        "households",
        str(source),
        "--on-error",
        "skip",
        "--errors-to",
        str(source),
    )
    assert result.exit_code == 1
    assert isinstance(result.exception, OutputError)
    assert "导入" in result.exception.zh and "imported" in result.exception.en
    assert source.read_bytes() == before
    assert household_count(commons) == 0


def test_errors_to_the_input_through_another_name_is_refused(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path, monkeypatch: Any
) -> None:
    source = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADERS, many_rows(30))
    before = source.read_bytes()
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    linked = tmp_path / "linked.csv"
    os.link(source, linked)
    for other in (Path("../h.csv"), tmp_path / "sub" / ".." / "h.csv", linked):
        with pytest.raises(OutputError):
            households(commons, admin, Path("../h.csv"), on_error="skip", errors_to=other)
        assert source.read_bytes() == before
    assert household_count(commons) == 0


def test_errors_to_an_xlsx_input_is_refused(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    book = Workbook()
    data = book.active
    assert data is not None
    data.append(HOUSEHOLD_HEADERS)
    for row in many_rows(30):
        data.append(row)
    source = tmp_path / "h.xlsx"
    book.save(source)
    before = source.read_bytes()
    with pytest.raises(OutputError):
        households(commons, admin, source, on_error="skip", errors_to=source)
    assert source.read_bytes() == before
    assert household_count(commons) == 0


# --errors-to: a place that cannot be written, and a file complete or absent


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_errors_to_a_missing_folder_is_a_clear_error_before_any_row(
    commons_db_url: str,
    commons: Commons,
    admin: Actor,
    community: Community,
    tmp_path: Path,
    suffix: str,
) -> None:
    source = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADERS, many_rows(30))
    target = tmp_path / "missing" / f"e{suffix}"
    result = cli_import(
        commons_db_url,
        commons,
        "households",
        str(source),
        "--on-error",
        "skip",
        "--errors-to",
        str(target),
    )
    assert result.exit_code == 1
    assert isinstance(result.exception, OutputError), result.exception
    assert str(target) in result.exception.en
    assert household_count(commons) == 0  # not a row was written
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_error_file_is_complete_or_absent(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path, suffix: str
) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    target = folder / f"e{suffix}"
    source = write_csv(folder / "h.csv", HOUSEHOLD_HEADERS, many_rows(30))
    summary = households(commons, admin, source, on_error="skip", errors_to=target)
    assert (summary.read, summary.rejected) == (30, 3)
    assert sorted(p.name for p in folder.iterdir()) == sorted(["h.csv", target.name])
    again = households(commons, admin, target, on_error="skip")  # the error file re-imports
    assert (again.read, again.rejected) == (3, 3)
    target.unlink()
    # The file turns out unreadable after batches with bad rows: no error file, no partial one.
    source = write_csv(folder / "h.csv", HOUSEHOLD_HEADERS, many_rows(600))
    source.write_bytes(source.read_bytes() + "0601,户籍,1,坏\n".encode("gb18030"))
    with pytest.raises(FileError):
        households(commons, admin, source, on_error="skip", errors_to=target, batch_size=100)
    assert sorted(p.name for p in folder.iterdir()) == ["h.csv"]


# The template's example row


def test_a_first_row_like_the_example_is_imported(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    rows = [["0001", "户籍", "1", "", "", "", ""], ["0002", "户籍", "1", "", "", "", ""]]
    summary = households(commons, admin, write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADERS, rows))
    assert (summary.read, summary.inserted, summary.example_row_skipped) == (2, 2, False)
    assert stored_households(commons) == ["0001", "0002"]


def test_a_first_row_of_a_file_with_fewer_columns_is_imported(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "h.csv", ["户号 / household_no"], [["0001"], ["0003"]])
    summary = households(commons, admin, path)
    assert (summary.read, summary.inserted, summary.example_row_skipped) == (2, 2, False)
    assert stored_households(commons) == ["0001", "0003"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_templates_example_row_is_skipped_and_said_so(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path, fmt: Any
) -> None:
    path = write_template("households", tmp_path / f"t.{fmt}", fmt)
    summary = households(commons, admin, path)
    assert (summary.read, summary.example_row_skipped) == (0, True)
    assert summary.as_json()["example_row_skipped"] is True
    assert household_count(commons) == 0


def test_the_cli_says_the_example_row_was_skipped(
    commons_db_url: str, commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    path = write_template("households", tmp_path / "t.csv", "csv")
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow(["0005", "户籍", "1", "文化路5号", "", "", ""])
    result = cli_import(commons_db_url, commons, "households", str(path))
    assert result.exit_code == 0, result.output
    assert "example" in result.stderr and "示例" in result.stderr
    assert stored_households(commons) == ["0005"]
    result = cli_import(commons_db_url, commons, "households", str(path), "--json")
    assert json.loads(result.stdout)["example_row_skipped"] is True


# Encodings


def ascii_rows(count: int) -> str:
    """Household rows in English and pinyin, each over 73 bytes."""
    return "".join(
        f"H{i:04d},registered,No. {i} Wenhua Road Building 1 Unit 1 Room 101 Dongcheng\n"
        for i in range(1, count + 1)
    )


def test_a_gb18030_file_whose_first_64_kib_are_ascii(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    text = "household_no,household_type,address\n" + ascii_rows(900) + "H0901,流动,文化路1号\n"
    path = tmp_path / "h.csv"
    path.write_bytes(text.encode("gb18030"))
    assert text.encode("gb18030").index("流".encode("gb18030")) > 1 << 16  # past the old sample
    summary = households(commons, admin, path)
    assert (summary.encoding, summary.read, summary.inserted) == ("gb18030", 901, 901)
    with commons.unit_of_work(admin) as uow:
        stored = uow.households.find(household.c.household_no == "H0901")
    assert stored[0].address == "文化路1号"


def test_a_decoding_error_names_its_row(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    # UTF-8 from the Chinese headers on; row 902 was pasted in from a GB18030 file.
    head = "户号 / household_no,户别 / household_type,现住址 / address\n" + ascii_rows(900)
    path = tmp_path / "h.csv"
    path.write_bytes(
        head.encode("utf-8") + "H0901,流动,文化路1号\n".encode("gb18030") + b"H0902,registered,x\n"
    )
    with pytest.raises(FileError) as caught:
        households(commons, admin, path, on_error="skip")
    assert "第902行" in caught.value.zh and "row 902 " in caught.value.en
    assert "utf-8" in caught.value.en


def test_a_decoding_error_after_multiline_cells_names_its_row(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    rows = "".join(
        f'H{i:04d},"No. {i} Wenhua Road\nBuilding 1 Unit 1 Room 101 Dongcheng"\n'
        for i in range(1, 2001)
    )
    head = "户号 / household_no,现住址 / address\n" + rows
    path = tmp_path / "h.csv"
    path.write_bytes(head.encode("utf-8") + "H2001,坏\n".encode("gb18030"))
    with pytest.raises(FileError) as caught:
        households(commons, admin, path)
    assert "第2002行" in caught.value.zh


def test_a_line_without_any_recognised_cell_is_no_record(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    """An error file's line about a whole household holds only its row number and problems."""
    headers = [*HOUSEHOLD_HEADERS, "原行号 / source_row", "错误 / problems"]
    rows = [
        ["0001", "户籍", "1", "文化路1号", "", "", "", "", ""],
        ["", "", "", "", "", "", "", "7", "户号 0003 没有户主"],
    ]
    summary = households(commons, admin, write_csv(tmp_path / "h.csv", headers, rows))
    assert (summary.read, summary.inserted, summary.rejected) == (1, 1, 0)
    assert stored_households(commons) == ["0001"]
