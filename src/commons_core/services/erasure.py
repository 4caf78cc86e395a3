"""The core performs every entity's erasure when a resident is anonymised.

Each :class:`~commons_core.storage.Entity` declares what becomes of its records
that refer to a resident (:class:`~commons_core.storage.erasure.Erasure`:
delete, anonymise named fields, or keep for a stated reason). :func:`erase`
does it for one resident across the core's and every plugin's entities,
through the repositories, so permissions, row scope, the audit trail and
events behave as for any other write. :func:`undeclared` is the conformance
check: it names the entities that refer to a resident and declare nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import attrs
from sqlalchemy import ColumnElement, or_

from commons_core.model import Resident
from commons_core.services.repository import Repository
from commons_core.services.unit_of_work import UnitOfWork
from commons_core.storage.erasure import (
    ANONYMOUS,
    RESIDENT,
    Erasure,
    link_targets,
    resident_links,
)
from commons_core.storage.schema import Entity, metadata

__all__ = ["ANONYMOUS", "Erasure", "erase", "undeclared"]


def undeclared(entities: Iterable[Entity]) -> list[str]:
    """The names of ``entities`` whose table has a foreign key to ``resident`` and that
    declare no :class:`Erasure` (the conformance check; empty when every one declares)."""
    return [e.name for e in entities if e.erasure is None and resident_links(e.table)]


def erase(uow: UnitOfWork, person: Resident) -> dict[str, int]:
    """Do every entity's declared erasure for the records referring to ``person``.

    Returns entity name → how many records were deleted or anonymised. Which
    records refer to the person is settled before anything is written (a
    record linked through another entity's record is found even if that one
    is deleted); records are anonymised first, then deleted, those that refer
    to others before the ones they refer to. Entities that declare nothing are
    left alone (see :func:`undeclared`).
    """
    finder = _Finder(uow, person)
    acting = [e for e in uow.commons.entities if e.erasure and e.erasure.action != "keep"]
    found = {e.name: finder.records(e) for e in acting}
    done: dict[str, int] = {}
    for entity in acting:
        erasure = entity.erasure
        if erasure is not None and erasure.action == "anonymise" and found[entity.name]:
            values = erasure.values(entity.table)
            repo: Repository[Any] = uow.repo(entity.model)
            repo.update_many(attrs.evolve(r, **values) for r in found[entity.name])
            done[entity.name] = len(found[entity.name])
    order = {t.name: i for i, t in enumerate(metadata.sorted_tables)}
    deleting = [e for e in acting if e.erasure is not None and e.erasure.action == "delete"]
    for entity in sorted(deleting, key=lambda e: -order.get(e.table.name, 0)):
        repo = uow.repo(entity.model)
        for record in found[entity.name]:
            repo.delete(record)
        if found[entity.name]:
            done[entity.name] = len(found[entity.name])
    return done


class _Finder:
    """The records of each entity that refer to one resident, directly or through a link."""

    def __init__(self, uow: UnitOfWork, person: Resident) -> None:
        self.uow = uow
        self.person = person
        self.by_table = {e.table.name: e for e in uow.commons.entities}
        self._ids: dict[str, list[UUID]] = {}

    def records(self, entity: Entity, seen: frozenset[str] = frozenset()) -> list[Any]:
        """The records of ``entity`` that refer to the resident."""
        erasure = entity.erasure or Erasure("keep")
        targets = link_targets(entity.table)
        conditions: list[ColumnElement[bool]] = []
        for column in erasure.link_columns(entity.table):
            target = targets.get(column)
            if target == RESIDENT:
                conditions.append(entity.table.c[column] == self.person.id)
            elif target in self.by_table and target not in seen:
                ids = self.ids(self.by_table[target], seen | {entity.table.name})
                if ids:
                    conditions.append(entity.table.c[column].in_(ids))
        if not conditions:
            return []
        repo: Repository[Any] = self.uow.repo(entity.model)
        return repo.find(entity.table.c.community_id == self.person.community_id, or_(*conditions))

    def ids(self, entity: Entity, seen: frozenset[str]) -> list[UUID]:
        """The ids of ``entity``'s records that refer to the resident."""
        if entity.table.name not in self._ids:
            self._ids[entity.table.name] = [r.id for r in self.records(entity, seen)]
        return self._ids[entity.table.name]
