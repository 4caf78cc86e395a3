"""The import/export benchmark: prints a table of rows/s, ratio to the raw driver, peak RSS.

For each size (10^5 and 10^6 residents by default) it generates a register
(``generate.py``), then measures, each in a process of its own so that peak
RSS is that command's alone:

* the raw-driver baseline: the same resident and household rows, already
  converted, written with sqlite3 ``executemany`` (SQLite) or psycopg ``COPY``
  (PostgreSQL) into the same migrated schema, in one transaction;
* ``commons import residents`` of the CSV and of the XLSX file (full
  validation, audit trail, events), into an empty community;
* the raw driver writing every row the import wrote (audit entries and the
  plugins' rows too), read back from the imported database: not the
  target's baseline, but the share of the import's time its database needs;
* ``commons export residents`` to CSV;
* the importer's reading and structuring of each row alone (the API's
  converter and rules, no database): the part of an import the issue
  requires whatever the design, against the time the target allows;

and, on a district database (communities of 5,000 residents up to the
largest size), every report's time. Usage::

    python benchmarks/run.py                  # 10^5 and 10^6, SQLite (+ PostgreSQL if set)
    python benchmarks/run.py --smoke          # 500 rows, seconds (CI)
    python benchmarks/run.py --sizes 100000 --postgres postgresql://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import attrs

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import write_csv, write_xlsx  # noqa: E402

COMMUNITY = "基准社区"
DISTRICT_COMMUNITY_SIZE = 5000


@attrs.define
class Result:
    """One line of the table."""

    scenario: str
    backend: str
    rows: int
    seconds: float
    baseline: float | None = None
    rss_mb: float | None = None
    note: str = ""

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def child(args: list[str]) -> tuple[str, float, float]:
    """Run a command; its standard output, wall seconds and peak RSS in MB (its own).

    The peak is the child's ``VmHWM`` (``/proc/PID/status``), read every 20 ms
    while it runs: the ``ru_maxrss`` that ``wait4`` returns starts from the
    parent's resident size at the fork (Linux carries the high-water mark
    across ``exec``), so a child of a parent that had written a large XLSX
    file reported that size as its own.
    """
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(args, stdout=out, stderr=errors)
        peak_kb = 0
        while True:
            peak_kb = max(peak_kb, _high_water_kb(process.pid))
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.02)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status):
            errors.seek(0)
            raise SystemExit(f"{' '.join(args)} failed:\n{errors.read().decode()}")
        out.seek(0)
        # A child too quick to be sampled: the kernel's figure, an upper bound.
        return out.read().decode(), wall, (peak_kb or usage.ru_maxrss) / 1024


def _high_water_kb(pid: int) -> int:
    """The process's peak resident set size so far, in kB (0 once it has exited)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def commons(db: str, *args: str) -> list[str]:
    """A ``commons`` command line on database ``db``."""
    return [str(Path(sys.executable).parent / "commons"), "--db", db, *args]


def fresh_database(url: str) -> str:
    """Migrate a new database and create the benchmark community; returns the URL."""
    from commons_core import Actor, Community, open_commons

    handle = open_commons(url, upgrade=True)
    with handle.unit_of_work(Actor.local_admin()) as uow:
        uow.repo(Community).add(Community(name=COMMUNITY))
    handle.close()
    return url


def sqlite_url(work: Path, name: str) -> str:
    path = work / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return fresh_database(f"sqlite:///{path}")


def postgres_url(base: str, name: str) -> str:
    """A fresh schema on the PostgreSQL server (dropped at exit)."""
    from sqlalchemy import create_engine, text

    from commons_core.storage.engine import normalize_url

    schema = f"bench_{name}_{uuid.uuid4().hex[:6]}"
    engine = create_engine(normalize_url(base))
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    separator = "&" if "?" in base else "?"
    SCHEMAS.append((base, schema))
    return fresh_database(f"{base}{separator}options=-csearch_path%3D{schema}")


