"""What row-level security costs the reports on a district (PostgreSQL): prints a table.

Builds a district of communities of 5,000 residents each (10^6 residents by
default) with the raw driver, puts a tenth of the first community's households
in one grid zone, then times every report (median of 5 runs) for three actors —
the district's administrator (every community), a cadre of the first community,
a grid worker of the zone — twice: connected as a login bound by the policies
(the deployment's way: ``commons db grant-login``), and as the owner without the
application role (no policy applies: the cost of the policies is the
difference). Also the cost of opening a unit of work (publishing the signed
scope takes two round trips). Usage::

    python benchmarks/row_security.py --postgres postgresql://postgres@127.0.0.1/test
    python benchmarks/row_security.py --postgres URL --residents 20000   # a quick run
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import (  # noqa: E402
    COMMUNITY,
    DISTRICT_COMMUNITY_SIZE,
    drop_schemas,
    postgres_url,
    raw_baseline,
    write_csv,
)

RUNS = 5


def build(url: str, residents: int, work: Path) -> int:
    """Load the district; return the number of communities."""
    from commons_core import Actor, Community, open_commons

    handle = open_commons(url)
    per = min(DISTRICT_COMMUNITY_SIZE, residents)
    source = work / f"community-{per}.csv"
    if not source.exists():
        write_csv(source, per, seed=11)
    communities = max(residents // per, 1)
    for n in range(communities):
        name = COMMUNITY if n == 0 else f"{COMMUNITY}{n}"
        if n:
            with handle.unit_of_work(Actor.local_admin()) as uow:
                uow.repo(Community).add(Community(name=name))
        raw_baseline(url, source, name)
    handle.close()
    return communities


def zone_and_login(url: str) -> tuple[Any, uuid.UUID, uuid.UUID, str]:
    """A grid zone holding a tenth of the first community's households, and a login role."""
    from sqlalchemy import text

    from commons_core import Actor, open_commons
    from commons_core.model import GridZone

    handle = open_commons(url)
    admin = Actor.local_admin()
    with handle.unit_of_work(admin) as uow:
        community = uow.find_community(COMMUNITY)
        zone = uow.repo(GridZone).add(GridZone(community_id=community.id, number=1, name="一网格"))
    role = f"bench_login_{uuid.uuid4().hex[:8]}"
    with handle.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE household SET grid_zone_id = :z WHERE community_id = :c"
                " AND abs(hashtext(id::text)) % 10 = 0"
            ),
            {"z": zone.id, "c": community.id},
        )
        conn.execute(text(f"CREATE ROLE {role} LOGIN IN ROLE commons_app"))
        conn.execute(text("ANALYZE"))
    login = handle.engine.url.set(username=role).render_as_string(hide_password=False)
    handle.close()
    return community, community.id, zone.id, login


def median_ms(work: Any) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(url: str, login: str, community: Any, zone_id: uuid.UUID) -> list[list[str]]:
    from commons_core import Actor, Scope, open_commons
    from commons_core.errors import AccessDenied
    from commons_core.reports import ReportParams

    actors = {
        "administrator (all)": Actor(
            "bench-admin", frozenset({"administrator"}), Scope.everything()
        ),
        "cadre (community)": Actor(
            "bench-cadre", frozenset({"cadre"}), Scope.community(community.id)
        ),
        "grid worker (zone)": Actor(
            "bench-grid", frozenset({"grid_worker"}), Scope.zone(community.id, zone_id)
        ),
    }
    bound = open_commons(login)
    unbound = open_commons(url, app_role=None)
    rows: list[list[str]] = []
    try:
        for label, actor in actors.items():

            def open_close(handle: Any = bound, who: Actor = actor) -> None:
                with handle.unit_of_work(who, readonly=True):
                    pass

            rows.append(
                [
                    "open a unit of work",
                    label,
                    f"{median_ms(open_close):.2f}",
                    f"{median_ms(lambda who=actor: open_close(unbound, who)):.2f}",
                ]
            )
            for name, report in sorted(bound.reports.items()):
                cells = []
                for handle in (bound, unbound):
                    with handle.unit_of_work(actor, readonly=True) as uow:
                        place = uow.find_community(str(community.id))
                        try:
                            report.run(uow, place, ReportParams())
                        except AccessDenied:
                            cells.append("refused")
                            continue
                        ms = median_ms(lambda u=uow, p=place, r=report: r.run(u, p, ReportParams()))
                        cells.append(f"{ms:.1f}")
                rows.append([f"report {name}", label, *cells])
    finally:
        bound.close()
        unbound.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, help="a PostgreSQL URL (superuser)")
    parser.add_argument("--residents", type=int, default=1_000_000)
    args = parser.parse_args()
    from sqlalchemy import create_engine, text

    from commons_core.storage.engine import normalize_url

    work = Path(tempfile.mkdtemp(prefix="commons-rls-"))
    url = postgres_url(args.postgres, "rls")  # migrated, with the first community
    login = ""
    try:
        started = time.perf_counter()
        communities = build(url, args.residents, work)
        community, _, zone_id, login = zone_and_login(url)
        built = time.perf_counter() - started
        rows = measure(url, login, community, zone_id)
    finally:
        if login:
            engine = create_engine(normalize_url(args.postgres))
            with engine.begin() as conn:
                conn.execute(text(f"DROP ROLE IF EXISTS {login.split('//')[1].split('@')[0]}"))
            engine.dispose()
        drop_schemas()
    print(
        f"District: {communities} communities, {communities * DISTRICT_COMMUNITY_SIZE:,}"
        f" residents (built in {built:.0f} s); median of {RUNS} runs, ms\n"
    )
    print("| what | actor | under row security (ms) | without policies (ms) |")
    print("|---|---|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
