"""How fast ``commons --help`` starts with 3 and with 20 plugins: prints a table.

Generates 17 small plugins of the real plugins' shape — a manifest
(:class:`~commons_core.plugin.Plugin`) naming a :class:`LazyCommand`, an
entity, a report and rules by reference, a model, a table, a report and a
command group that import SQLAlchemy and the SDK as real ones do, and a
``lazy_loader`` stub — as importable packages with ``.dist-info`` entry points
(group ``commons_core``) in a temporary site folder put on ``PYTHONPATH``: no
``pip install``. Then times, each run a fresh process of the ``commons``
console script:

* ``commons --help`` with the installed plugins (the three bundled ones and the
  reference deployment's ``serve``) and with the 17 generated ones added;
* ``commons patrol --help`` and ``commons bench-01 --help``: one plugin's
  command imported, the others not;

and prints, per case, the median and fastest wall time of N runs, how many
modules the process imported and its peak RSS (one more run, through
``--probe``, which records both at exit). Usage::

    python benchmarks/cli_startup.py                # 15 runs per case
    python benchmarks/cli_startup.py --runs 30 --work /tmp/startup
    python benchmarks/cli_startup.py --smoke        # 2 runs per case (CI)
    python benchmarks/cli_startup.py --probe out.json -- --help   # one run, modules + RSS
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import attrs

GENERATED = 17
PREFIX = "commons_bench_"


@attrs.frozen
class Case:
    """One line of the table: ``commons ARGS`` with or without the generated plugins."""

    name: str
    args: tuple[str, ...]
    generated: bool


@attrs.frozen
class Timing:
    """A case's measurements."""

    case: Case
    seconds: list[float]
    modules: int
    rss_mb: float

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def fastest(self) -> float:
        return min(self.seconds)


INIT = '''"""Generated benchmark plugin {n}: a manifest, everything heavy by reference."""

import lazy_loader

from commons_core.model import Label
from commons_core.plugin import LazyCommand, Plugin

PLUGIN_NAME = "bench_{n}"

plugin = Plugin(
    name=PLUGIN_NAME,
    label=Label("基准插件{n}", "benchmark plugin {n}"),
    package=__name__,
    entities=".tables:ENTITIES",
    rules=".rules:RULES",
    permissions=".grants:PERMISSIONS",
    grants=".grants:ROLE_GRANTS",
    reports=".reports:Summary",
    cli=[LazyCommand("bench-{n}", ".cli:group", "基准插件{n} / benchmark plugin {n}")],
)

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
__all__ += ["PLUGIN_NAME", "plugin"]
'''

STUB = """from .model import Record as Record
from .reports import Summary as Summary
"""

MODEL = '''"""The plugin's model."""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

import attrs

from commons_core.model import Label, label, new_id


@attrs.frozen(kw_only=True)
class Record:
    """One entry of the register."""

    LABEL: ClassVar[Label] = Label("基准记录{n}", "benchmark record {n}")
    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    household_id: UUID | None = attrs.field(default=None, metadata=label("户", "household"))
    title: str = attrs.field(metadata=label("事项", "title"))
    happened_on: date = attrs.field(metadata=label("日期", "date"))
    note: str | None = attrs.field(default=None, metadata=label("备注", "note"))
    version: int = attrs.field(default=0, metadata=label("版本", "version"))
'''

TABLES = '''"""The plugin's table."""

from sqlalchemy import Column, Date, Index, String, Text, Uuid

from commons_core.storage import Entity, community_fk, community_table

from .model import Record

record = community_table(
    "bench_{n}_record",
    Column("household_id", Uuid),
    Column("title", String(100), nullable=False),
    Column("happened_on", Date, nullable=False),
    Column("note", Text),
    community_fk("household_id", "household"),
    Index(None, "community_id", "happened_on"),
)

ENTITIES = (Entity(Record, record, household_column="household_id"),)
'''

RULES = '''"""The plugin's rules."""

from commons_core.validation import FieldRule, RuleViolation

from .model import Record


def _title(value: str) -> str:
    if not value.strip():
        raise RuleViolation("bench_{n}.title_required", "事项不能为空", "the title is required")
    return value.strip()


RULES = (FieldRule(Record, "title", _title),)
'''

GRANTS = '''"""The plugin's permissions and grants."""

PERMISSIONS = ()
ROLE_GRANTS = {{"grid_worker": ["bench_{n}_record:list", "bench_{n}_record:read"]}}
'''

REPORTS = '''"""The plugin's report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select

from commons_core import Community, Label
from commons_core.reports import Report, ReportColumn, ReportParams, ReportResult

from .model import Record

if TYPE_CHECKING:
    from commons_core.services import UnitOfWork


class Summary(Report):
    """Records in the community."""

    name = "bench-{n}-summary"
    title = Label("基准统计{n}", "benchmark summary {n}")

    def run(self, uow: UnitOfWork, community: Community, params: ReportParams) -> ReportResult:
        records = uow.scoped(Record)
        count = uow.connection.execute(
            select(func.count()).where(records.c.community_id == community.id)
        ).scalar_one()
        columns = (ReportColumn("records", Label("记录数", "records")),)
        return ReportResult(data={{"records": count}}, columns=columns, rows=((count,),))
'''

CLI = '''"""``commons bench-{n} ...``."""

import click

from commons_core.cli import echo_json, get_actor, get_commons

from .model import Record
from .tables import record


@click.group("bench-{n}")
def group() -> None:
    """基准插件{n} / benchmark plugin {n}."""


@group.command("list")
@click.option("--community", "community_ref", required=True, help="社区 / community.")
def list_records(community_ref: str) -> None:
    """列出记录 / list a community's records."""
    with get_commons().unit_of_work(get_actor(), readonly=True) as uow:
        community = uow.find_community(community_ref)
        found = uow.repo(Record).find(record.c.community_id == community.id)
        echo_json([r.title for r in found])
'''


