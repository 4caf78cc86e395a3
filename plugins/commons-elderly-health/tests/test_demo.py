"""The demo: 文化路社区 has health files for exactly 95% of its residents 60+."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from commons_elderly_health import COVERAGE, CheckUp, FileStatus, HealthFile, Measurement, plugin
from commons_elderly_health.demo import files_to_open
from commons_elderly_health.reports import coverage_percent
from sqlalchemy import func, select

from commons_core import Actor, PartnerUnit, PartnerUnitKind
from commons_core.reports import ReportParams
from commons_core.services import Commons
from commons_core.testing import backend_params, loaded_demo

PLUGINS = {"elderly_health": plugin}


@pytest.fixture(scope="module", params=backend_params())
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Commons]:
    """``commons demo`` (three communities) with this plugin, loaded once per backend."""
    with loaded_demo(request.param, tmp_path_factory.mktemp("demo"), PLUGINS) as commons:
        yield commons


def coverage(commons: Commons, name: str) -> dict[str, Any]:
    with commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        community = uow.find_community(name)
        data: dict[str, Any] = commons.reports[COVERAGE].run(uow, community, ReportParams()).data
    return data


def test_wenhualu_coverage_is_95_percent(demo: Commons) -> None:
    data = coverage(demo, "文化路社区")
    assert data["coverage_percent"] == 95.0
    assert data["residents_60_plus"] > 500
    assert data["files_opened"] + data["files_due"] == data["residents_60_plus"]
    assert data["files_due"] > 0


def test_wenhualu_has_overdue_check_ups_and_an_80_plus_list(demo: Commons) -> None:
    data = coverage(demo, "文化路社区")
    assert 0 < data["check_ups_overdue"] < data["files_opened"] / 5
    assert len(data["overdue"]) == data["check_ups_overdue"]
    assert any(row["last_check_up"] is None for row in data["overdue"])
    assert any(row["last_check_up"] is not None for row in data["overdue"])
    assert data["residents_80_plus"] == len(data["condolence_visits"]) > 20
    assert any(not row["file_opened"] for row in data["condolence_visits"]) or (
        data["files_due"] < data["residents_80_plus"]
    )


def test_every_demo_community_has_files_readings_and_check_ups(demo: Commons) -> None:
    for name in ("文化路社区", "天鹤社区", "慈溪社区"):
        data = coverage(demo, name)
        assert 85 <= data["coverage_percent"] <= 95
    with demo.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        readings = uow.repo(Measurement).count()
        files = uow.repo(HealthFile).count(uow.repo(HealthFile).table.c.status == FileStatus.OPEN)
        c = uow.scoped(CheckUp)
        p = uow.scoped(PartnerUnit)
        by_kind: dict[Any, int] = dict(
            uow.connection.execute(
                select(p.c.kind, func.count())
                .select_from(
                    c.join(p, (p.c.community_id == c.c.community_id) & (p.c.id == c.c.clinic_id))
                )
                .group_by(p.c.kind)
            ).all()
        )
    assert readings > 2 * files
    assert set(by_kind) == {PartnerUnitKind.HOSPITAL}


def test_files_to_open_hits_the_figure_as_the_report_rounds() -> None:
    for residents in range(1, 3000):
        near = range(int(residents * 0.95) - 3, int(residents * 0.95) + 4)
        if any(coverage_percent(k, residents) == 95.0 for k in near):
            assert coverage_percent(files_to_open(residents, 95.0), residents) == 95.0
