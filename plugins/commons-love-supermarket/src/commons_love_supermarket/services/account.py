"""The supermarket's account: its ledger, balance and the posting of entries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import attrs
from sqlalchemy import select

from commons_core import ValidationError
from commons_love_supermarket.model import ZERO, EntryKind, LedgerEntry
from commons_love_supermarket.rules import to_money
from commons_love_supermarket.services.base import ServiceBase
from commons_love_supermarket.tables import ledger as ledger_table

__all__ = ["AccountOperations"]


@attrs.frozen
class _Account:
    """The account as it stands: the last voucher number and the balance."""

    seq: int
    balance: Decimal


class AccountOperations(ServiceBase):
    """Reading the account and posting to it."""

    def balance(self, community_id: UUID) -> Decimal:
        """What the supermarket's account holds now."""
        return self._account(community_id, None).balance

    def entries(
        self, community_id: UUID, *, start: date | None = None, end: date | None = None
    ) -> list[LedgerEntry]:
        """The account's entries in voucher order, optionally within a period."""
        criteria = [ledger_table.c.community_id == community_id]
        if start is not None:
            criteria.append(ledger_table.c.entry_on >= start)
        if end is not None:
            criteria.append(ledger_table.c.entry_on <= end)
        return self.uow.repo(LedgerEntry).find(*criteria, order_by=[ledger_table.c.seq])

    def _account(self, community_id: UUID, day: date | None) -> _Account:
        entries = self.uow.scoped(LedgerEntry)
        last = self.uow.connection.execute(
            select(entries.c.seq, entries.c.entry_on, entries.c.balance_after)
            .where(entries.c.community_id == community_id)
            .order_by(entries.c.seq.desc())
            .limit(1)
        ).first()
        if last is None:
            return _Account(0, ZERO)
        if day is not None and day < last.entry_on:
            raise ValidationError.single(
                "on",
                day.isoformat(),
                "love_supermarket.backdated",
                f"日期 {day} 早于最近一笔账目的日期 {last.entry_on},账目须按日期顺序记录",
                f"{day} is before the latest account entry ({last.entry_on});"
                " entries are recorded in date order",
            )
        return _Account(last.seq, to_money(Decimal(str(last.balance_after))))

    def _post(
        self,
        account: _Account,
        community_id: UUID,
        kind: EntryKind,
        amount: Decimal,
        day: date,
        **link: UUID,
    ) -> LedgerEntry:
        balance = account.balance + amount if kind.is_receipt else account.balance - amount
        return self.uow.repo(LedgerEntry).add(
            LedgerEntry(
                community_id=community_id,
                seq=account.seq + 1,
                entry_on=day,
                kind=kind,
                amount=amount,
                balance_after=balance,
                **link,
            )
        )