SCHEMAS: list[tuple[str, str]] = []


def drop_schemas() -> None:
    from sqlalchemy import create_engine, text

    from commons_core.storage.engine import normalize_url

    for base, schema in SCHEMAS:
        engine = create_engine(normalize_url(base))
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def import_rows(url: str, path: Path) -> tuple[dict[str, Any], float]:
    """``commons import residents`` in its own process: its JSON summary and peak RSS."""
    out, _wall, rss = child(
        commons(url, "import", "residents", str(path), "--community", COMMUNITY, "--json")
    )
    return json.loads(out), rss


# -- the raw-driver baseline ------------------------------------------------------


def baseline_rows(path: Path, community_id: uuid.UUID) -> Iterator[tuple[str, list[Any]]]:
    """The rows the importer writes, as plain values: ``("household"|"resident", values)``."""
    from commons_core.io.layout import sheet
    from commons_core.model import (
        EmploymentStatus,
        Ethnicity,
        Gender,
        HouseholdType,
        RegistrationStatus,
        RelationToHead,
        new_id,
    )

    keys = [c.key for c in sheet("residents").columns]
    homes: dict[str, uuid.UUID] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for cells in reader:
            row = dict(zip(keys, cells, strict=True))
            home = homes.get(row["household_no"])
            if home is None:
                home = homes[row["household_no"]] = new_id()
                yield (
                    "household",
                    [
                        community_id,
                        home,
                        row["household_no"],
                        HouseholdType.parse(row["household_type"] or "户籍").value,
                        None,
                        None,
                        None,
                        None,
                        None,
                        row["address"] or None,
                        "",
                        0,
                    ],
                )
            yield (
                "resident",
                [
                    community_id,
                    new_id(),
                    home,
                    RelationToHead.parse(row["relation_to_head"]).value,
                    row["name"],
                    Gender.parse(row["gender"]).value,
                    row["birth_date"],
                    Ethnicity.parse(row["ethnicity"]).value,
                    row["id_number"],
                    row["phone"] or None,
                    RegistrationStatus.parse(row["registration_status"]).value,
                    EmploymentStatus.parse(row["employment_status"]).value,
                    row["registered_address"] or None,
                    "active",
                    row["moved_in_on"] or None,
                    None,
                    0,
                ],
            )


HOUSEHOLD_COLUMNS = (
    "community_id, id, household_no, household_type, residents_group_id, grid_zone_id,"
    " building_id, unit, room, address, statuses, version"
)
RESIDENT_COLUMNS = (
    "community_id, id, household_id, relation_to_head, name, gender, birth_date, ethnicity,"
    " id_number, phone, registration_status, employment_status, registered_address, status,"
    " moved_in_on, left_on, version"
)


def raw_baseline(url: str, path: Path, community: str = COMMUNITY) -> float:
    """Seconds spent in the driver writing the rows (conversion not counted)."""
    from sqlalchemy import create_engine, text

    from commons_core.storage.engine import normalize_url

    engine = create_engine(normalize_url(url))
    with engine.connect() as conn:
        community_id = conn.execute(
            text("SELECT id FROM community WHERE name = :n"), {"n": community}
        ).scalar_one()
    engine.dispose()
    if isinstance(community_id, str):
        community_id = uuid.UUID(community_id)
    chunks = _chunks(baseline_rows(path, community_id), 10_000)
    if url.startswith("sqlite"):
        return _sqlite_baseline(url.removeprefix("sqlite:///"), chunks)
    return _postgres_baseline(url, chunks)


def _chunks(
    rows: Iterator[tuple[str, list[Any]]], size: int
) -> Iterator[dict[str, list[list[Any]]]]:
    chunk: dict[str, list[list[Any]]] = {"household": [], "resident": []}
    count = 0
    for kind, values in rows:
        chunk[kind].append(values)
        count += 1
        if count >= size:
            yield chunk
            chunk, count = {"household": [], "resident": []}, 0
    yield chunk


