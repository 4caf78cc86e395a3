"""Households and their heads when residents are imported: the whole file decides, not row order."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from commons_core import Actor, Community
from commons_core.io import ImportFailed, ImportOptions, ImportSummary, import_table
from commons_core.io.layout import sheet
from commons_core.model import RelationToHead, ResidentsGroup
from commons_core.services import Commons

COLUMNS = sheet("residents").columns
HEADERS = [c.header for c in COLUMNS]

ZHANG_SAN = {
    "household_no": "0001",
    "relation_to_head": "户主",
    "name": "张三",
    "gender": "女",
    "ethnicity": "汉族",
    "birth_date": "1949-12-31",
    "id_number": "11010519491231002X",
    "phone": "13812345678",
    "address": "文化路1号",
    "residents_group": "1",
    "registration_status": "常住",
    "household_type": "户籍",
    "employment_status": "离退休",
    "moved_in_on": "1990-05-01",
}
ZHANG_XIAOMING = {
    "household_no": "0001",
    "relation_to_head": "子女",
    "name": "张小明",
    "gender": "男",
    "ethnicity": "01",
    "birth_date": "1980-01-01",
    "id_number": "110105198001010016",
    "registration_status": "常住",
    "employment_status": "在业",
}
MA_LI = {
    "household_no": "0002",
    "relation_to_head": "户主",
    "name": "马丽",
    "gender": "女",
    "ethnicity": "回族",
    "birth_date": "1990-03-07",
    "id_number": "110105199003070025",
    "address": "文化路2号",
    "residents_group": "2",
}
LI_SI = {
    "household_no": "0001",
    "relation_to_head": "配偶",
    "name": "李四",
    "gender": "男",
    "birth_date": "1980-01-01",
    "id_number": "110105198001010032",
}
WANG_WU = {
    "household_no": "0003",
    "relation_to_head": "子女",
    "name": "王五",
    "gender": "男",
    "birth_date": "1980-01-01",
    "id_number": "110105198001010059",
}
BATCHES = pytest.mark.parametrize("batch_size", [1, 1000])
MODES = pytest.mark.parametrize("on_error", ["abort", "skip"])


@pytest.fixture
def community(commons: Commons, admin: Actor) -> Community:
    with commons.unit_of_work(admin) as uow:
        return uow.repo(Community).add(Community(name="户主社区"))


def row(person: dict[str, str], **changes: str) -> list[str]:
    """A register row in the template's column order."""
    values = {**person, **changes}
    return [values.get(c.key, "") for c in COLUMNS]


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path


def load(
    commons: Commons, admin: Actor, tmp_path: Path, rows: list[list[str]], **options: Any
) -> ImportSummary:
    path = write(tmp_path / f"r{len(list(tmp_path.iterdir()))}.csv", rows)
    return import_table(commons, admin, "residents", path, "户主社区", ImportOptions(**options))


def failure(
    commons: Commons, admin: Actor, tmp_path: Path, rows: list[list[str]], **options: Any
) -> ImportSummary:
    with pytest.raises(ImportFailed) as failed:
        load(commons, admin, tmp_path, rows, **options)
    return failed.value.summary


def households(commons: Commons, admin: Actor) -> dict[str, dict[str, Any]]:
    """Each household by number: its address, group number, members and heads by name."""
    with commons.unit_of_work(admin) as uow:
        groups = {g.id: g.number for g in uow.repo(ResidentsGroup).find()}
        homes = {h.id: h for h in uow.households.find()}
        people = uow.residents.find()
    found: dict[str, dict[str, Any]] = {
        h.household_no: {
            "address": h.address,
            "group": groups.get(h.residents_group_id) if h.residents_group_id else None,
            "members": set(),
            "heads": set(),
        }
        for h in homes.values()
    }
    for person in people:
        assert person.household_id is not None
        home = found[homes[person.household_id].household_no]
        home["members"].add(person.name)
        if person.relation_to_head is RelationToHead.HEAD:
            home["heads"].add(person.name)
    return found


def problems(summary: ImportSummary) -> list[tuple[int, str, str]]:
    return [(p.row, p.code, p.en) for p in summary.first_problems]


# -- 1. blank household cells inherit, whichever row gives the values -------------------


