"""The supermarket's own account: receipts and payments that always balance, never below zero."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from commons_love_supermarket import (
    Donor,
    DonorKind,
    EntryKind,
    InsufficientFunds,
    LedgerEntry,
    LotLine,
    Purchase,
    Sale,
    StockLot,
    SupermarketService,
)
from commons_love_supermarket.tables import ledger, lot, purchase
from sqlalchemy import func, select

from commons_core import AccessDenied, DuplicateError, ValidationError
from commons_core.services import Commons

GIVER = Donor(kind=DonorKind.OTHER, name="爱心人士")


def _lines(world: Any, **costs: tuple[int, str]) -> list[LotLine]:
    return [
        LotLine(item_id=world.items[name], quantity=q, unit_cost=Decimal(c))
        for name, (q, c) in costs.items()
    ]


def test_a_purchase_larger_than_the_balance_is_refused_and_writes_nothing(
    commons: Commons, world: Any, clerk: Any
) -> None:
    with commons.unit_of_work(clerk) as uow:
        shop = SupermarketService(uow)
        assert shop.balance(world.community_id) == Decimal("1255.00")
        with pytest.raises(InsufficientFunds) as refused:
            shop.record_purchase(
                world.community_id, supplier="粮油店", lines=_lines(world, 大米=(28, "45.00"))
            )
        assert "专户余额 1255.00 元,不足以支付 1260.00 元" in refused.value.zh
        assert "holds 1255.00 yuan, not enough to pay 1260.00" in refused.value.en
        count = select(func.count()).select_from
        assert [uow.connection.execute(count(t)).scalar_one() for t in (purchase, lot, ledger)] == [
            1,
            3,
            2,
        ]
        assert shop.find_item(world.community_id, "大米").quantity == 20
        spent = shop.record_purchase(
            world.community_id, supplier="粮油店", lines=_lines(world, 大米=(27, "46.48"))
        )
        assert spent.entry.balance_after == Decimal("0.04")


def test_the_account_balances_and_every_sale_and_purchase_is_entered_once(
    commons: Commons, admin: Any, world: Any, sell: Any
) -> None:
    for household in ("low_income", "hardship", "both", "low_income"):
        sell(household, {"鸡蛋": 1, "大米": 1})
    with commons.unit_of_work(admin) as uow:
        shop = SupermarketService(uow)
        shop.receive_money(world.community_id, GIVER, Decimal("500.50"))
        shop.receive_goods(world.community_id, GIVER, _lines(world, 鸡蛋=(5, "20.00")))
        shop.record_purchase(
            world.community_id, supplier="粮油店", lines=_lines(world, 食用油=(4, "60.00"))
        )
    with commons.unit_of_work(admin, readonly=True) as uow:
        entries = SupermarketService(uow).entries(world.community_id)
        sales = uow.repo(Sale).find()
        purchases = uow.repo(Purchase).find()
        balance = SupermarketService(uow).balance(world.community_id)
    receipts = sum((e.amount for e in entries if e.kind.is_receipt), Decimal(0))
    payments = sum((e.amount for e in entries if not e.kind.is_receipt), Decimal(0))
    assert balance == receipts - payments == entries[-1].balance_after
    assert balance == Decimal("3000") + Decimal("500.50") + 4 * Decimal("67") - 1745 - 240
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    running = Decimal(0)
    for entry in entries:
        running += entry.amount if entry.kind.is_receipt else -entry.amount
        assert entry.balance_after == running >= 0
    by_sale = [e.sale_id for e in entries if e.kind is EntryKind.SALE]
    assert sorted(by_sale, key=str) == sorted((s.id for s in sales), key=str)
    by_purchase = [e.purchase_id for e in entries if e.kind is EntryKind.PURCHASE]
    assert sorted(by_purchase, key=str) == sorted((p.id for p in purchases), key=str)
    assert {e.amount for e in entries if e.sale_id} == {s.amount for s in sales}


def test_the_database_refuses_a_second_entry_for_one_sale(
    commons: Commons, admin: Any, world: Any, sell: Any
) -> None:
    record = sell("low_income", {"鸡蛋": 1})
    with pytest.raises(DuplicateError) as refused, commons.unit_of_work(admin) as uow:
        uow.repo(LedgerEntry).add(
            LedgerEntry(
                community_id=world.community_id,
                seq=record.entry.seq + 1,
                entry_on=record.entry.entry_on,
                kind=EntryKind.SALE,
                amount=record.entry.amount,
                balance_after=record.entry.balance_after + record.entry.amount,
                sale_id=record.sale.id,
            )
        )
    # The SDK's own conflict, naming the field (never a raw IntegrityError).
    assert refused.value.fields == ("sale_id",)


def test_an_entry_with_a_negative_balance_or_no_source_is_invalid(
    commons: Commons, admin: Any, world: Any
) -> None:
    entry = LedgerEntry(
        community_id=world.community_id,
        seq=9,
        entry_on=world.opened_on,
        kind=EntryKind.DONATION,
        amount=Decimal("1.00"),
        balance_after=Decimal("-1.00"),
    )
    with pytest.raises(ValidationError) as refused:
        commons.codec.validate(entry)
    assert {(p.path, p.code) for p in refused.value.problems} == {
        ("balance_after", "money.negative")
    }
    # Once the figures are sound, the entry must also name what it is for.
    with pytest.raises(ValidationError) as refused:
        commons.codec.validate(attrs.evolve(entry, balance_after=Decimal("1.00")))
    assert {(p.path, p.code) for p in refused.value.problems} == {("donation_id", "link.missing")}


def test_entries_are_recorded_in_date_order(
    commons: Commons, world: Any, clerk: Any, order: Any
) -> None:
    with commons.unit_of_work(clerk) as uow:
        shop = SupermarketService(uow)
        shop.sell(world.households["hardship"], order({"鸡蛋": 1}))
        with pytest.raises(ValidationError) as refused:
            shop.sell(
                world.households["hardship"], order({"鸡蛋": 1}), on=world.opened_on + timedelta(1)
            )
    (problem,) = refused.value.problems
    assert (problem.path, problem.code) == ("on", "love_supermarket.backdated")


def test_goods_go_on_the_shelf_at_their_moving_average_cost(
    commons: Commons, admin: Any, world: Any
) -> None:
    with commons.unit_of_work(admin) as uow:
        shop = SupermarketService(uow)
        shop.record_purchase(
            world.community_id, supplier="粮油店", lines=_lines(world, 大米=(20, "50.00"))
        )
        assert shop.find_item(world.community_id, "大米").unit_cost == Decimal("47.50")
        gift = shop.receive_goods(
            world.community_id, shop.resident_donor(_resident(world)), _lines(world, 大米=(10, "0"))
        )
        rice = shop.find_item(world.community_id, "大米")
        assert (rice.quantity, rice.unit_cost) == (50, Decimal("38.00"))
        assert gift.entry is None
        assert gift.donation.amount == Decimal("0.00")
        assert [lot.quantity for lot in gift.lots] == [10]
        assert shop.balance(world.community_id) == Decimal("255.00")


def test_money_donations_are_receipts_and_need_the_manage_permission(
    commons: Commons, world: Any, clerk: Any, actor_for: Any
) -> None:
    with commons.unit_of_work(clerk) as uow, pytest.raises(AccessDenied, match="manage"):
        SupermarketService(uow).receive_money(world.community_id, GIVER, Decimal("10"))
    with commons.unit_of_work(actor_for("cadre", world.community_id)) as uow:
        shop = SupermarketService(uow)
        unit = world.context.data["small"].partner_units[0]
        record = shop.receive_money(
            world.community_id, shop.unit_donor(unit.id), Decimal("800"), anonymous=True
        )
    assert record.entry is not None
    assert (record.entry.kind, record.entry.amount) == (EntryKind.DONATION, Decimal("800.00"))
    assert (record.donation.donor_partner_unit_id, record.donation.anonymous) == (unit.id, True)
    assert record.donation.donor_name is None  # named by the unit's record


def test_donor_problems_are_reported_with_their_paths(
    commons: Commons, admin: Any, world: Any
) -> None:
    bad = Donor(kind=DonorKind.RESIDENT, name="张三")
    with commons.unit_of_work(admin) as uow, pytest.raises(ValidationError) as refused:
        SupermarketService(uow).receive_money(world.community_id, bad, Decimal("10.001"))
    assert {(p.path, p.code) for p in refused.value.problems} == {
        ("donor.resident_id", "link.missing")
    }
    with commons.unit_of_work(admin) as uow, pytest.raises(ValidationError) as refused:
        SupermarketService(uow).receive_money(world.community_id, GIVER, Decimal("10.001"))
    assert {(p.path, p.code) for p in refused.value.problems} == {("amount", "money.places")}
    # Beyond what NUMERIC(12, 2) holds: refused by the rule, not by the database.
    with commons.unit_of_work(admin) as uow, pytest.raises(ValidationError) as refused:
        SupermarketService(uow).receive_money(world.community_id, GIVER, Decimal("1E+26"))
    assert {(p.path, p.code) for p in refused.value.problems} == {("amount", "money.too_large")}


def test_lots_are_never_changed(commons: Commons, admin: Any, world: Any) -> None:
    with commons.unit_of_work(admin) as uow:
        first = uow.repo(StockLot).find()[0]
        with pytest.raises(AccessDenied, match="append-only"):
            uow.repo(StockLot).delete(first)


def _resident(world: Any) -> Any:
    return world.context.data["small"].residents[0].id
