"""Households and residents: registration, moves, deaths and status changes.

These repositories add the domain operations that produce domain events and
the never-overwritten history (:class:`~commons_core.model.LifeEvent`). Each
writes through :meth:`~commons_core.services.repository.Repository.add` or
``update``, so it is checked alike (sensitive fields need ``reveal:<kind>`` or
``set:<kind>``, taken unique values are
:class:`~commons_core.errors.DuplicateError`) and returns what it stored
masked, as a read without ``reveal`` would show it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

import attrs

from commons_core.errors import NotFound, ValidationError
from commons_core.model import (
    DomainEvent,
    Household,
    HouseholdRegistration,
    HouseholdStatus,
    HouseholdStatusChanged,
    LifeEvent,
    LifeEventKind,
    Resident,
    ResidentDeceased,
    ResidentMovedIn,
    ResidentMovedOut,
    ResidentRegistered,
    ResidentStatus,
    new_id,
)
from commons_core.services.repository import Repository
from commons_core.storage.schema import Entity
from commons_core.storage.tables import life_event, resident

__all__ = ["HouseholdRepository", "ResidentRepository", "repository_class"]


class HouseholdRepository(Repository[Household]):
    """Households, and registering one together with its members."""

    def register(self, registration: HouseholdRegistration) -> HouseholdRegistration:
        """Store a new household and its members in one step.

        Every rule of the registration is checked first (exactly one head,
        members in the same community, no ID number twice …), with problem
        paths such as ``members[2].id_number``. Returns the household and
        its members as stored, masked.
        """
        self.uow.check_writable("create household")
        ready, problems = self.uow.commons.codec.rules.prepare(registration, self.uow.rule_context)
        if problems:
            raise ValidationError(problems)
        stored = self.add(ready.household)
        members = [attrs.evolve(m, household_id=stored.id) for m in ready.members]
        try:
            added = self.uow.residents.add_many(members)
        except ValidationError as error:
            raise ValidationError(p.under("members") for p in error.problems) from None
        return HouseholdRegistration(household=stored, members=tuple(added))

    def members(self, household_id: UUID, *, reveal: bool = False) -> list[Resident]:
        """The active members of a household, head first."""
        return self.uow.residents.find(
            resident.c.household_id == household_id,
            resident.c.status == ResidentStatus.ACTIVE,
            order_by=[resident.c.relation_to_head != "head", resident.c.birth_date],
            reveal=reveal,
        )

    def set_statuses(self, household: Household, statuses: Sequence[HouseholdStatus]) -> Household:
        """Replace a household's special statuses (recorded in its history).

        Needs ``reveal:assistance`` or ``set:assistance``: an actor who may
        not see them may not set them either (nor clear them).
        """
        return self.update(attrs.evolve(household, statuses=frozenset(statuses)))

    def _events_updated(self, before: Household, after: Household) -> list[DomainEvent]:
        if before.statuses == after.statuses:
            return []
        old = before.statuses or frozenset()
        new = after.statuses or frozenset()
        today = self.uow.rule_context.today
        self.uow.repo(LifeEvent).add(
            LifeEvent(
                id=new_id(),
                community_id=after.community_id,
                kind=LifeEventKind.STATUS_CHANGED,
                occurred_on=today,
                household_id=after.id,
                detail="special statuses changed",
            )
        )
        return [
            HouseholdStatusChanged(
                community_id=after.community_id,
                occurred_on=today,
                household_id=after.id,
                before=old,
                after=new,
            )
        ]


class ResidentRepository(Repository[Resident]):
    """Residents, with the events of their lives."""

    def move_in(self, person: Resident, *, on: date, detail: str | None = None) -> Resident:
        """Register a resident who moves into the community (or back into it)."""
        person = attrs.evolve(person, status=ResidentStatus.ACTIVE, moved_in_on=on, left_on=None)
        try:
            current = self.get(person.id)
        except NotFound:
            current = None
        stored = (
            self.update(attrs.evolve(person, version=current.version))
            if current is not None
            else self.add(person)
        )
        return self._happened(stored, LifeEventKind.MOVED_IN, ResidentMovedIn, on, detail)

    def move_out(self, person: Resident, *, on: date, detail: str | None = None) -> Resident:
        """Record that a resident moved out of the community."""
        stored = self.update(attrs.evolve(person, status=ResidentStatus.MOVED_OUT, left_on=on))
        return self._happened(stored, LifeEventKind.MOVED_OUT, ResidentMovedOut, on, detail)

    def mark_deceased(self, person: Resident, *, on: date, detail: str | None = None) -> Resident:
        """Record a resident's death."""
        stored = self.update(attrs.evolve(person, status=ResidentStatus.DECEASED, left_on=on))
        return self._happened(stored, LifeEventKind.DECEASED, ResidentDeceased, on, detail)

    def _happened(
        self,
        person: Resident,
        kind: LifeEventKind,
        event: type[ResidentMovedIn | ResidentMovedOut | ResidentDeceased],
        on: date,
        detail: str | None,
    ) -> Resident:
        """Write the history entry and emit the domain event of a change in someone's life."""
        self.uow.repo(LifeEvent).add(
            LifeEvent(
                id=new_id(),
                community_id=person.community_id,
                kind=kind,
                occurred_on=on,
                resident_id=person.id,
                household_id=person.household_id,
                detail=detail,
            )
        )
        self.uow.emit(
            event(
                community_id=person.community_id,
                occurred_on=on,
                resident_id=person.id,
                household_id=person.household_id,
            )
        )
        return person

    def history(self, resident_id: UUID) -> list[LifeEvent]:
        """A resident's life events, oldest first."""
        return self.uow.repo(LifeEvent).find(
            life_event.c.resident_id == resident_id, order_by=[life_event.c.occurred_on]
        )

    def _events_added(self, objs: Sequence[Resident]) -> list[DomainEvent]:
        today = self.uow.rule_context.today
        return [
            ResidentRegistered(
                community_id=r.community_id,
                occurred_on=today,
                resident_id=r.id,
                household_id=r.household_id,
                birth_date=r.birth_date,
            )
            for r in objs
        ]


_SPECIAL: dict[str, type[Repository[Any]]] = {
    "household": HouseholdRepository,
    "resident": ResidentRepository,
}


def repository_class(entity: Entity) -> type[Repository[Any]]:
    """The repository class for an entity: a specialised one or the generic one."""
    return _SPECIAL.get(entity.name, Repository)