@BATCHES
@MODES
def test_a_member_may_come_before_the_row_giving_the_household_details(
    commons: Commons,
    admin: Actor,
    community: Community,
    tmp_path: Path,
    batch_size: int,
    on_error: str,
) -> None:
    rows = [row(ZHANG_XIAOMING), row(ZHANG_SAN)]
    summary = load(commons, admin, tmp_path, rows, batch_size=batch_size, on_error=on_error)
    assert (summary.inserted, summary.rejected, summary.problems) == (2, 0, 0)
    assert summary.households_created == 1
    assert households(commons, admin) == {
        "0001": {
            "address": "文化路1号",
            "group": 1,
            "members": {"张三", "张小明"},
            "heads": {"张三"},
        }
    }


@BATCHES
@MODES
def test_later_rows_fill_what_earlier_rows_left_blank_in_a_stored_household(
    commons: Commons,
    admin: Actor,
    community: Community,
    tmp_path: Path,
    batch_size: int,
    on_error: str,
) -> None:
    load(commons, admin, tmp_path, [row(ZHANG_SAN, address="旧街5号", residents_group="")])
    rows = [row(LI_SI), row(ZHANG_XIAOMING), row(ZHANG_SAN)]
    summary = load(commons, admin, tmp_path, rows, batch_size=batch_size, on_error=on_error)
    assert (summary.inserted, summary.unchanged, summary.rejected) == (2, 1, 0)
    assert summary.households_updated == 1
    home = households(commons, admin)["0001"]
    assert (home["address"], home["group"], home["heads"]) == ("文化路1号", 1, {"张三"})


@BATCHES
@MODES
def test_only_a_value_differing_from_an_earlier_given_value_is_a_conflict(
    commons: Commons,
    admin: Actor,
    community: Community,
    tmp_path: Path,
    batch_size: int,
    on_error: str,
) -> None:
    rows = [row(ZHANG_XIAOMING), row(ZHANG_SAN), row(LI_SI, address="文化路9号")]
    options = {"batch_size": batch_size, "on_error": on_error}
    if on_error == "abort":
        summary = failure(commons, admin, tmp_path, rows, **options)
        assert households(commons, admin) == {}
    else:
        summary = load(commons, admin, tmp_path, rows, **options)
        assert households(commons, admin)["0001"]["members"] == {"张三", "张小明"}
    assert summary.rejected == 1
    (problem,) = summary.first_problems
    assert (problem.row, problem.column, problem.code) == (
        4,
        "现住址 / address",
        "household.conflict",
    )
    assert problem.zh == "与第3行(同一户号 0001)的值不一致"


# -- 2. a household left without its head is reported ------------------------------------


@MODES
def test_demoting_the_only_head_of_a_stored_household_is_a_problem(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path, on_error: str
) -> None:
    load(commons, admin, tmp_path, [row(ZHANG_SAN), row(ZHANG_XIAOMING)])
    rows = [row(ZHANG_SAN, relation_to_head="子女")]
    if on_error == "abort":
        summary = failure(commons, admin, tmp_path, rows)
        assert (summary.updated, summary.rejected, summary.written) == (1, 1, False)
        assert households(commons, admin)["0001"]["heads"] == {"张三"}
    else:
        summary = load(commons, admin, tmp_path, rows, on_error="skip")
        assert (summary.updated, summary.rejected, summary.problems) == (1, 0, 1)
        assert households(commons, admin)["0001"]["heads"] == set()
    (problem,) = summary.first_problems
    assert (problem.row, problem.code) == (2, "household.head_count")
    assert problem.zh.startswith("户号 0001 没有户主(本文件第2行)")


@BATCHES
def test_moving_the_head_away_leaves_the_old_household_without_one(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path, batch_size: int
) -> None:
    load(commons, admin, tmp_path, [row(ZHANG_SAN), row(ZHANG_XIAOMING), row(MA_LI)])
    summary = failure(
        commons, admin, tmp_path, [row(ZHANG_SAN, household_no="0009")], batch_size=batch_size
    )
    assert problems(summary) == [
        (2, "household.head_count", "household 0001 has no head (row 2 of this file)")
    ]
    # Moving the head of a household of one leaves no one there to need a head.
    moved = row(MA_LI, household_no="0001", relation_to_head="配偶", address="", residents_group="")
    summary = load(commons, admin, tmp_path, [moved])
    assert (summary.updated, summary.problems) == (1, 0)
    assert households(commons, admin)["0002"]["members"] == set()


