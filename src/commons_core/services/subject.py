"""Data-subject rights and retention (PIPL arts. 45 and 47).

:func:`export_subject` gathers everything held about one resident, core's and
plugins', as JSON-ready data. :func:`anonymise_departed` removes the personal
data of residents who moved out longer ago than the retention period, keeping
what aggregate figures use (gender, ethnicity, birth year, dates of moving) and
leaving the audit trail untouched, so its chains still verify.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

import attrs

from commons_core.model import ResidentAnonymised, ResidentStatus
from commons_core.services.audit import read_entries
from commons_core.services.erasure import erase
from commons_core.services.repository import Repository
from commons_core.services.unit_of_work import UnitOfWork
from commons_core.storage.erasure import ANONYMOUS, resident_links
from commons_core.storage.tables import resident

__all__ = ["ANONYMOUS", "DEFAULT_RETENTION_DAYS", "anonymise_departed", "export_subject"]

DEFAULT_RETENTION_DAYS = 3 * 365


def export_subject(uow: UnitOfWork, resident_id: UUID) -> dict[str, Any]:
    """Everything held about one resident, unmasked (needs ``resident:export`` and reveals).

    The keys are ``resident``, ``household``, ``records`` (entity name → the
    records of core and plugins that refer to the resident) and ``audit``
    (the trail's entries about the resident, values masked as stored; ``None``
    unless the actor may read the trail, ``audit:read``).
    """
    uow.require("resident:export", f"resident {resident_id}")
    codec = uow.commons.codec
    person = uow.residents.get(resident_id, reveal=True)
    household = (
        uow.households.get(person.household_id, reveal=True) if person.household_id else None
    )
    records: dict[str, list[Any]] = {}
    for entity in uow.commons.entities:
        columns = resident_links(entity.table)
        if entity.name == "resident" or not columns:
            continue
        found = []
        repo: Repository[Any] = uow.repo(entity.model)
        for column in columns:
            found += repo.find(entity.table.c[column] == resident_id, reveal=True)
        if found:
            records[entity.name] = [codec.unstructure(r) for r in found]
    audit = None
    if uow.can("audit:read"):  # the trail is the auditors' (see docs/access.md)
        audit = [
            {
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "entity": e.entity,
                "changes": e.changes,
            }
            for e in read_entries(uow.connection, community_ids=[person.community_id])
            if e.key == str(resident_id)
        ]
    uow.audit.record(
        person.community_id,
        "subject_export",
        "resident",
        resident_id,
        {},
        where=uow.residents.where(person),
    )
    return {
        "resident": codec.unstructure(person),
        "household": codec.unstructure(household) if household else None,
        "records": records,
        "audit": audit,
    }


def anonymise_departed(
    uow: UnitOfWork, *, retention_days: int = DEFAULT_RETENTION_DAYS, today: date | None = None
) -> list[UUID]:
    """Anonymise residents who moved out more than ``retention_days`` ago; return their ids.

    Names become 已匿名; ID number, phone and registered address are removed;
    the birth date keeps its year (1 January). The records of core and plugins
    that refer to the resident are deleted, anonymised or kept as each entity
    declares (:func:`commons_core.services.erasure.erase`; key-group flags go,
    names on party membership and seats become 已匿名), and
    listeners are told through :class:`~commons_core.model.ResidentAnonymised`.
    """
    today = today or uow.rule_context.today
    cutoff = today - timedelta(days=retention_days)
    residents = uow.residents
    departed = residents.find(
        resident.c.status == ResidentStatus.MOVED_OUT,
        resident.c.left_on < cutoff,
        resident.c.name != ANONYMOUS,
    )
    done = []
    for person in departed:
        residents.update(
            attrs.evolve(
                person,
                name=ANONYMOUS,
                id_number=None,
                phone=None,
                registered_address=None,
                birth_date=date(person.birth_date.year, 1, 1),
            )
        )
        erase(uow, person)
        uow.emit(
            ResidentAnonymised(
                community_id=person.community_id, occurred_on=today, resident_id=person.id
            )
        )
        done.append(person.id)
    return done
