"""The supermarket's set-up and its catalogue: settings, items, and the lock on both."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import attrs

from commons_core import Problem, ValidationError
from commons_love_supermarket.model import Item, SupermarketSettings
from commons_love_supermarket.services.base import ServiceBase, lookup
from commons_love_supermarket.services.errors import NotSetUp
from commons_love_supermarket.services.permissions import MANAGE, STOCK
from commons_love_supermarket.tables import item as item_table
from commons_love_supermarket.tables import settings as settings_table

__all__ = ["CatalogueOperations"]


class CatalogueOperations(ServiceBase):
    """Setting up the supermarket and keeping its catalogue."""

    def settings(self, community_id: UUID) -> SupermarketSettings:
        """The community's supermarket; :class:`NotSetUp` if it has none."""
        found = self.uow.repo(SupermarketSettings).find(
            settings_table.c.community_id == community_id
        )
        if not found:
            raise NotSetUp(community_id)
        return found[0]

    def configure(self, community_id: UUID, **changes: Any) -> SupermarketSettings:
        """Set up the community's supermarket, or change its settings (name, quota …)."""
        self.uow.require(MANAGE)
        repo = self.uow.repo(SupermarketSettings)
        try:
            current = self._lock(community_id)
        except NotSetUp:
            repo.add(SupermarketSettings(community_id=community_id, **changes))
        else:
            repo.update(attrs.evolve(current, **changes))
        return self.settings(community_id)

    def add_item(self, community_id: UUID, name: str, unit: str) -> Item:
        """Add an item to the catalogue; its cost comes from the goods received."""
        self.uow.require(STOCK)
        self.settings(community_id)
        repo = self.uow.repo(Item)
        if repo.count(item_table.c.community_id == community_id, item_table.c.name == name):
            raise ValidationError.single(
                "name",
                name,
                "love_supermarket.item_exists",
                "已有同名商品",
                "an item of this name exists",
            )
        return repo.add(Item(community_id=community_id, name=name, unit=unit))

    def update_item(self, changed: Item) -> Item:
        """Rename an item, change its unit, or take it off sale (``active``).

        Cost and quantity are kept by receipts and sales and cannot be set here.
        """
        self.uow.require(STOCK)
        self._lock(changed.community_id)
        current = self.uow.repo(Item).get(changed.id)
        problems = [
            Problem(
                name,
                str(getattr(changed, name)),
                "love_supermarket.item_kept",
                "成本单价与库存数量由入库和销售维护,不能直接修改",
                "unit cost and quantity follow the goods received and sold; they cannot be set",
            )
            for name in ("unit_cost", "quantity")
            if getattr(changed, name) != getattr(current, name)
        ]
        if problems:
            raise ValidationError(problems)
        return self.uow.repo(Item).update(changed)

    def find_item(self, community_id: UUID, ref: str) -> Item:
        """The item named ``ref`` (or with that id) in the community's catalogue."""
        return lookup(self.uow, Item, "name", community_id, ref)

    def items(self, community_id: UUID) -> list[Item]:
        """The community's catalogue, by name."""
        return self.uow.repo(Item).find(
            item_table.c.community_id == community_id, order_by=[item_table.c.name]
        )

    def _lock(self, community_id: UUID) -> SupermarketSettings:
        """Lock the community's supermarket until the unit of work ends; return its settings."""
        repo = self.uow.repo(SupermarketSettings)
        if self.uow.connection.dialect.name == "postgresql":
            self.uow.connection.execute(
                repo.select().where(settings_table.c.community_id == community_id).with_for_update()
            )
        return self.settings(community_id)
