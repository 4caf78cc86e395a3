"""The benchmark runs end to end at its smoke size, and reports stay flat as data grows."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import event

from commons_core import Actor
from commons_core.demo import DemoContext
from commons_core.reports import ReportParams
from commons_core.services import Commons

BENCHMARKS = Path(__file__).parents[2] / "benchmarks"


def test_benchmark_smoke_prints_the_table(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--smoke", "--work", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    table = done.stdout
    scenarios = ("raw driver", "import CSV", "import XLSX", "codec only", "export CSV")
    for scenario in (*scenarios, "community-summary"):
        assert scenario in table
    assert "audit ÷ changed = 1.00" in table


def test_a_childs_peak_memory_is_its_own_not_its_parents() -> None:
    """A parent holding 200 MB: the child's figure is the child's (wait4's would be 200+)."""
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import run\n"
        "held = bytearray(200 * 2**20); held[:: 4096] = b'x' * len(held[:: 4096])\n"
        'code = \'import time; x = bytearray(40 * 2**20); x[::4096] = b"y" * len(x[::4096]);'
        " time.sleep(0.3); print(1)'\n"
        "print(round(run.child([sys.executable, '-c', code])[2]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(BENCHMARKS)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert 40 <= int(done.stdout.split()[-1]) < 150, done.stdout


def test_reports_run_a_constant_number_of_statements(
    commons: Commons, admin: Actor, demo_community: Callable[..., DemoContext]
) -> None:
    small = demo_community(seed=1, households=20, residents=55)
    large = demo_community(seed=2, households=120, residents=340, residents_groups=6)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(commons.engine, "before_cursor_execute", count)
    try:
        seen: dict[str, list[int]] = {}
        for demo in (small, large):
            community = demo.communities["small"]
            for name, report in sorted(commons.reports.items()):
                with commons.unit_of_work(admin, readonly=True) as uow:
                    statements.clear()
                    report.run(uow, community, ReportParams())
                    seen.setdefault(name, []).append(len(statements))
    finally:
        event.remove(commons.engine, "before_cursor_execute", count)
    assert seen
    for name, (few, many) in seen.items():
        assert few == many, f"{name}: {few} statements for 55 residents, {many} for 340"
