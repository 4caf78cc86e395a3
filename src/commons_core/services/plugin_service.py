"""The base of a plugin's services: one unit of work, and what every operation needs.

::

    class Shop(PluginService):
        def sell(self, community: str, item: str, quantity: int) -> Sale:
            self.require("love_supermarket:sell")
            place = self.community(community)
            found = self.find(Item, item, community_id=place.id, path="item")
            if found.quantity < quantity:
                self.refuse("love_supermarket.out_of_stock", "库存不足", "not enough in stock")
            return self.repo(Sale).add(...)

    with commons.unit_of_work(clerk) as uow:
        Shop(uow).sell("文化路社区", "大米", 2)

Everything goes through the unit of work, so access rules, validation, the
audit trail and scope apply exactly as to the core's own operations.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, NoReturn, TypeVar
from uuid import UUID

from commons_core.errors import Refused, ValidationError
from commons_core.services.lookup import lookup

if TYPE_CHECKING:
    from commons_core.model import Community
    from commons_core.services.repository import Repository
    from commons_core.services.unit_of_work import UnitOfWork

__all__ = ["PluginService"]

T = TypeVar("T")


class PluginService:
    """A plugin's operations inside one unit of work (:attr:`uow`)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    @property
    def today(self) -> date:
        """Today, as the rules see it (the unit of work's rule context)."""
        return self.uow.rule_context.today

    def can(self, permission: str) -> bool:
        """Whether the actor has ``permission``."""
        return self.uow.can(permission)

    def require(self, permission: str, record: str | None = None) -> None:
        """:class:`~commons_core.errors.AccessDenied` unless the actor has ``permission``."""
        self.uow.require(permission, record)

    def repo(self, model: type[T]) -> Repository[T]:
        """The repository of ``model`` in this unit of work."""
        return self.uow.repo(model)

    def refuse(self, code: str, zh: str, en: str) -> NoReturn:
        """Refuse the operation: raise :class:`~commons_core.errors.Refused` with ``code``.

        For a domain rule that the records' state breaks (not enough in stock);
        refuse before writing anything, since the caller's unit of work goes on.
        """
        raise Refused(code, zh, en)

    def find(
        self,
        model: type[T],
        reference: str,
        *,
        by: str = "name",
        community_id: UUID | None = None,
        path: str = "",
    ) -> T:
        """The record of ``model`` with this id or ``by`` value (see
        :func:`~commons_core.services.lookup.lookup`): never a guess among several."""
        return lookup(self.uow, model, reference, by=by, community_id=community_id, path=path)

    def community(self, reference: str, *, path: str = "community") -> Community:
        """The community with this name or id in the actor's scope."""
        found: Community = self.uow.find_community(reference, path=path)
        return found

    def valid(self, obj: T, path: str = "") -> T:
        """``obj`` normalised by every rule, or a :class:`~commons_core.errors.ValidationError`
        listing every problem in it (their paths under ``path``), before anything is written."""
        done, problems = self.uow.commons.codec.rules.prepare(obj, self.uow.rule_context)
        if problems:
            raise ValidationError(p.under(path) for p in problems)
        return done
