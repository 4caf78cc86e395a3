"""Imports have resource limits with clear errors (issue 14, item 16).

Hostile files are built in the test's folder: a 310 KB workbook holding one
300 MB cell, 290 KB of 2×10^6 rows, cells in column XFD, a row of 10^6 cells,
a cell of 10^5 runs, styles of 20 MB, CSV cells beyond the ``csv`` module's
field limit, lines of 50 MB. Each is refused with a bilingual error naming
the row, column or part and the limit, while memory stays bounded (measured
with ``tracemalloc``); through :func:`import_table` and ``commons import`` on
SQLite and PostgreSQL nothing is written.
"""

from __future__ import annotations

import csv
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from commons_core import Actor, Community
from commons_core.io import FileError, ImportLimits, ImportOptions, import_table, open_table
from commons_core.io.layout import sheet
from commons_core.io.limits import EXCEL_MAX_ROWS, Stretches
from commons_core.services import Commons
from commons_core.storage.tables import household

from .hostile import HEADER, crafted_xlsx, repeated
from .sheets import write_csv

COMMUNITY = "限额社区"
HEADERS = [c.header for c in sheet("households").columns]
MB = 1 << 20
LIFTED = ImportLimits(max_xlsx_ratio=1e12)
"""The defaults without the compression ratio, to reach the checks made while reading."""


def refused(path: Path, limits: ImportLimits | None = None) -> tuple[FileError, int]:
    """The error reading every row of ``path`` raises, and the peak of memory it took."""
    tracemalloc.start()
    try:
        with pytest.raises(FileError) as failed, open_table(path, limits) as reader:
            for _row in reader.rows():
                pass
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return failed.value, peak


def says(error: FileError, *words: str) -> bool:
    """Whether the error's message, in both languages, holds every one of ``words``."""
    return bool(error.zh and error.en) and all(w in f"{error.zh} {error.en}" for w in words)


def _cell(text: Callable[[], Iterator[bytes]]) -> Callable[[], Iterator[bytes]]:
    def rows() -> Iterator[bytes]:
        yield HEADER.encode()
        yield b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
        yield from text()
        yield b"</t></is></c></row>"

    return rows


# XLSX