def _sqlite_bulk_connection(path: str) -> Any:
    """A raw sqlite3 connection with the pragmas of the SDK's connections and of its bulk loads."""
    import sqlite3

    from commons_core.storage.bulk import BULK_SQLITE_PRAGMAS

    con = sqlite3.connect(path, isolation_level=None)
    pragmas = ["journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"]
    pragmas += [f"{name}={value}" for name, value in BULK_SQLITE_PRAGMAS.items()]
    for pragma in pragmas:
        con.execute(f"PRAGMA {pragma}")
    return con


def _psycopg_connection(url: str) -> Any:
    """A raw psycopg connection to the schema a benchmark URL's ``search_path`` option names."""
    import psycopg

    base, _, options = url.partition("?")
    conn = psycopg.connect(base.replace("postgresql+psycopg", "postgresql"))
    conn.execute(f'SET search_path TO "{options.split("%3D", 1)[1]}"')
    return conn


def _sqlite_baseline(path: str, chunks: Iterator[dict[str, list[list[Any]]]]) -> float:
    con = _sqlite_bulk_connection(path)
    spent = 0.0
    con.execute("BEGIN IMMEDIATE")
    for chunk in chunks:
        households = [
            [v.hex if isinstance(v, uuid.UUID) else v for v in r] for r in chunk["household"]
        ]
        residents = [
            [v.hex if isinstance(v, uuid.UUID) else v for v in r] for r in chunk["resident"]
        ]
        started = time.perf_counter()
        con.executemany(
            f"INSERT INTO household ({HOUSEHOLD_COLUMNS}) VALUES ({','.join('?' * 12)})", households
        )
        con.executemany(
            f"INSERT INTO resident ({RESIDENT_COLUMNS}) VALUES ({','.join('?' * 17)})", residents
        )
        spent += time.perf_counter() - started
    started = time.perf_counter()
    con.execute("COMMIT")
    spent += time.perf_counter() - started
    con.close()
    return spent


def _postgres_baseline(url: str, chunks: Iterator[dict[str, list[list[Any]]]]) -> float:
    from commons_core.storage.bulk import statistics_due

    spent = 0.0
    written = analysed_at = 0
    with _psycopg_connection(url) as conn:
        for chunk in chunks:
            started = time.perf_counter()
            with conn.cursor() as cur:
                with cur.copy(f"COPY household ({HOUSEHOLD_COLUMNS}) FROM STDIN") as copy:
                    for row in chunk["household"]:
                        copy.write_row(row)
                with cur.copy(f"COPY resident ({RESIDENT_COLUMNS}) FROM STDIN") as copy:
                    for row in chunk["resident"]:
                        copy.write_row(row)
                # The importer's remedy for statistics of tables filled in one
                # transaction (storage.bulk.BulkLoad): without it the foreign-key
                # checks of later chunks are planned for empty tables.
                written += len(chunk["resident"])
                if statistics_due(written, analysed_at):
                    analysed_at = written
                    cur.execute("ANALYZE household, resident")
            spent += time.perf_counter() - started
        started = time.perf_counter()
        conn.commit()
        spent += time.perf_counter() - started
    return spent


def replay_baseline(source: str, target: str) -> tuple[float, int]:
    """The raw driver writing every row an import wrote: its seconds and the row count.

    Not the issue's baseline (that writes the register's residents and
    households only): this one also writes the audit entries and the rows
    plugins added (health files), read back from the imported database
    ``source`` and written into the fresh ``target`` in one transaction, the
    time counted being the driver's alone. It shows how much of an import's
    time is its database's work for what it writes.
    """
    from sqlalchemy import create_engine, text

    from commons_core import open_commons
    from commons_core.storage.engine import normalize_url

    handle = open_commons(source)
    names = [t.name for t in handle.tables if t.name not in ("community", "audit_head")]
    handle.close()
    engine = create_engine(normalize_url(target))
    with engine.begin() as conn:
        # The target holds only the source's community: same ids, an empty trail.
        for name in ("audit_entry", "audit_head", "community"):
            conn.execute(text(f"DELETE FROM {name}"))
    engine.dispose()
    if source.startswith("sqlite"):
        return _sqlite_replay(source, target, names)
    return _postgres_replay(source, target, names)


