"""How long roster generation takes as communities grow: prints a table.

Run: ``python plugins/commons-safety-patrol/benchmarks/roster_bench.py``. Every third member
has no availability window; the others patrol four evenings a week; a week-long holiday adds
a late shift and one more member a shift, which leaves some nights short (gaps), the slow case.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from datetime import time as clock
from uuid import uuid4

from commons_safety_patrol import (
    AvailabilityWindow,
    MemberKind,
    PatrolMember,
    PatrolRoute,
    RosterRules,
    SensitivePeriod,
    ShiftTemplate,
    Weekday,
    plan_roster,
)
from commons_safety_patrol.roster import RosterData

COMMUNITY = uuid4()
TEAM = uuid4()
START = date(2026, 9, 21)
SIZES = ((3, 20, 35), (6, 40, 92), (10, 60, 92))


def roster_input(routes: int, members: int) -> RosterData:
    """A community with ``routes`` routes of two a shift and ``members`` volunteers."""
    people = [
        PatrolMember(
            community_id=COMMUNITY,
            team_id=TEAM,
            kind=MemberKind.VOLUNTEER,
            name=f"队员{n}",
            resident_id=uuid4(),
        )
        for n in range(members)
    ]
    days = list(Weekday)
    windows = [
        AvailabilityWindow(
            community_id=COMMUNITY,
            member_id=m.id,
            weekdays=frozenset(days[(n + k) % 7] for k in range(4)),
            starts=clock(18),
            ends=clock(0),
        )
        for n, m in enumerate(people)
        if n % 3
    ]
    return RosterData(
        community_id=COMMUNITY,
        routes=tuple(
            PatrolRoute(community_id=COMMUNITY, name=f"线{n}", members_per_shift=2)
            for n in range(routes)
        ),
        templates=(
            ShiftTemplate(
                community_id=COMMUNITY, name="晚间", starts=clock(19, 30), ends=clock(22, 30)
            ),
            ShiftTemplate(
                community_id=COMMUNITY,
                name="深夜",
                starts=clock(23),
                ends=clock(1),
                heightened_only=True,
            ),
        ),
        periods=(
            SensitivePeriod(
                community_id=COMMUNITY,
                name="国庆节",
                starts_on=START + timedelta(days=10),
                ends_on=START + timedelta(days=16),
            ),
        ),
        members=tuple(people),
        windows=tuple(windows),
    )


def main() -> None:
    """Print one line per size."""
    print(f"{'routes':>6} {'members':>7} {'nights':>6} {'shifts':>6} {'gaps':>5} {'seconds':>8}")
    for routes, members, nights in SIZES:
        data = roster_input(routes, members)
        started = time.perf_counter()
        proposal = plan_roster(data, START, START + timedelta(days=nights - 1), RosterRules())
        elapsed = time.perf_counter() - started
        print(
            f"{routes:>6} {members:>7} {nights:>6} {len(proposal.shifts):>6}"
            f" {len(proposal.gaps):>5} {elapsed:>8.2f}"
        )


if __name__ == "__main__":
    main()