def test_a_300_mb_shared_cell_in_310_kb_is_refused_before_reading_it(tmp_path: Path) -> None:
    path = crafted_xlsx(
        tmp_path,
        "bomb.xlsx",
        lambda: [HEADER.encode(), b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>'],
        shared=lambda: [b"<si><t>", *repeated(b"x", 300 * MB), b"</t></si>"],
    )
    assert path.stat().st_size < 400_000
    error, peak = refused(path)
    assert says(error, "sharedStrings.xml", "100:1")
    assert peak < 5 * MB, peak  # it took 1.2 GB
    # Even allowed to unpack so well, the cell is cut off at the longest allowed.
    error, peak = refused(path, LIFTED)
    assert says(error, "sharedStrings", "32767")
    assert peak < 8 * MB, peak


def test_a_300_mb_inline_cell_is_refused_before_reading_it(tmp_path: Path) -> None:
    path = crafted_xlsx(tmp_path, "inline.xlsx", _cell(lambda: repeated(b"y", 300 * MB)))
    error, peak = refused(path)
    assert says(error, "xl/worksheets/sheet1.xml", "100:1")
    assert peak < 5 * MB, peak
    error, peak = refused(path, LIFTED)
    assert says(error, "sheet1.xml", "32767")
    assert peak < 8 * MB, peak


def test_a_cell_longer_than_allowed_names_its_row_and_column(tmp_path: Path) -> None:
    path = crafted_xlsx(tmp_path, "long.xlsx", _cell(lambda: iter([b"z" * 40_000])))
    error, _peak = refused(path)
    assert says(error, "A2", "32767"), error
    accepted = ImportLimits(max_cell_chars=40_000)
    with open_table(path, accepted) as reader:
        assert [len(cells[0]) for _n, cells in reader.rows()] == [40_000]
    error, _peak = refused(path, ImportLimits(max_cell_chars=39_999))
    assert says(error, "39999")


def test_two_million_rows_in_290_kb_are_refused_at_once(tmp_path: Path) -> None:
    # 98 MB of rows packed 343:1: reading them took 23 s, importing them past 90 s.
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    path = crafted_xlsx(tmp_path, "rows.xlsx", lambda: [HEADER.encode(), *repeated(row, 2_000_000)])
    assert path.stat().st_size < 300_000
    error, peak = refused(path)
    assert says(error, "sheet1.xml", "343:1") or says(error, "sheet1.xml", ":1")
    assert peak < 5 * MB, peak
    beyond = f'<row r="{EXCEL_MAX_ROWS + 1}"><c t="inlineStr"><is><t>x</t></is></c></row>'
    path = crafted_xlsx(tmp_path, "beyond.xlsx", lambda: [HEADER.encode(), beyond.encode()])
    error, _peak = refused(path)
    assert says(error, str(EXCEL_MAX_ROWS + 1), str(EXCEL_MAX_ROWS))


def test_rows_beyond_the_limit_are_refused(tmp_path: Path) -> None:
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    path = crafted_xlsx(tmp_path, "five.xlsx", lambda: [HEADER.encode(), row * 5])
    with open_table(path, ImportLimits(max_rows=5)) as reader:
        assert len(list(reader.rows())) == 5
    error, _peak = refused(path, ImportLimits(max_rows=4))
    assert says(error, "4")


def test_a_cell_in_column_xfd_is_refused_at_its_row(tmp_path: Path) -> None:
    # Each row padded to 16,384 cells: 200,000 such rows took 190 s to read.
    def rows() -> Iterator[bytes]:
        yield HEADER.encode()
        for n in range(2, 200_002):
            yield f'<row r="{n}"><c r="XFD{n}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()

    path = crafted_xlsx(tmp_path, "far.xlsx", rows)
    error, peak = refused(path, LIFTED)
    assert says(error, "2", "256"), error
    assert peak < 5 * MB, peak


def test_a_row_of_a_million_cells_is_refused_within_bounded_memory(tmp_path: Path) -> None:
    path = crafted_xlsx(
        tmp_path,
        "wide.xlsx",
        lambda: [HEADER.encode(), b'<row r="2">', *repeated(b"<c/>", 1_000_000), b"</row>"],
    )
    error, peak = refused(path, LIFTED)
    assert says(error, "2", "256")
    assert peak < 5 * MB, peak  # the row's elements were 80 MB


def test_a_cell_of_a_hundred_thousand_runs_is_refused_within_bounded_memory(
    tmp_path: Path,
) -> None:
    def rows() -> Iterator[bytes]:  # rich text: runs, not one <t>
        yield HEADER.encode()
        yield b'<row r="2"><c r="A2" t="inlineStr"><is>'
        yield from repeated(b"<r><t></t></r>", 100_000)
        yield b"</is></c></row>"

    path = crafted_xlsx(tmp_path, "runs.xlsx", rows)
    error, peak = refused(path, LIFTED)
    assert says(error, "A2", "65536"), error
    assert peak < 40 * MB, peak


def test_parts_parsed_whole_may_not_be_large(tmp_path: Path) -> None:
    styles = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'

    def huge_styles() -> Iterator[bytes]:
        yield f"<styleSheet {styles}>".encode()
        yield from repeated(b"<extLst/>", 2_500_000)
        yield b"</styleSheet>"

    path = crafted_xlsx(
        tmp_path,
        "styles.xlsx",
        lambda: [HEADER.encode()],
        replace={"xl/styles.xml": huge_styles},
    )
    error, peak = refused(path, LIFTED)
    assert says(error, "xl/styles.xml", str(16 * MB))
    assert peak < 5 * MB, peak


def test_a_workbook_unpacking_to_more_than_allowed_is_refused(tmp_path: Path) -> None:
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    path = crafted_xlsx(tmp_path, "small.xlsx", lambda: [HEADER.encode(), row])
    error, _peak = refused(path, ImportLimits(max_xlsx_bytes=4_000))
    assert says(error, "4000")


# CSV


def test_a_csv_cell_beyond_the_csv_modules_limit_names_its_row(tmp_path: Path) -> None:
    # 200 KiB: past the csv module's 131,072 characters it was "internal error".
    path = write_csv(tmp_path / "big.csv", HEADERS, [["0001", "户籍", "1", "x" * 200 * 1024]])
    error, peak = refused(path)
    assert says(error, "第2行", "row 2", "32767"), error
    assert peak < 4 * MB, peak
    accepted = ImportLimits(max_cell_chars=300_000)
    with open_table(path, accepted) as reader:
        assert len(next(reader.rows())[1][3]) == 200 * 1024


def test_a_csv_cell_longer_than_allowed_names_its_row_and_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "long.csv", HEADERS, [["0001", "户籍", "1", "x" * 40_000]])
    error, _peak = refused(path)
    assert says(error, "2", "4", HEADERS[3], "32767"), error
    with open_table(path, ImportLimits(max_cell_chars=40_000)) as reader:
        assert len(list(reader.rows())) == 1


def test_a_csv_of_too_many_columns_names_the_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "wide.csv", [f"c{i}" for i in range(300)], [["x"] * 300])
    with pytest.raises(FileError) as failed:
        open_table(path)
    assert says(failed.value, "1", "256")
    narrow = write_csv(tmp_path / "narrow.csv", HEADERS, [["0001"] * 300])
    error, _peak = refused(narrow)
    assert says(error, "2", "256")


def test_a_csv_line_without_end_is_refused_within_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "line.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(",".join(HEADERS) + "\n")
        for _ in range(50):
            handle.write("x" * MB)
    limits = ImportLimits(max_columns=20, max_cell_chars=1000)
    error, peak = refused(path, limits)
    assert says(error, "2", str(limits.line_chars()))
    assert peak < 2 * MB, peak  # the line is 50 MB
    error, peak = refused(path)  # the defaults: a line of 8.4 million characters at most
    assert says(error, "2")
    assert peak < 80 * MB, peak