def _sqlite_replay(source: str, target: str, names: list[str]) -> tuple[float, int]:
    import sqlite3

    src = sqlite3.connect(source.removeprefix("sqlite:///"))
    dst = _sqlite_bulk_connection(target.removeprefix("sqlite:///"))
    spent, count = 0.0, 0
    dst.execute("BEGIN IMMEDIATE")
    for name in ["community", *names]:
        cursor = src.execute(f"SELECT * FROM {name}")
        columns = ", ".join(d[0] for d in cursor.description)
        statement = (
            f"INSERT INTO {name} ({columns}) VALUES ({','.join('?' * len(cursor.description))})"
        )
        while chunk := cursor.fetchmany(10_000):
            started = time.perf_counter()
            dst.executemany(statement, chunk)
            spent += time.perf_counter() - started
            count += len(chunk) if name != "community" else 0
    started = time.perf_counter()
    dst.execute("COMMIT")
    spent += time.perf_counter() - started
    return spent, count


def _postgres_replay(source: str, target: str, names: list[str]) -> tuple[float, int]:
    from psycopg.types.json import JsonbDumper

    from commons_core.storage.bulk import statistics_due

    spent, count, analysed_at = 0.0, 0, 0
    with _psycopg_connection(source) as src, _psycopg_connection(target) as dst:
        dst.adapters.register_dumper(dict, JsonbDumper)  # JSON columns read back as dicts
        for name in ["community", *names]:
            with src.cursor(name="replay") as read:
                read.execute(f"SELECT * FROM {name}")
                columns = None
                while chunk := read.fetchmany(10_000):
                    columns = columns or ", ".join(d.name for d in read.description or ())
                    started = time.perf_counter()
                    with (
                        dst.cursor() as cur,
                        cur.copy(f"COPY {name} ({columns}) FROM STDIN") as copy,
                    ):
                        for row in chunk:
                            copy.write_row(row)
                    count += len(chunk) if name != "community" else 0
                    if statistics_due(count, analysed_at):
                        analysed_at = count
                        dst.execute("ANALYZE")
                    spent += time.perf_counter() - started
        started = time.perf_counter()
        dst.commit()
        spent += time.perf_counter() - started
    return spent, count


# -- scenarios -----------------------------------------------------------------------


def run_imports(
    backend: str, make_url: Any, size: int, files: dict[str, Path], results: list[Result]
) -> str:
    """Baseline, CSV and XLSX imports of ``size`` rows; returns the CSV-imported database."""
    url = make_url(f"raw{size}")
    _out, _wall, rss = child([sys.executable, __file__, "--baseline", url, str(files["csv"])])
    seconds = float(_out.strip())
    results.append(Result("raw driver (executemany / COPY)", backend, size, seconds, rss_mb=rss))
    baseline = size / seconds
    csv_url: str = make_url(f"csv{size}")
    summary, rss = import_rows(csv_url, files["csv"])
    audit = audit_ratio(csv_url, summary)
    results.append(Result("import CSV", backend, size, summary["seconds"], baseline, rss, audit))
    out, _wall, rss = child([sys.executable, __file__, "--replay", csv_url, make_url(f"all{size}")])
    seconds, written = json.loads(out)
    note = f"not the target's baseline: {written:,} rows incl. audit entries, health files"
    results.append(
        Result("raw driver, all rows the import wrote", backend, size, seconds, None, rss, note)
    )
    if backend == "sqlite":
        out, _wall, rss = child([sys.executable, __file__, "--codec", csv_url, str(files["csv"])])
        note = "no database: reading, cells, converter and rules; 1/3 of raw leaves"
        note += f" {3e6 / baseline:.0f} µs a row for everything"
        results.append(Result("codec only", "—", size, float(out), baseline, rss, note))
    if "xlsx" in files:
        summary, rss = import_rows(make_url(f"xlsx{size}"), files["xlsx"])
        results.append(Result("import XLSX", backend, size, summary["seconds"], baseline, rss))
    return csv_url


