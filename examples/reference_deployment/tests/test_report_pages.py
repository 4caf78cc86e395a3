"""Every report's page and downloads (issue 15, item 5), core's and plugins', no plugin code.

Each report of the bundled plugins is opened as the cadre with every
parameter, its table shown, its CSV and XLSX downloaded and read back; a
report the user may not run is the 403 page, an unknown one 404, a bad day a
bilingual 400, a period the wrong way round a 422 naming the field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook

from commons_core import Actor, Community, Scope
from commons_core.reports import ReportParams


@pytest.fixture
def commons_plugins(bundled_plugins: Mapping[str, object]) -> Mapping[str, object]:
    return bundled_plugins


def test_every_report_has_its_page_and_downloads(site: Any) -> None:
    cadre = site.client("cadre")
    listed = cadre.get(site.page("/reports"))
    assert listed.status_code == 200
    names = sorted(site.commons.reports)
    assert {"community-summary", "love-supermarket-stock", "patrol-coverage"} <= set(names)
    for name in names:
        assert f'/reports/{name}"' in listed.text, name
        query = {"as_of": "2026-06-30", "from": "2026-01-01", "to": "2026-06-30"}
        page = cadre.get(site.page(f"/reports/{name}"), params=query)
        assert page.status_code == 200, (name, page.text[:300])
        report = site.commons.reports[name]
        assert report.title.zh in page.text
        assert 'value="2026-01-01"' in page.text and 'value="2026-06-30"' in page.text
        assert f"{name}/download?" in page.text
        got = cadre.get(site.page(f"/reports/{name}/download"), params={**query, "format": "csv"})
        assert got.status_code == 200, name
        assert got.headers["content-type"].startswith("text/csv")
        assert f"{name}-2026-06-30.csv" in got.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
        cadre_actor = Actor("cadre", frozenset({"cadre"}), Scope.community(site.community_id))
        params = ReportParams(
            as_of=date(2026, 6, 30), start=date(2026, 1, 1), end=date(2026, 6, 30)
        )
        with site.commons.unit_of_work(cadre_actor, readonly=True) as uow:
            place = uow.repo(Community).get(site.community_id)
            result = report.run(uow, place, params)
        assert rows[0] == [c.key for c in result.columns], name
        assert len(rows) == len(result.rows) + 1, name
        book = cadre.get(site.page(f"/reports/{name}/download"), params={**query, "format": "xlsx"})
        assert book.status_code == 200, name
        sheet = load_workbook(io.BytesIO(book.content), read_only=True).active
        header = next(sheet.iter_rows(values_only=True)) if result.columns else ()
        assert list(header) == [f"{c.label.zh} / {c.key}" for c in result.columns], name
    assert f'href="{site.page("/reports")}"' in cadre.get(site.page("/")).text  # in the nav


def test_refusals_and_bad_input(site: Any) -> None:
    resident = site.client("resident")
    refused = resident.get(site.page("/reports/love-supermarket-stock"))
    assert refused.status_code == 403
    assert resident.get(site.page("/reports/love-supermarket-stock/download")).status_code == 403
    cadre = site.client("cadre")
    assert cadre.get(site.page("/reports/no-such-report")).status_code == 404
    bad_day = cadre.get(site.page("/reports/community-summary"), params={"as_of": "2026-13-01"})
    assert bad_day.status_code == 400 and "as_of" in bad_day.text
    backwards = cadre.get(
        site.page("/reports/patrol-coverage"), params={"from": "2026-06-30", "to": "2026-01-01"}
    )
    assert backwards.status_code == 422
    bad_format = cadre.get(
        site.page("/reports/community-summary/download"), params={"format": "pdf"}
    )
    assert bad_format.status_code == 400 and "format" in bad_format.text