@BATCHES
def test_a_new_household_without_a_head_is_still_a_problem(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path, batch_size: int
) -> None:
    rows = [row(WANG_WU), row(ZHANG_SAN), row(WANG_WU, name="王六", id_number="110105198001010075")]
    summary = failure(commons, admin, tmp_path, rows, batch_size=batch_size)
    assert problems(summary) == [
        (2, "household.head_count", "household 0003 has no head (rows 2, 4 of this file)")
    ]
    assert households(commons, admin) == {}


# -- 3. changing the head: the file's outcome decides, not the order of its rows ---------


@BATCHES
@MODES
@pytest.mark.parametrize("new_head_first", [True, False])
def test_a_head_may_be_replaced_in_either_order(
    commons: Commons,
    admin: Actor,
    community: Community,
    tmp_path: Path,
    batch_size: int,
    on_error: str,
    new_head_first: bool,
) -> None:
    load(commons, admin, tmp_path, [row(ZHANG_SAN), row(ZHANG_XIAOMING)])
    rows = [row(ZHANG_XIAOMING, relation_to_head="户主"), row(ZHANG_SAN, relation_to_head="父母")]
    if not new_head_first:
        rows.reverse()
    summary = load(commons, admin, tmp_path, rows, batch_size=batch_size, on_error=on_error)
    assert (summary.updated, summary.rejected, summary.problems) == (2, 0, 0)
    assert households(commons, admin)["0001"]["heads"] == {"张小明"}


@BATCHES
def test_a_new_head_while_the_stored_one_stays_is_a_problem(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path, batch_size: int
) -> None:
    load(commons, admin, tmp_path, [row(ZHANG_SAN), row(ZHANG_XIAOMING)])
    rows = [row(LI_SI), row(ZHANG_XIAOMING, relation_to_head="户主")]
    summary = failure(commons, admin, tmp_path, rows, batch_size=batch_size)
    assert problems(summary) == [
        (
            2,
            "household.head_count",
            "household 0001 has 2 heads; a household has exactly one (rows 2, 3 of this file)",
        )
    ]
    assert households(commons, admin)["0001"]["members"] == {"张三", "张小明"}


@BATCHES
def test_two_heads_in_the_file_reject_the_later_row(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path, batch_size: int
) -> None:
    rows = [row(ZHANG_SAN), row(ZHANG_XIAOMING), row(LI_SI, relation_to_head="户主")]
    summary = failure(commons, admin, tmp_path, rows, batch_size=batch_size)
    assert problems(summary) == [
        (4, "household.head_count", "household 0001 already has a head (row 2)")
    ]


# -- 4. skip mode: a household problem is a warning about written rows --------------------


def test_skip_mode_warns_about_a_headless_household_without_rejecting_its_rows(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    errors = tmp_path / "errors.csv"
    rows = [row(ZHANG_SAN), row(WANG_WU), row(ZHANG_XIAOMING)]
    summary = load(commons, admin, tmp_path, rows, on_error="skip", errors_to=errors)
    assert (summary.inserted, summary.rejected, summary.problems) == (3, 0, 1)
    assert households(commons, admin)["0003"]["members"] == {"王五"}
    (problem,) = summary.first_problems
    assert (problem.row, problem.code) == (3, "household.head_count")
    assert "warning" in problem.en
    with errors.open(encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle))
    assert len(lines) == 2
    *cells, source_row, message = lines[1]
    assert not any(cells)  # nothing to fix in the cells: the rows were written
    assert source_row == "3"
    assert "户号 0003 没有户主(本文件第3行)" in message
    assert "household 0003 has no head (row 3 of this file)" in message


def test_the_cli_refuses_to_leave_a_stored_household_without_its_head(
    commons_db_url: str, commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from commons_core.cli.context import CliState
    from commons_core.cli.main import _register_commands, cli

    load(commons, admin, tmp_path, [row(ZHANG_SAN), row(ZHANG_XIAOMING)])
    _register_commands(commons.host)
    path = write(tmp_path / "demote.csv", [row(ZHANG_SAN, relation_to_head="子女")])
    args = ["--db", commons_db_url, "import", "residents", str(path), "--community", "户主社区"]
    state = CliState(commons_db_url, None, False, commons.host)
    result = CliRunner().invoke(cli, [*args, "--json"], obj=state)
    assert result.exit_code != 0
    summary = json.loads(result.stdout)
    assert (summary["updated"], summary["rejected"], summary["written"]) == (1, 1, False)
    assert households(commons, admin)["0001"]["heads"] == {"张三"}