def audit_ratio(url: str, summary: dict[str, Any]) -> str:
    """Audit entries written ÷ records created (residents, households, groups)."""
    from sqlalchemy import create_engine, text

    from commons_core.storage.engine import normalize_url

    engine = create_engine(normalize_url(url))
    with engine.connect() as conn:
        entries = conn.execute(
            # Only the imported entities: plugins reacting to the import's events
            # (health files for residents 60+, say) write audited records of their own.
            text(
                "SELECT count(*) FROM audit_entry WHERE action IN ('create', 'update')"
                " AND entity IN ('resident', 'household', 'residents_group')"
            )
        ).scalar_one()
    engine.dispose()
    changed = summary["inserted"] + summary["updated"] + summary["households_created"]
    changed += summary["households_updated"] + summary["groups_created"]
    return f"audit ÷ changed = {entries / changed:.2f}"


def codec_only(url: str, path: Path) -> float:
    """Seconds the importer spends reading ``path`` and structuring its rows (no writes).

    The importer's own functions: each row's cells, the resident, and its household
    once per distinct set of household cells, as a batch of the import does.
    """
    from commons_core import Actor, Resident, open_commons
    from commons_core.io import importer
    from commons_core.io.layout import sheet
    from commons_core.io.readers import open_table
    from commons_core.model import Household
    from commons_core.validation.rules import RuleContext

    handle = open_commons(url)
    with handle.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        community = uow.find_community(COMMUNITY)
    layout = sheet("residents")
    started = time.perf_counter()
    with open_table(path) as reader:
        columns = layout.match_headers(reader.headers)[0]
        present = {c.key for c in columns if c}
        loader = importer._ResidentLoader(handle, community, layout, present)
        loader.context = RuleContext()
        keys = [k for k in loader.RESIDENT_KEYS if k in present]
        extra = {"community_id": community.id}
        homes: set[tuple[Any, ...]] = set()
        summary = importer.ImportSummary(kind="residents", community=COMMUNITY, dry_run=True)
        rows = importer._source_rows(reader, columns, layout, summary)
        for count, row in enumerate(rows):
            if count % 1000 == 0:
                homes.clear()  # the importer structures a household once per batch
            loader.structure(row, Resident, keys, extra)
            cells = tuple(row.values.get(k) for k in loader.HOUSEHOLD_KEYS)
            if cells not in homes:
                homes.add(cells)
                loader.structure(row, Household, loader.HOUSEHOLD_KEYS, extra)
    seconds = time.perf_counter() - started
    handle.close()
    return seconds


def run_export(backend: str, url: str, size: int, work: Path, results: list[Result]) -> None:
    """Export the imported residents to CSV (masked, as most exports are)."""
    target = work / f"export-{backend}-{size}.csv"
    out, _wall, rss = child([sys.executable, __file__, "--export", url, str(target)])
    summary = json.loads(out)
    results.append(Result("export CSV", backend, summary["rows"], summary["seconds"], rss_mb=rss))


def export_in_process(url: str, target: Path) -> dict[str, Any]:
    """The export itself, timed inside its process (start-up not counted)."""
    from commons_core import Actor, open_commons
    from commons_core.io import export_table

    handle = open_commons(url)
    summary = export_table(handle, Actor.local_admin(), "residents", COMMUNITY, output=target)
    handle.close()
    return summary.as_json()


