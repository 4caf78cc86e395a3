"""Core behaviour the reference deployment relies on: overviews for every role, paged trails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from commons_core import Actor, Community
from commons_core.reports import ReportParams
from commons_core.services import Commons
from commons_core.services.audit import read_entries


def test_community_summary_withholds_what_the_role_may_not_list(
    commons: Commons, demo_community: Callable[..., Any], actor_for: Callable[..., Actor]
) -> None:
    demo = demo_community()
    community: Community = demo.communities["small"]
    report = commons.reports["community-summary"]
    with commons.unit_of_work(actor_for("cadre", community.id), readonly=True) as uow:
        full = report.run(uow, community, ReportParams()).data
    with commons.unit_of_work(actor_for("reader", community.id), readonly=True) as uow:
        reader = report.run(uow, community, ReportParams()).data
    assert full["party_members"] > 0
    assert full["residents_groups"] == 3
    # A reader may list households and residents, not party members or groups.
    assert reader["households"] == full["households"] == 40
    assert reader["residents"] == full["residents"]
    assert reader["party_members"] is None
    assert reader["residents_groups"] is None
    assert reader["age_bands"] == full["age_bands"]


def test_read_entries_pages_newest_first(
    commons: Commons, demo_community: Callable[..., Any], admin: Actor
) -> None:
    demo = demo_community()
    cid = demo.communities["small"].id
    with commons.unit_of_work(admin, readonly=True) as uow:
        chain = [e.seq for e in read_entries(uow.connection, community_ids=[cid])]
        page = [
            e.seq
            for e in read_entries(
                uow.connection, community_ids=[cid], newest_first=True, limit=5, offset=5
            )
        ]
    assert chain == sorted(chain)
    assert page == sorted(chain, reverse=True)[5:10]
