"""The manual builds without a warning, its examples run, and its references are complete.

``sphinx-build -W`` runs twice in subprocesses (so the build cannot touch this
process's plugin host or metadata): the HTML builder, whose output is checked
for every hook and every public model, and the doctest builder, which runs
every Python example. The ``commons`` sessions the manual shows are run here.
"""

from __future__ import annotations

import doctest
import importlib
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

import commons_core.model
from commons_core.hookspecs import CommonsSpecs
from commons_core.model import LabeledEnum

DOCS = Path(__file__).parents[2] / "docs"
BIN = Path(sys.executable).parent
PAGES = sorted(DOCS.rglob("*.md"))


DOCUMENTED_MODULES = (
    "commons_core",
    "commons_core.access",
    "commons_core.conformance",
    "commons_core.errors",
    "commons_core.plugin",
    "commons_core.reports",
    "commons_core.services",
    "commons_core.storage",
    "commons_core.validation",
    "commons_core.cli",
    "commons_core.cli.options",
)
"""The modules plugins import (``docs/plugins/writing.md``, "Imports"): each public name
of theirs has its entry in the built manual."""


def sphinx(builder: str, out: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.pop("COMMONS_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", builder,
         "-d", str(out / "doctrees"), str(DOCS), str(out / builder)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip


def public_models() -> list[str]:
    return [
        name
        for name in commons_core.model.__all__
        if isinstance(obj := getattr(commons_core.model, name), type)
        and ((attrs.has(obj) and hasattr(obj, "LABEL")) or issubclass(obj, LabeledEnum))
        and obj is not LabeledEnum
    ]


@pytest.mark.slow
def test_html_builds_without_warnings_and_references_everything(tmp_path: Path) -> None:
    built = sphinx("html", tmp_path)
    assert built.returncode == 0, built.stderr
    model = (tmp_path / "html" / "reference" / "model.html").read_text(encoding="utf-8")
    for name in public_models():
        assert f'id="commons_core.{name}"' in model, f"{name} is missing from the model reference"
    hooks = (tmp_path / "html" / "reference" / "hooks.html").read_text(encoding="utf-8")
    for name in (n for n in vars(CommonsSpecs) if n.startswith("commons_")):
        assert f'id="commons_core.hookspecs.{name}"' in hooks, f"{name} is missing"
    cli = (tmp_path / "html" / "reference" / "cli.html").read_text(encoding="utf-8")
    for command in ("commons-db-upgrade", "commons-report", "commons-plugin-new"):
        assert f'id="{command}"' in cli
    citus = (tmp_path / "html" / "citus.html").read_text(encoding="utf-8")
    assert "create_reference_table" in citus
    assert "colocate_with" in citus
    pages = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "html").rglob("*.html"))
    anchors = {m.rsplit(".", 1)[-1] for m in re.findall(r'id="(commons_core\.[\w.]+)"', pages)}
    missing = [
        f"{module}.{name}"
        for module in DOCUMENTED_MODULES
        for name in importlib.import_module(module).__all__
        if name not in anchors and not name.startswith("__")
    ]
    assert not missing, f"public names the manual does not document: {missing}"


@pytest.mark.slow
def test_every_python_example_runs(tmp_path: Path) -> None:
    built = sphinx("doctest", tmp_path)
    report = (tmp_path / "doctest" / "output.txt").read_text(encoding="utf-8")
    assert built.returncode == 0, built.stderr + report
    summary = re.search(r"(\d+) tests\n\s+0 failures in tests", report)
    assert summary, report
    assert int(summary.group(1)) >= 12


def test_python_examples_are_doctests_not_plain_code_blocks() -> None:
    # A plain ```python block would never run: examples are {testcode} blocks.
    offenders = [
        f"{page.relative_to(DOCS)}:{text[: m.start()].count(chr(10)) + 1}"
        for page in PAGES
        for text in [page.read_text(encoding="utf-8")]
        for m in re.finditer(r"^```(?:python|py|pycon)\s*$", text, re.M)
    ]
    assert not offenders, f"examples that never run: {offenders}"


def console_sessions() -> list[tuple[str, list[tuple[str, str]]]]:
    """Each page's ```console blocks as (command, expected output) pairs."""
    sessions = []
    for page in PAGES:
        steps: list[tuple[str, str]] = []
        text = page.read_text(encoding="utf-8")
        for block in re.findall(r"^```console\n(.*?)^```", text, re.M | re.S):
            for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
                command, _, expected = chunk.partition("\n")
                steps.append((command, expected))
        if steps:
            sessions.append((str(page.relative_to(DOCS)), steps))
    return sessions


SESSIONS = console_sessions()


@pytest.mark.parametrize(("page", "steps"), SESSIONS, ids=[page for page, _ in SESSIONS])
def test_console_sessions_run_as_shown(
    page: str, steps: list[tuple[str, str]], tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["COMMONS_DATABASE_URL"] = f"sqlite:///{tmp_path / 'commons.db'}"
    checker = doctest.OutputChecker()
    for command, expected in steps:
        argv = shlex.split(command)
        assert argv[0] == "commons", f"{page}: only commons sessions are shown as console"
        done = subprocess.run(
            [str(BIN / "commons"), *argv[1:]],
            cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, f"{page}: $ {command}\n{done.stdout}{done.stderr}"
        assert checker.check_output(expected, done.stdout, doctest.ELLIPSIS), (
            f"{page}: $ {command}\nexpected:\n{expected}\ngot:\n{done.stdout}"
        )