@given(
    st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=30),
    st.lists(st.integers(1, 50), min_size=1, max_size=10),
    st.integers(0, 30),
)
def test_stretches_between_separators_are_measured_whatever_the_chunks(
    pieces: list[bytes], sizes: list[int], limit: int
) -> None:
    data = b"\n".join(pieces)
    chunks: list[bytes] = []
    at = 0
    while at < len(data):
        size = sizes[len(chunks) % len(sizes)]
        chunks.append(data[at : at + size])
        at += size
    stretches = Stretches(b"\n", limit)
    seen = b""
    for chunk in chunks:
        seen += chunk
        expected = max(map(len, seen.split(b"\n"))) > limit
        assert stretches.too_long(chunk) is expected
        if expected:
            break


# Through the importer and the command line, on both databases


@pytest.fixture
def community(commons: Commons, admin: Actor) -> Community:
    with commons.unit_of_work(admin) as uow:
        return uow.repo(Community).add(Community(name=COMMUNITY))


def household_count(commons: Commons) -> int:
    with commons.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(household)).scalar_one())


def rows(count: int) -> list[list[str]]:
    return [[f"{i:04d}", "户籍", "1", f"文化路{i}号", "", "", ""] for i in range(1, count + 1)]


@pytest.mark.parametrize("on_error", ["abort", "skip"])
def test_a_file_beyond_a_limit_writes_nothing_in_either_mode(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path, on_error: Any
) -> None:
    # In skip mode the first batches were committed before the row beyond the limit.
    path = write_csv(tmp_path / "h.csv", HEADERS, [*rows(8), ["0009", "户籍", "1", "x" * 40_000]])
    options = ImportOptions(on_error=on_error, batch_size=2)
    with pytest.raises(FileError) as failed:
        import_table(commons, admin, "households", path, COMMUNITY, options)
    assert says(failed.value, "10", "32767")
    limited = ImportOptions(on_error=on_error, batch_size=2, limits=ImportLimits(max_rows=5))
    with pytest.raises(FileError):
        import_table(
            commons,
            admin,
            "households",
            write_csv(tmp_path / "r.csv", HEADERS, rows(8)),
            COMMUNITY,
            limited,
        )
    assert household_count(commons) == 0


def test_a_hostile_workbook_is_refused_by_the_importer(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    path = crafted_xlsx(
        tmp_path,
        "bomb.xlsx",
        lambda: [HEADER.encode(), b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>'],
        shared=lambda: [b"<si><t>", *repeated(b"x", 50 * MB), b"</t></si>"],
    )
    for mode in ("abort", "skip"):
        with pytest.raises(FileError) as failed:
            import_table(
                commons, admin, "households", path, COMMUNITY, ImportOptions(on_error=mode)
            )
        assert says(failed.value, "sharedStrings.xml")
    assert household_count(commons) == 0


def test_the_command_line_takes_the_limits_and_says_which_was_exceeded(
    commons_main: Any, commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    big = write_csv(tmp_path / "big.csv", HEADERS, [["0001", "户籍", "1", "x" * 200 * 1024]])
    run = commons_main("import", "households", str(big), "--community", COMMUNITY)
    assert run.code == 1
    assert "第2行" in run.err and "row 2" in run.err, run.err
    assert "internal error" not in run.err and "Traceback" not in run.err
    good = write_csv(tmp_path / "good.csv", HEADERS, rows(3))
    for option, value, shown in (
        ("--max-rows", "2", "2"),
        ("--max-cell-chars", "3", "3"),
        ("--max-columns", "5", "5"),
        ("--max-xlsx-bytes", "10", None),
    ):
        run = commons_main(
            "import", "households", str(good), "--community", COMMUNITY, option, value
        )
        if shown is None:
            assert run.code == 0, run.err  # a CSV file: no workbook to unpack
            continue
        assert run.code == 1, (option, run.err)
        assert shown in run.err, run.err
    assert household_count(commons) == 3
    run = commons_main(
        "import", "households", str(good), "--community", COMMUNITY, "--max-rows", "0"
    )
    assert run.code == 2 and "--max-rows" in run.err


def test_limits_must_be_positive() -> None:
    for field in ("max_cell_chars", "max_columns", "max_rows", "max_xlsx_bytes", "max_xlsx_ratio"):
        with pytest.raises(ValueError, match="must be >"):
            ImportLimits(**{field: 0})


def test_the_csv_modules_limit_is_raised_only_when_a_limit_asks_for_more(tmp_path: Path) -> None:
    before = csv.field_size_limit()
    path = write_csv(tmp_path / "h.csv", HEADERS, rows(1))
    with open_table(path, ImportLimits(max_cell_chars=1000)):
        assert csv.field_size_limit() == before
