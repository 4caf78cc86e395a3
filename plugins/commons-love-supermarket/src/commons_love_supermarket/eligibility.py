"""The plugin's own hook implementations: the default eligibility rule, and the record of
eligibility changes that the core's events cause."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from commons_core import hookimpl

if TYPE_CHECKING:
    from commons_core import DomainEvent, Household
    from commons_core.services import UnitOfWork

    from .model import Decision


@hookimpl(trylast=True)
def love_supermarket_eligibility(household: Household, on: date) -> Decision:
    """The default rule, asked last: 低保 and 困难 households may buy."""
    from .services import default_eligibility

    return default_eligibility(household)


def record_changes(uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
    """Record households that became eligible or ineligible through a status change."""
    from .services import SupermarketService

    SupermarketService(uow).record_eligibility_changes(events)
