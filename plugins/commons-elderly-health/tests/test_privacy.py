"""Health data is sensitive: masked unless revealed with ``reveal:health``, never logged,
audited masked, exported with the resident and forgotten with them."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from commons_elderly_health import ChronicCondition, HealthRecords, Measurement

from commons_core import AccessDenied, Actor, ResidentStatus
from commons_core.services import Commons
from commons_core.services.audit import read_entries
from commons_core.services.subject import anonymise_departed, export_subject

from .conftest import TODAY, World

SYSTOLIC, DIASTOLIC, GLUCOSE = 173, 97, Decimal("9.3")


@pytest.fixture
def recorded(commons: Commons, world: World, health_worker: Actor) -> Measurement:
    """张奶奶's file with hypertension, and one reading of hers."""
    who = world.residents["张奶奶"]
    with commons.unit_of_work(health_worker) as uow:
        health = HealthRecords(uow)
        health.open_file(who, conditions={ChronicCondition.HYPERTENSION}, note="长期服用降压药")
        return health.record_measurement(
            who, systolic=SYSTOLIC, diastolic=DIASTOLIC, glucose=GLUCOSE
        )


def test_values_are_masked_unless_revealed(
    commons: Commons, world: World, recorded: Measurement, health_worker: Actor
) -> None:
    who = world.residents["张奶奶"]
    with commons.unit_of_work(health_worker, readonly=True) as uow:
        health = HealthRecords(uow)
        (masked,) = health.measurements(who)
        file = health.file_of(who)
    assert (masked.systolic, masked.diastolic, masked.glucose) == (None, None, None)
    assert file.conditions is None and file.note == "***"
    with commons.unit_of_work(health_worker) as uow:
        (shown,) = HealthRecords(uow).measurements(who, reveal=True)
    assert (shown.systolic, shown.diastolic, shown.glucose) == (SYSTOLIC, DIASTOLIC, GLUCOSE)


@pytest.mark.parametrize("role", ["cadre", "grid_worker", "resident"])
def test_only_reveal_health_shows_values(
    commons: Commons,
    world: World,
    recorded: Measurement,
    actor_for: Callable[..., Actor],
    role: str,
) -> None:
    actor = actor_for(role, world.community_id)
    with pytest.raises(AccessDenied), commons.unit_of_work(actor) as uow:
        HealthRecords(uow).measurements(world.residents["张奶奶"], reveal=True)


def test_the_administrator_may_reveal(
    commons: Commons, world: World, recorded: Measurement, actor_for: Callable[..., Actor]
) -> None:
    with commons.unit_of_work(actor_for("administrator")) as uow:
        (shown,) = HealthRecords(uow).measurements(world.residents["张奶奶"], reveal=True)
    assert shown.systolic == SYSTOLIC


def test_values_never_reach_the_log_nor_the_audit_trail(
    commons: Commons,
    world: World,
    health_worker: Actor,
    caplog: pytest.LogCaptureFixture,
) -> None:
    who = world.residents["张奶奶"]
    caplog.set_level(logging.DEBUG)
    with commons.unit_of_work(health_worker) as uow:
        health = HealthRecords(uow)
        health.open_file(who, conditions={ChronicCondition.DIABETES})
        health.record_measurement(who, systolic=SYSTOLIC, diastolic=DIASTOLIC, glucose=GLUCOSE)
    with commons.unit_of_work(health_worker) as uow:
        HealthRecords(uow).measurements(who, reveal=True)
    assert (
        "elderly_health_measurement recorded" in caplog.text
    )  # the plugin does log, without values
    # As whole tokens: "97" may well occur inside a UUID the log names.
    logged = set(re.findall(r"[\w.]+", caplog.text))
    for value in (str(SYSTOLIC), str(DIASTOLIC), str(GLUCOSE), "diabetes", "糖尿病"):
        assert value not in logged, value
    with commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        entries = [
            e for e in read_entries(uow.connection) if e.entity.startswith("elderly_health_")
        ]
    assert {e.entity for e in entries} >= {"elderly_health_measurement", "elderly_health_file"}
    trail = set(re.findall(r"[\w.]+", repr([e.changes for e in entries])))
    assert not {str(SYSTOLIC), str(GLUCOSE), "diabetes"} & trail


def test_health_records_are_exported_with_the_resident_then_forgotten(
    commons: Commons, world: World, recorded: Measurement, admin: Actor
) -> None:
    who = world.residents["张奶奶"]
    with commons.unit_of_work(admin) as uow:
        exported = export_subject(uow, who)
    (reading,) = exported["records"]["elderly_health_measurement"]
    assert reading["systolic"] == SYSTOLIC
    assert exported["records"]["elderly_health_file"][0]["conditions"] == ["hypertension"]
    with commons.unit_of_work(admin) as uow:
        uow.residents.move_out(uow.residents.get(who), on=TODAY - timedelta(days=10))
    with commons.unit_of_work(admin) as uow:
        assert anonymise_departed(uow, retention_days=1) == [who]
    with commons.unit_of_work(admin, readonly=True) as uow:
        assert uow.residents.get(who).status is ResidentStatus.MOVED_OUT
        for name in ("elderly_health_file", "elderly_health_measurement"):
            repo = uow.repo(name)
            assert repo.count(repo.table.c.resident_id == who) == 0
