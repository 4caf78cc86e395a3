"""Donors who are residents: exported with the resident's data, forgotten with it."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from commons_love_supermarket import SupermarketService

from commons_core import ResidentStatus
from commons_core.reports import ReportParams
from commons_core.services import Commons
from commons_core.services.subject import ANONYMOUS, anonymise_departed, export_subject


def test_a_resident_donor_is_exported_and_then_anonymised(
    commons: Commons, admin: Any, world: Any
) -> None:
    person = next(
        r for r in world.context.data["small"].residents if r.status is ResidentStatus.ACTIVE
    )
    with commons.unit_of_work(admin) as uow:
        shop = SupermarketService(uow)
        shop.receive_money(world.community_id, shop.resident_donor(person.id), Decimal("100"))
    with commons.unit_of_work(admin) as uow:
        exported = export_subject(uow, person.id)
    (gift,) = exported["records"]["love_supermarket_donation"]
    assert (gift["amount"], gift["donor_kind"]) == ("100.00", "resident")

    with commons.unit_of_work(admin) as uow:
        moved = uow.residents.get(person.id)
        uow.residents.move_out(moved, on=date.today() - timedelta(days=10))
    with commons.unit_of_work(admin) as uow:
        assert anonymise_departed(uow, retention_days=1) == [person.id]
    with commons.unit_of_work(admin, readonly=True) as uow:
        community = uow.find_community(str(world.community_id))
        report = commons.reports["love-supermarket-disclosure"]
        disclosed = report.run(uow, community, ReportParams()).data
    assert {d["donor"] for d in disclosed["donors"] if d["donor_kind"] == "resident"} == {ANONYMOUS}
    assert person.name not in json.dumps(disclosed, ensure_ascii=False)
