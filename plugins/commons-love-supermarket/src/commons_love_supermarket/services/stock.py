"""Goods and money received: purchases, donated goods and money, and the stock lots."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from uuid import UUID

import attrs

from commons_core import PartnerUnit, Problem, ValidationError
from commons_love_supermarket.model import (
    ZERO,
    Donation,
    DonationKind,
    DonationRecord,
    Donor,
    DonorKind,
    EntryKind,
    Item,
    LotLine,
    LotSource,
    Purchase,
    PurchaseRecord,
    StockLot,
)
from commons_love_supermarket.rules import to_money
from commons_love_supermarket.services.account import AccountOperations
from commons_love_supermarket.services.catalogue import CatalogueOperations
from commons_love_supermarket.services.errors import InsufficientFunds
from commons_love_supermarket.services.permissions import MANAGE, STOCK

__all__ = ["StockOperations"]


class StockOperations(CatalogueOperations, AccountOperations):
    """Restocking and receiving donations."""

    def record_purchase(
        self,
        community_id: UUID,
        *,
        supplier: str,
        lines: Sequence[LotLine],
        on: date | None = None,
        note: str | None = None,
    ) -> PurchaseRecord:
        """Restock: goods bought with the account's money, a payment from it.

        Refused with :class:`InsufficientFunds` when the account holds less
        than the purchase costs.
        """
        self.uow.require(STOCK)
        self._lock(community_id)
        day = self._day(on)
        ready = self._checked(lines)
        free = [
            Problem(
                f"lines[{i}].unit_cost",
                "0.00",
                "love_supermarket.purchase_free",
                "采购单价应大于0(无偿所得请登记为捐赠)",
                "a purchase costs more than 0 (goods given for free are a donation)",
            )
            for i, line in enumerate(ready)
            if line.unit_cost == 0
        ]
        if free:
            raise ValidationError(free)
        items = self._items(community_id, ready)
        purchase = Purchase(
            community_id=community_id,
            purchased_on=day,
            supplier=supplier,
            amount=self._value(ready),
            note=note,
        )
        purchase = self._valid(purchase)
        account = self._account(community_id, day)
        if purchase.amount > account.balance:
            raise InsufficientFunds(account.balance, purchase.amount)
        stored = self.uow.repo(Purchase).add(purchase)
        lots = self._receive(items, ready, day, LotSource.PURCHASE, purchase_id=stored.id)
        entry = self._post(
            account, community_id, EntryKind.PURCHASE, stored.amount, day, purchase_id=stored.id
        )
        return PurchaseRecord(purchase=stored, lots=lots, entry=entry)

    def receive_goods(
        self,
        community_id: UUID,
        donor: Donor,
        lines: Sequence[LotLine],
        *,
        on: date | None = None,
        anonymous: bool = False,
        note: str | None = None,
    ) -> DonationRecord:
        """Goods donated: they go onto the shelf at their declared value; no money moves."""
        self.uow.require(STOCK)
        self._lock(community_id)
        ready = self._checked(lines)
        items = self._items(community_id, ready)
        donation = self._donation(
            community_id, donor, DonationKind.GOODS, self._value(ready), on, anonymous, note
        )
        stored = self.uow.repo(Donation).add(donation)
        lots = self._receive(
            items, ready, donation.received_on, LotSource.DONATION, donation_id=stored.id
        )
        return DonationRecord(donation=stored, lots=lots)

    def receive_money(
        self,
        community_id: UUID,
        donor: Donor,
        amount: Decimal,
        *,
        on: date | None = None,
        anonymous: bool = False,
        note: str | None = None,
    ) -> DonationRecord:
        """Money donated: a receipt of the account."""
        self.uow.require(MANAGE)
        self._lock(community_id)
        donation = self._donation(
            community_id, donor, DonationKind.MONEY, amount, on, anonymous, note
        )
        account = self._account(community_id, donation.received_on)
        stored = self.uow.repo(Donation).add(donation)
        entry = self._post(
            account,
            community_id,
            EntryKind.DONATION,
            stored.amount,
            stored.received_on,
            donation_id=stored.id,
        )
        return DonationRecord(donation=stored, entry=entry)

    def resident_donor(self, resident_id: UUID) -> Donor:
        """A resident of the community as a donor."""
        person = self.uow.residents.get(resident_id)
        return Donor(kind=DonorKind.RESIDENT, name=person.name, resident_id=person.id)

    def unit_donor(self, partner_unit_id: UUID) -> Donor:
        """A partner unit of the community as a donor."""
        unit = self.uow.repo(PartnerUnit).get(partner_unit_id)
        return Donor(kind=DonorKind.PARTNER_UNIT, name=unit.name, partner_unit_id=unit.id)

    def _donation(
        self,
        community_id: UUID,
        donor: Donor,
        kind: DonationKind,
        amount: Decimal,
        on: date | None,
        anonymous: bool,
        note: str | None,
    ) -> Donation:
        donor = self._valid(donor, "donor")
        donation = self._valid(
            Donation(
                community_id=community_id,
                received_on=self._day(on),
                kind=kind,
                donor_kind=donor.kind,
                donor_name=donor.name if donor.kind is DonorKind.OTHER else None,
                donor_resident_id=donor.resident_id,
                donor_partner_unit_id=donor.partner_unit_id,
                anonymous=anonymous,
                amount=amount,
                note=note,
            )
        )
        # The rules accept at most two places; store and return exactly two.
        return attrs.evolve(donation, amount=to_money(donation.amount))

    def _receive(
        self,
        items: dict[UUID, Item],
        lines: Sequence[LotLine],
        day: date,
        source: LotSource,
        **link: UUID,
    ) -> tuple[StockLot, ...]:
        """Store the lots and put the goods on the shelf at their moving-average cost."""
        lots = self.uow.repo(StockLot).add_many(
            StockLot(
                community_id=items[line.item_id].community_id,
                item_id=line.item_id,
                received_on=day,
                source=source,
                quantity=line.quantity,
                unit_cost=to_money(line.unit_cost),
                **link,
            )
            for line in lines
        )
        for line in lines:
            shelf = items[line.item_id]
            quantity = shelf.quantity + line.quantity
            value = shelf.unit_cost * shelf.quantity + line.unit_cost * line.quantity
            self.uow.repo(Item).update(
                attrs.evolve(shelf, quantity=quantity, unit_cost=to_money(value / quantity))
            )
        return tuple(lots)

    @staticmethod
    def _value(lines: Sequence[LotLine]) -> Decimal:
        return sum((to_money(line.unit_cost * line.quantity) for line in lines), ZERO)
