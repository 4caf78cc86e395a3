"""Exports and templates at their edges: names, permissions, places, text a sheet must keep."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from commons_core import AccessDenied, Actor, Community, ConfigurationError, Household, Resident
from commons_core.io import ImportOptions, export_table, import_table, write_template
from commons_core.io.output import OutputError
from commons_core.model import Gender, RelationToHead
from commons_core.services import Commons
from commons_core.storage.tables import audit_entry, household, resident
from commons_core.testing import CliRun


@pytest.fixture
def community(commons: Commons, admin: Actor) -> Community:
    with commons.unit_of_work(admin) as uow:
        place = uow.repo(Community).add(Community(name="边界社区"))
        home = uow.households.add(Household(community_id=place.id, household_no="0001"))
        uow.residents.add(
            Resident(
                community_id=place.id,
                household_id=home.id,
                relation_to_head=RelationToHead.HEAD,
                name="张三",
                gender=Gender.FEMALE,
                birth_date=date(1949, 12, 31),
                id_number="11010519491231002X",
            )
        )
    return place


def exports(commons: Commons) -> int:
    with commons.engine.connect() as conn:
        query = (
            select(func.count()).select_from(audit_entry).where(audit_entry.c.action == "export")
        )
        return int(conn.execute(query).scalar_one())


@pytest.mark.parametrize(
    ("entity", "kind"), [("resident", "residents"), ("household", "households")]
)
def test_an_entity_with_a_sheet_exports_in_its_layout_by_either_name(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path, entity: str, kind: str
) -> None:
    by_entity = export_table(commons, admin, entity, "边界社区", output=tmp_path / "a.csv")
    by_kind = export_table(commons, admin, kind, "边界社区", output=tmp_path / "b.csv")
    assert by_entity.columns == by_kind.columns
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_an_actor_without_the_export_permission_is_told_that_one(
    commons: Commons, actor_for: Callable[..., Actor], community: Community, tmp_path: Path
) -> None:
    worker = actor_for("grid_worker", community)
    with pytest.raises(AccessDenied) as denied:
        export_table(commons, worker, "residents", "边界社区", output=tmp_path / "x.csv")
    assert "resident:export" in str(denied.value)


def test_an_output_that_cannot_be_written_fails_before_the_export_is_audited(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    before = exports(commons)
    with pytest.raises(OutputError) as failed:
        export_table(commons, admin, "residents", "边界社区", output=tmp_path / "no" / "x.csv")
    assert "cannot write" in failed.value.en
    assert exports(commons) == before
    assert not (tmp_path / "no").exists()


def test_xlsx_keeps_text_that_looks_like_a_formula_as_text_and_it_imports_again(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    with commons.engine.begin() as conn:
        conn.execute(update(household).values(address='=HYPERLINK("http://x","y")'))
    target = tmp_path / "r.xlsx"
    export_table(commons, admin, "residents", "边界社区", output=target, fmt="xlsx", reveal=True)
    sheet = load_workbook(target).active
    assert sheet is not None
    cells = {c.value: c.data_type for c in sheet[2]}
    assert cells['=HYPERLINK("http://x","y")'] == "s"
    again = import_table(commons, admin, "residents", target, "边界社区", ImportOptions())
    assert (again.inserted, again.updated, again.households_updated) == (0, 0, 0)


def test_xlsx_names_the_record_holding_a_control_character(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    # Stored before text was checked: the rules refuse it now (tests/test_text_rules.py).
    with commons.engine.begin() as conn:
        conn.execute(update(resident).values(registered_address="北京\x0b市"))
    target = tmp_path / "r.xlsx"
    with pytest.raises(OutputError) as failed:
        export_table(commons, admin, "residents", "边界社区", output=target, fmt="xlsx")
    assert "row 2, registered_address" in failed.value.en
    assert not target.exists()
    export_table(commons, admin, "residents", "边界社区", output=tmp_path / "r.csv")
    assert "北京\x0b市" in (tmp_path / "r.csv").read_text(encoding="utf-8-sig")


def test_xlsx_sheet_names_fit_the_workbook_limit(
    commons_main: Callable[..., CliRun], community: Community, tmp_path: Path
) -> None:
    target = tmp_path / "changes.xlsx"
    entity = "love_supermarket_eligibility_change"  # a plugin's, 35 characters
    done = commons_main(
        "export", entity, "--community", "边界社区", "--format", "xlsx", "--output", str(target)
    )
    assert done.code == 0, done.err
    workbook = zipfile.ZipFile(target).read("xl/workbook.xml").decode()
    assert f'name="{entity[:31]}"' in workbook


def test_a_plugin_entitys_records_in_a_cell_are_json(
    commons: Commons, admin: Actor, demo_community: Callable[..., object], tmp_path: Path
) -> None:
    demo_community(seed=1, households=10, residents=20)
    with commons.unit_of_work(admin, readonly=True) as uow:
        name = uow.repo(Community).find()[0].name
    target = tmp_path / "points.csv"
    export_table(commons, admin, "service_point", name, output=target)
    with target.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    hours = [r[h] for r in rows for h in r if h.endswith("/ opening_hours") and r[h]]
    assert hours, "the demo's service points have opening hours"
    assert all(cell.startswith("[{") and "'" not in cell for cell in hours)


def test_a_template_into_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as failed:
        write_template("residents", tmp_path / "no" / "t.xlsx")
    assert "cannot write" in failed.value.en
    assert "无法写入" in failed.value.zh


def test_template_lists_warn_rather_than_refuse(tmp_path: Path) -> None:
    path = write_template("residents", tmp_path / "t.xlsx")
    sheet = load_workbook(path).worksheets[0]
    checks = sheet.data_validations.dataValidation
    assert checks and all(c.errorStyle == "warning" for c in checks)


def test_an_output_that_is_a_folder_is_a_clear_error_and_leaves_nothing_beside_it(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(OutputError) as failed:
        export_table(commons, admin, "residents", "边界社区", output=folder)
    assert "cannot write" in failed.value.en
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_a_column_asked_for_twice_is_a_clear_error(
    commons: Commons, admin: Actor, community: Community, tmp_path: Path
) -> None:
    with pytest.raises(ConfigurationError) as failed:
        export_table(commons, admin, "residents", "边界社区", columns=["name", "gender", "name"])
    assert failed.value.en == "columns given twice: name"
