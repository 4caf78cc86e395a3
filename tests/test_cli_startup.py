"""``commons --help`` imports no plugin's heavy modules and none of the core's heavy layers.

Run in fresh processes with the 17 plugins of ``benchmarks/cli_startup.py``
added to the installed ones; no timing is asserted (the benchmark prints it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import commons_core

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import cli_startup  # noqa: E402

HEAVY = (
    "alembic",
    "cattrs",
    "phonenumbers",
    "rich",
    "sqlalchemy",
    "stdnum",
    "uvicorn",
    "commons_core.access",
    "commons_core.reports",
    "commons_core.serialization",
    "commons_core.services",
    "commons_core.storage",
    "commons_core.validation",
)
"""Modules ``commons --help`` must not import (nor any module inside them)."""

PLUGIN_PACKAGES = (
    "commons_elderly_health",
    "commons_love_supermarket",
    "commons_safety_patrol",
    "commons_reference",
)

AT_REGISTRATION = {
    # The manifest's hookspecs= and hookimpls= parts: pluggy needs them to register.
    "commons_love_supermarket.hookspecs",
    "commons_love_supermarket.eligibility",
    # The reference deployment's entry point names its hooks module.
    "commons_reference.hooks",
}


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the generated plugins' site (``site``) and a bytecode cache."""
    folder = tmp_path_factory.mktemp("startup")
    cli_startup.write_plugins(folder / "site")
    return folder


def _probe(work: Path, *args: str) -> dict[str, object]:
    env = cli_startup.environment(work / "site", work / "pycache")
    return cli_startup.probe(args, env)


def _modules(found: dict[str, object]) -> list[str]:
    modules = found["modules"]
    assert isinstance(modules, list)
    return [str(m) for m in modules]


def test_help_with_twenty_plugins_lists_them_without_importing_them(work: Path) -> None:
    found = _probe(work, "--help")
    help_text = str(found["stdout"])
    for command in ("patrol", "health", "supermarket", "serve", "bench-01", "bench-17"):
        assert f"  {command} " in help_text
    modules = _modules(found)
    heavy = sorted(m for m in modules if any(m == h or m.startswith(f"{h}.") for h in HEAVY))
    assert heavy == []
    packages = (*PLUGIN_PACKAGES, *(f"{cli_startup.PREFIX}{i:02d}" for i in range(1, 18)))
    inside = [m for m in modules if any(m.startswith(f"{p}.") for p in packages)]
    assert sorted(set(inside) - AT_REGISTRATION) == []
    assert all(p in modules for p in packages)


def test_a_plugin_command_help_imports_that_plugin_only(work: Path) -> None:
    found = _probe(work, "bench-01", "--help")
    assert "list" in str(found["stdout"])
    modules = _modules(found)
    assert "commons_bench_01.cli" in modules
    assert not any(m.startswith(f"{cli_startup.PREFIX}02.") for m in modules)
    assert not any(m.startswith("commons_safety_patrol.") for m in modules)


def test_the_generated_plugins_load_and_declare_what_they_name(work: Path) -> None:
    """The benchmark times working plugins: every part resolves, none is refused."""
    code = (
        "from commons_core.plugins import make_plugin_host\n"
        "host = make_plugin_host()\n"
        "names = {e.table.name for e in host.entities()}\n"
        "reports = host.reports()\n"
        "rules = host.validation_rules()\n"
        "bad = [(p.name, p.reason) for p in host.plugins if p.status != 'ok']\n"
        "print(sorted(n for n in names if n.startswith('bench_')), sorted(reports), bad)\n"
    )
    env = cli_startup.environment(work / "site", work / "pycache")
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert "bench_17_record" in done.stdout
    assert "bench-17-summary" in done.stdout
    assert done.stdout.strip().endswith("[]")


def test_the_lazy_public_names_are_the_real_ones() -> None:
    from commons_core import access, services

    assert commons_core.Actor is access.Actor
    assert commons_core.Scope is access.Scope
    assert commons_core.Commons is services.Commons
    assert commons_core.UnitOfWork is services.UnitOfWork
    assert {"Actor", "Scope", "Commons", "UnitOfWork"} <= set(dir(commons_core))
    with pytest.raises(AttributeError, match="Nothing"):
        getattr(commons_core, "Nothing")  # noqa: B009


def test_the_benchmark_prints_its_table(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "cli_startup.py"), "--smoke", "--work", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert done.returncode == 0, done.stderr
    for case in cli_startup.CASES:
        assert f"| {case.name} |" in done.stdout
    assert "median s" in done.stdout
