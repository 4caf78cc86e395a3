"""How long ``elderly-health-coverage`` takes on one community of many residents: prints a table.

Run: ``python plugins/commons-elderly-health/benchmarks/coverage_bench.py [--residents N]
[--postgres URL]`` (SQLite in a temporary folder without ``--postgres``). The register is
written with plain SQL (the SDK's import is measured by the core's benchmark): ages spread
evenly over 0–99, health files for 95% of residents 60+, a check-up within the year for most.
With ``--communities K`` the residents are spread over K communities (a district) and the
report runs on one of them. It runs a fixed number of statements; the table shows their count
and the best of three times.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from contextlib import ExitStack
from datetime import date
from pathlib import Path

from commons_elderly_health import COVERAGE, plugin
from sqlalchemy import Engine, text

from commons_core import Actor, open_commons
from commons_core.plugins import make_plugin_host
from commons_core.reports import ReportParams
from commons_core.testing import count_statements, make_small_community, postgres_schema

TODAY = date(2026, 11, 27)

# The dialects differ only in these pieces; ``{count}`` is an int, formatted in (DDL takes no
# parameters on PostgreSQL).
DIALECT = {
    "postgresql": {
        "uuid": "gen_random_uuid()",
        "numbers": "SELECT generate_series(1, {count}) AS i",
        "born": "CAST(:today AS date) - CAST((i::bigint * 7919) % 36500 AS integer)",
    },
    "sqlite": {
        "uuid": "lower(hex(randomblob(16)))",
        "numbers": (
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {count}) "
            "SELECT i FROM s"
        ),
        "born": "date(:today, '-' || ((i * 7919) % 36500) || ' days')",
    },
}
NO_FILE = " AND ".join(f"name NOT LIKE '%{end}'" for end in ("00", "20", "40", "60", "80"))
"""5% of residents (numbers ending 00, 20 … 80) have no file."""
NO_CHECK_UP = "name LIKE '%3' OR name LIKE '%7'"
"""20% of files have no check-up (overdue)."""


def fill(engine: Engine, community_id: object, residents: int, communities: int) -> None:
    """Residents aged 0–99 spread evenly over ``communities`` (the first is ``community_id``,
    the others copies of it), files for 95% of those 60+, a check-up this year for 80% of files."""
    sql = DIALECT[engine.dialect.name]
    values = {
        "cid": community_id,
        "today": TODAY,
        "sixty": TODAY.replace(year=TODAY.year - 60),
    }
    with engine.begin() as connection:
        for k in range(1, communities):
            connection.execute(
                text(
                    "INSERT INTO community (id, name, street_office_id, honours, version)"
                    f" SELECT {sql['uuid']}, name || :k, street_office_id, honours, 0"
                    " FROM community WHERE id = :cid"
                ),
                {**values, "k": str(k)},
            )
        connection.execute(
            text(
                "CREATE TEMPORARY TABLE c AS SELECT row_number() OVER (ORDER BY id = :cid DESC,"
                " id) - 1 AS k, id FROM community"
            ),
            values,
        )
        numbers = sql["numbers"].format(count=int(residents))
        connection.execute(text(f"CREATE TEMPORARY TABLE n AS {numbers}"))
        connection.execute(
            text(
                "INSERT INTO resident (community_id, id, relation_to_head, name, gender,"
                " birth_date, ethnicity, registration_status, status, version)"
                f" SELECT c.id, {sql['uuid']}, 'head', '居民' || i,"
                f" CASE WHEN i % 2 = 0 THEN 'female' ELSE 'male' END, {sql['born']},"
                " 'han', 'permanent', 'active', 0 FROM n"
                # Consecutive numbers per community, so every community has every ending.
                f" JOIN c ON c.k = (n.i - 1) * {int(communities)} / {int(residents)}"
            ),
            values,
        )
        connection.execute(
            text(
                "INSERT INTO elderly_health_file (community_id, id, resident_id, status,"
                " opened_on, conditions, version)"
                f" SELECT community_id, {sql['uuid']}, id, 'open', :today, '', 0 FROM resident"
                f" WHERE birth_date <= :sixty AND {NO_FILE}"
                # The small community's own residents 60+ have their due files already.
                " AND name LIKE '居民%'"
            ),
            values,
        )
        clinic = connection.execute(
            text("SELECT id FROM partner_unit WHERE community_id = :cid AND kind = 'hospital'"),
            values,
        ).scalar_one()
        connection.execute(
            text(
                "INSERT INTO elderly_health_check_up (community_id, id, resident_id, file_id,"
                " checked_on, clinic_id, version)"
                f" SELECT f.community_id, {sql['uuid']}, f.resident_id, f.id, :today, :clinic, 0"
                " FROM elderly_health_file f JOIN resident r"
                " ON r.community_id = f.community_id AND r.id = f.resident_id"
                # The clinic is the first community's: the others' files have no check-ups.
                f" WHERE f.community_id = :cid AND NOT ({NO_CHECK_UP.replace('name', 'r.name')})"
            ),
            {**values, "clinic": clinic},
        )
        connection.execute(text("ANALYZE"))


def main() -> None:
    """Build the community, run the report three times, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument(
        "--communities", type=int, default=1, help="spread the residents over this many"
    )
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL (default: SQLite)")
    args = parser.parse_args()
    with ExitStack() as stack:
        if args.postgres:
            url = stack.enter_context(postgres_schema(args.postgres))
        else:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            url = f"sqlite:///{folder / 'bench.db'}"
        host = make_plugin_host(load_entry_points=False, plugins={"elderly_health": plugin})
        commons = open_commons(url, host=host, upgrade=True)
        stack.callback(commons.close)
        admin = Actor.local_admin()
        demo = make_small_community(commons, admin, today=TODAY, run_plugins=False)
        community = demo.communities["small"]
        # SQLite stores ids as 32 hex digits (SQLAlchemy's Uuid); PostgreSQL as uuid.
        cid = community.id.hex if commons.engine.dialect.name == "sqlite" else community.id
        started = time.perf_counter()
        fill(commons.engine, cid, args.residents, args.communities)
        filled = time.perf_counter() - started
        timings = []
        for _ in range(3):
            with (
                count_statements(commons) as seen,
                commons.unit_of_work(admin, readonly=True) as uow,
            ):
                started = time.perf_counter()
                data = commons.reports[COVERAGE].run(uow, community, ReportParams(as_of=TODAY)).data
                timings.append(time.perf_counter() - started)
        backend = commons.engine.dialect.name
        print(
            f"{backend}, {args.residents:,} residents in {args.communities} communities"
            f" (written in {filled:.1f} s); the report on one of them:"
        )
        print("| residents 60+ | files opened | coverage | overdue | 80+ | statements | best s |")
        print("|---|---|---|---|---|---|---|")
        print(
            f"| {data['residents_60_plus']:,} | {data['files_opened']:,} "
            f"| {data['coverage_percent']}% "
            f"| {data['check_ups_overdue']:,} | {data['residents_80_plus']:,} | {len(seen)} "
            f"| {min(timings):.2f} |"
        )


if __name__ == "__main__":
    main()
