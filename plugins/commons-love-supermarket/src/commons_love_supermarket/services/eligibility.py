"""Who may buy: the default rule, the hook that decides, and the record of changes.

Eligibility is decided by the ``love_supermarket_eligibility`` hook (see
:mod:`commons_love_supermarket.hookspecs`) on the household's statuses,
which the service reads itself: actors learn *that* a household may buy,
and only actors who may reveal assistance data learn *why*. The default rule
(:func:`default_eligibility`) is registered by :mod:`commons_love_supermarket.eligibility`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import cast
from uuid import UUID

import attrs
from sqlalchemy import select

from commons_core import (
    DomainEvent,
    Household,
    HouseholdStatus,
    HouseholdStatusChanged,
    Label,
    Sensitivity,
)
from commons_core.storage.tables import household as household_table
from commons_love_supermarket.model import Decision, Eligibility, EligibilityChange
from commons_love_supermarket.services.base import ServiceBase
from commons_love_supermarket.services.permissions import SELL
from commons_love_supermarket.tables import eligibility_change
from commons_love_supermarket.tables import settings as settings_table

__all__ = ["DEFAULT_RULE", "ELIGIBLE_STATUSES", "EligibilityOperations", "default_eligibility"]

DEFAULT_RULE = "love_supermarket.default"
ELIGIBLE_STATUSES = frozenset({HouseholdStatus.LOW_INCOME, HouseholdStatus.HARDSHIP})

ELIGIBLE = Label("该户可在爱心超市购物", "this household may buy at the love supermarket")
NOT_ELIGIBLE = Label("该户不能在爱心超市购物", "this household may not buy at the love supermarket")


def default_eligibility(household: Household) -> Decision:
    """The rule of the source documents: 低保 (low-income) and 困难 (hardship) households buy."""
    statuses = household.statuses or frozenset()
    held = [s for s in HouseholdStatus if s in statuses and s in ELIGIBLE_STATUSES]
    if held:
        return Decision(
            eligible=True,
            reason=Label(
                "该户为" + "、".join(s.zh for s in held) + "户",
                "the household has " + " and ".join(s.en for s in held) + " status",
            ),
            rule=DEFAULT_RULE,
        )
    return Decision(
        eligible=False,
        reason=Label(
            "该户既不是低保户也不是困难户",
            "the household has neither low-income nor hardship status",
        ),
        rule=DEFAULT_RULE,
    )


class EligibilityOperations(ServiceBase):
    """Deciding and recording who may buy."""

    def check_eligibility(
        self, household_id: UUID, *, on: date | None = None, reveal: bool = False
    ) -> Eligibility:
        """Whether the household may buy on ``on`` (today by default).

        The answer says *that*, not *why*; with ``reveal`` it carries the
        reason too, which needs ``reveal:assistance`` and is recorded in the
        audit trail like any reveal.
        """
        self.uow.require(SELL)
        household = self.uow.households.get(household_id)
        decision = self._decide(household, self._day(on))
        shown = Eligibility(
            household_id=household.id,
            household_no=household.household_no,
            eligible=decision.eligible,
            message=ELIGIBLE if decision.eligible else NOT_ELIGIBLE,
        )
        if not reveal:
            return shown
        self.uow.require(Sensitivity.ASSISTANCE.permission, f"household {household.id}")
        self.uow.audit.record(
            household.community_id,
            "reveal",
            "household",
            household.id,
            {"fields": ["statuses"]},
            where=self.uow.households.where(household),
        )
        return attrs.evolve(shown, reason=decision.reason, rule=decision.rule)

    def _decide(self, household: Household, on: date) -> Decision:
        # The statuses are read here, never handed to the actor: a clerk's copy
        # of the household has them withheld.
        statuses = self.uow.connection.execute(
            select(household_table.c.statuses).where(
                household_table.c.community_id == household.community_id,
                household_table.c.id == household.id,
            )
        ).scalar_one()
        return self._ask(attrs.evolve(household, statuses=statuses), on)

    def _ask(self, household: Household, on: date) -> Decision:
        # A firstresult hook, called through pluggy: the first rule that speaks decides.
        decision = self.uow.commons.host.pm.hook.love_supermarket_eligibility(
            uow=self.uow, household=household, on=on
        )
        if decision is not None:
            return cast(Decision, decision)
        # No rule spoke (the default rule is always there): refuse.
        return Decision(eligible=False, reason=NOT_ELIGIBLE, rule="none")

    def record_eligibility_changes(self, events: Sequence[DomainEvent]) -> list[EligibilityChange]:
        """Record households whose status change made them eligible or ineligible.

        Called with every batch of domain events; only communities that have
        a supermarket keep such records. The record is kept by the actor who
        changed the statuses; one whose roles do not allow it (a role this
        plugin does not know) changes them unrecorded rather than not at all:
        eligibility itself is always decided on the current statuses, and the
        audit trail holds the change.
        """
        changes = [e for e in events if isinstance(e, HouseholdStatusChanged)]
        if not changes or not self.uow.can(f"{eligibility_change.name}:create"):
            return []
        open_in = set(
            self.uow.connection.execute(
                select(settings_table.c.community_id).where(
                    settings_table.c.community_id.in_({e.community_id for e in changes})
                )
            ).scalars()
        )
        changes = [e for e in changes if e.community_id in open_in]
        if not changes:
            return []
        households = {
            h.id: h
            for h in self.uow.households.find(
                household_table.c.id.in_({e.household_id for e in changes})
            )
        }
        records = []
        for event in changes:
            found = households.get(event.household_id)
            if found is None:
                continue
            before = self._ask(attrs.evolve(found, statuses=event.before), event.occurred_on)
            after = self._ask(attrs.evolve(found, statuses=event.after), event.occurred_on)
            if before.eligible != after.eligible:
                records.append(
                    EligibilityChange(
                        community_id=event.community_id,
                        household_id=event.household_id,
                        occurred_on=event.occurred_on,
                        eligible=after.eligible,
                    )
                )
        return self.uow.repo(EligibilityChange).add_many(records) if records else []
