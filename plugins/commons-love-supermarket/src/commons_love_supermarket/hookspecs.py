"""The hook other plugins implement to extend who may buy at the love supermarket.

The plugin adds these hookspecs through ``commons_add_hookspecs``; any
plugin may then implement them with :data:`commons_core.hookimpl`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from commons_core.hookspecs import hookspec

if TYPE_CHECKING:
    from commons_core import Household
    from commons_core.services import UnitOfWork
    from commons_love_supermarket.model import Decision

__all__ = ["LoveSupermarketSpecs"]


class LoveSupermarketSpecs:
    """Hooks of the love supermarket plugin."""

    @hookspec(firstresult=True)
    def love_supermarket_eligibility(
        self, uow: UnitOfWork, household: Household, on: date
    ) -> Decision | None:
        """Decide whether ``household`` may buy at the love supermarket on ``on``.

        Called before every sale and eligibility check, and twice for every
        household whose special statuses change (before and after).
        Implementations are asked in pluggy's order (those registered later
        first; the plugin's default rule, 低保 or 困难 households may buy, is
        ``trylast``) and the first :class:`~commons_love_supermarket.model.Decision`
        returned decides. Return ``None`` to leave the decision to others,
        so rules compose: one that also admits disability households
        returns an eligible decision for them and ``None`` otherwise; one
        that suspends households returns a refusal for them and ``None``
        otherwise.

        :param uow: the unit of work of the sale; read through it if needed.
        :param household: the household, with ``statuses`` filled in clear
            (read by the plugin, whoever the actor is). Never show them to
            the actor: the decision's ``reason`` is shown only to actors with
            ``reveal:assistance``.
        :param on: the day of the sale.
        :returns: a decision, or ``None``.

        Example::

            @hookimpl
            def love_supermarket_eligibility(household):
                if HouseholdStatus.DISABILITY in household.statuses:
                    return Decision(eligible=True, rule="disability",
                                    reason=Label("残疾人家庭", "disability household"))
                return None
        """