def run_reports(backend: str, make_url: Any, size: int, work: Path, results: list[Result]) -> None:
    """A district of communities of 5,000 residents; each report timed on one of them.

    The district is loaded with the raw driver (the importer's speed is measured
    above): reports only need the data.
    """
    from commons_core import Actor, Community, open_commons
    from commons_core.reports import ReportParams

    url = make_url(f"district{size}")
    handle = open_commons(url)
    admin = Actor.local_admin()
    per = min(DISTRICT_COMMUNITY_SIZE, size)
    source = work / f"community-{per}.csv"
    if not source.exists():
        write_csv(source, per, seed=11)
    communities = max(size // per, 1)
    started = time.perf_counter()
    for n in range(communities):
        name = COMMUNITY if n == 0 else f"{COMMUNITY}{n}"
        if n:
            with handle.unit_of_work(admin) as uow:
                uow.repo(Community).add(Community(name=name))
        raw_baseline(url, source, name)
    built = time.perf_counter() - started
    with handle.unit_of_work(admin, readonly=True) as uow:
        community = uow.find_community(COMMUNITY)
        for name, report in sorted(handle.reports.items()):
            times = []
            for _ in range(5):
                t = time.perf_counter()
                report.run(uow, community, ReportParams())
                times.append(time.perf_counter() - t)
            median = statistics.median(times)
            results.append(
                Result(
                    f"report {name} (ms)",
                    backend,
                    communities * per,
                    median * 1000,
                    note=f"district of {communities} communities, built in {built:.0f} s",
                )
            )
    handle.close()


def run_insert_paths(make_url: Any, results: list[Result], rows: int = 20_000) -> None:
    """PostgreSQL: the same resident rows through COPY and through a Core executemany."""
    import random

    from sqlalchemy import delete, insert

    from commons_core import Actor, open_commons
    from commons_core.model import Ethnicity, Gender, Resident
    from commons_core.storage import bulk
    from commons_core.storage.tables import resident

    url = make_url("paths")
    handle = open_commons(url)
    with handle.unit_of_work(Actor.local_admin()) as uow:
        community = uow.find_community(COMMUNITY)
    rng = random.Random(1)
    people = [
        attrs.asdict(
            Resident(
                community_id=community.id,
                name=f"居民{i}",
                gender=Gender.FEMALE,
                birth_date=date(1950 + i % 60, 1 + i % 12, 1 + i % 28),
                ethnicity=rng.choice(list(Ethnicity)),
            ),
            recurse=False,
        )
        for i in range(rows)
    ]

    def copy(conn: Any) -> None:
        bulk.insert_rows(conn, resident, people)

    def executemany(conn: Any) -> None:
        conn.execute(insert(resident), people)

    def unnest(conn: Any) -> None:
        bulk.insert_rows(conn, resident, people)  # under row-level security: unnest

    # As the tables' owner (COPY allowed), then in a unit of work, under the
    # application role's row-level security, where COPY FROM is refused.
    for label, write, as_owner in (
        ("COPY (owner)", copy, True),
        ("executemany (owner)", executemany, True),
        ("unnest (row-level security)", unnest, False),
        ("executemany (row-level security)", executemany, False),
    ):
        with handle.engine.begin() if as_owner else _uow_connection(handle) as conn:
            started = time.perf_counter()
            write(conn)
            seconds = time.perf_counter() - started
            conn.execute(delete(resident))
        results.append(Result(f"insert path: {label}", "postgresql", rows, seconds))
    handle.close()


@contextmanager
def _uow_connection(handle: Any) -> Iterator[Any]:
    """The connection of a local administrator's unit of work (application role, RLS on)."""
    from commons_core import Actor

    with handle.unit_of_work(Actor.local_admin()) as uow:
        yield uow.connection


def table(results: list[Result]) -> str:
    lines = [
        "| scenario | backend | rows | seconds | rows/s | baseline rows/s | ratio"
        " | peak RSS MB | note |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        if r.scenario.startswith("report"):
            lines.append(
                f"| {r.scenario} | {r.backend} | {r.rows:,} | {r.seconds:.1f} ms"
                f" | | | | | {r.note} |"
            )
            continue
        base = f"{r.baseline:,.0f}" if r.baseline else ""
        ratio = f"{r.rate / r.baseline:.2f}" if r.baseline else ""
        rss = f"{r.rss_mb:.0f}" if r.rss_mb else ""
        lines.append(
            f"| {r.scenario} | {r.backend} | {r.rows:,} | {r.seconds:.1f} | {r.rate:,.0f}"
            f" | {base} | {ratio} | {rss} | {r.note} |"
        )
    return "\n".join(lines)


def scaling(results: list[Result], sizes: list[int]) -> list[str]:
    """The time ratio between the largest and smallest run of each import scenario."""
    if len(sizes) < 2:
        return []
    small, large = min(sizes), max(sizes)
    lines = []
    for scenario in ("import CSV", "import XLSX", "raw driver (executemany / COPY)"):
        for backend in ("sqlite", "postgresql"):
            got = {
                r.rows: r.seconds
                for r in results
                if r.scenario == scenario and r.backend == backend
            }
            if small in got and large in got:
                lines.append(
                    f"- {scenario}, {backend}: {large // small}× rows took "
                    f"{got[large] / got[small]:.1f}× the time"
                )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description="import/export benchmark")
    parser.add_argument("--smoke", action="store_true", help="500 rows, for CI")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--postgres", default=os.environ.get("COMMONS_BENCH_POSTGRES_URL"))
    parser.add_argument("--no-xlsx", action="store_true")
    parser.add_argument("--no-reports", action="store_true")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="also write the table here")
    parser.add_argument("--baseline", nargs=2, metavar=("URL", "CSV"), help=argparse.SUPPRESS)
    parser.add_argument("--export", nargs=2, metavar=("URL", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--replay", nargs=2, metavar=("FROM", "TO"), help=argparse.SUPPRESS)
    parser.add_argument("--codec", nargs=2, metavar=("URL", "CSV"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline:
        print(raw_baseline(args.baseline[0], Path(args.baseline[1])))
        return
    if args.codec:
        print(codec_only(args.codec[0], Path(args.codec[1])))
        return
    if args.replay:
        print(json.dumps(replay_baseline(*args.replay)))
        return
    if args.export:
        print(json.dumps(export_in_process(args.export[0], Path(args.export[1]))))
        return
    sizes = [500] if args.smoke else [int(s) for s in args.sizes.split(",")]
    work = args.work or Path(tempfile.mkdtemp(prefix="commons-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    backends: list[tuple[str, Any]] = [("sqlite", lambda name: sqlite_url(work, name))]
    if args.postgres:
        backends.append(("postgresql", lambda name: postgres_url(args.postgres, name)))
    try:
        for size in sizes:
            files = {"csv": work / f"residents-{size}.csv"}
            if not files["csv"].exists():
                write_csv(files["csv"], size)
            if not args.no_xlsx:
                files["xlsx"] = work / f"residents-{size}.xlsx"
                if not files["xlsx"].exists():
                    write_xlsx(files["xlsx"], size)
            for backend, make_url in backends:
                url = run_imports(backend, make_url, size, files, results)
                if size == max(sizes):
                    run_export(backend, url, size, work, results)
                print(table(results), file=sys.stderr, flush=True)
        for backend, make_url in backends:
            if backend == "postgresql":
                run_insert_paths(make_url, results)
            if not args.no_reports:
                run_reports(backend, make_url, max(sizes), work, results)
    finally:
        drop_schemas()
        if args.work is None and not args.smoke:
            shutil.rmtree(work, ignore_errors=True)
    text_lines = [table(results), "", *scaling(results, sizes)]
    print("\n".join(text_lines))
    if args.out:
        args.out.write_text("\n".join(text_lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