def write_plugins(site: Path, count: int = GENERATED) -> list[str]:
    """Write ``count`` plugin packages and their ``.dist-info`` into ``site``; their names."""
    names = []
    modules = {
        "__init__.py": INIT,
        "__init__.pyi": STUB,
        "model.py": MODEL,
        "tables.py": TABLES,
        "rules.py": RULES,
        "grants.py": GRANTS,
        "reports.py": REPORTS,
        "cli.py": CLI,
    }
    for i in range(1, count + 1):
        n = f"{i:02d}"
        package = site / f"{PREFIX}{n}"
        package.mkdir(parents=True, exist_ok=True)
        for file, text in modules.items():
            (package / file).write_text(text.format(n=n), encoding="utf-8")
        info = site / f"{PREFIX}{n}-0.1.0.dist-info"
        info.mkdir(exist_ok=True)
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: commons-bench-{n}\nVersion: 0.1.0\n", encoding="utf-8"
        )
        (info / "entry_points.txt").write_text(
            f"[commons_core]\nbench_{n} = {PREFIX}{n}:plugin\n", encoding="utf-8"
        )
        names.append(f"bench_{n}")
    return names


def environment(site: Path | None, pycache: Path) -> dict[str, str]:
    """The environment of a run: the generated plugins' site on ``PYTHONPATH`` or not.

    A ``PYTHONPATH`` given to the benchmark stays first (to time another tree).
    Bytecode is cached under ``pycache`` (``PYTHONPYCACHEPREFIX``), even when
    ``PYTHONDONTWRITEBYTECODE`` is set: an installed package has its ``.pyc``
    files, and compiling every module again would be timed otherwise.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if site is not None:
        paths.append(str(site))
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    else:
        env.pop("PYTHONPATH", None)
    return env


def console_script() -> str:
    """The ``commons`` console script next to this interpreter."""
    return str(Path(sys.executable).parent / "commons")


def time_runs(args: tuple[str, ...], env: dict[str, str], runs: int) -> list[float]:
    """Wall seconds of ``runs`` fresh ``commons ARGS`` processes (after one untimed run)."""
    seconds = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        done = subprocess.run(
            [console_script(), *args], env=env, capture_output=True, text=True, check=False
        )
        seconds.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"commons {' '.join(args)} failed:\n{done.stderr}")
    return seconds[1:]


def probe(args: tuple[str, ...], env: dict[str, str]) -> dict[str, object]:
    """One run of ``commons ARGS`` through ``--probe``: its modules and peak RSS."""
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "probe.json"
        done = subprocess.run(
            [sys.executable, __file__, "--probe", str(out), "--", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if not out.exists():
            raise SystemExit(f"probe of commons {' '.join(args)} failed:\n{done.stderr}")
        found: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
        found["stdout"] = done.stdout
        found["stderr"] = done.stderr
        return found


def run_probe(out: Path, args: list[str]) -> None:
    """Run ``commons ARGS`` in this process; at exit write its modules and peak RSS to ``out``."""

    def record() -> None:
        rss_kb = 0
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    rss_kb = int(line.split()[1])
        data = {"modules": sorted(sys.modules), "rss_mb": rss_kb / 1024}
        out.write_text(json.dumps(data), encoding="utf-8")

    atexit.register(record)
    sys.argv = ["commons", *args]
    from commons_core.cli import main

    main(args)


def measure(case: Case, work: Path, runs: int) -> Timing:
    """Time ``case`` and probe it once."""
    site = work / "site"
    env = environment(site if case.generated else None, work / "pycache")
    seconds = time_runs(case.args, env, runs)
    found = probe(case.args, env)
    modules = found["modules"]
    assert isinstance(modules, list)
    rss = found["rss_mb"]
    assert isinstance(rss, float | int)
    return Timing(case, seconds, len(modules), float(rss))


CASES = (
    Case("commons --help, 3 plugins", ("--help",), generated=False),
    Case("commons --help, 20 plugins", ("--help",), generated=True),
    Case("commons patrol --help, 3 plugins", ("patrol", "--help"), generated=False),
    Case("commons patrol --help, 20 plugins", ("patrol", "--help"), generated=True),
    Case("commons bench-01 --help, 20 plugins", ("bench-01", "--help"), generated=True),
)


def table(timings: list[Timing], runs: int) -> str:
    """The Markdown table of the results."""
    lines = [
        f"| case ({runs} runs) | median s | min s | modules imported | peak RSS MB |",
        "|---|---:|---:|---:|---:|",
    ]
    for t in timings:
        lines.append(
            f"| {t.case.name} | {t.median:.3f} | {t.fastest:.3f} | {t.modules} | {t.rss_mb:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="commons --help startup benchmark")
    parser.add_argument("--runs", type=int, default=15, help="runs per case")
    parser.add_argument("--smoke", action="store_true", help="2 runs per case, for CI")
    parser.add_argument("--work", type=Path, default=None, help="where to generate plugins")
    parser.add_argument("--probe", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("commons_args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe is not None:
        run_probe(args.probe, args.commons_args)
        return
    runs = 2 if args.smoke else args.runs
    work = args.work or Path(tempfile.mkdtemp(prefix="commons-startup-"))
    write_plugins(work / "site")
    try:
        timings = [measure(case, work, runs) for case in CASES]
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(table(timings, runs))


if __name__ == "__main__":
    main()
