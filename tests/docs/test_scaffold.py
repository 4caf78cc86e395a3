"""``commons plugin new``: the package it writes installs, migrates and passes its own tests."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from commons_core.errors import ConfigurationError
from commons_core.scaffold import MAX_NAME_LENGTH, create_plugin, plugin_names, render
from commons_core.testing import POSTGRES_ENV

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
SHAPE = {
    ".gitignore",
    "pyproject.toml",
    "README.md",
    "src/commons_visit_log/__init__.py",
    "src/commons_visit_log/__init__.pyi",
    "src/commons_visit_log/model.py",
    "src/commons_visit_log/tables.py",
    "src/commons_visit_log/rules.py",
    "src/commons_visit_log/services.py",
    "src/commons_visit_log/reports.py",
    "src/commons_visit_log/cli.py",
    "src/commons_visit_log/demo.py",
    "src/commons_visit_log/py.typed",
    "src/commons_visit_log/migrations/versions/visit_log_0001_initial.py",
    "tests/conftest.py",
    "tests/test_visit_log.py",
    "tests/test_conformance.py",
}


@pytest.mark.parametrize("typed", ["visit-log", "visit_log", "Visit-Log", "commons-visit-log"])
def test_names_follow_from_the_one_typed(typed: str) -> None:
    names = plugin_names(typed)
    assert (names.name, names.dashed, names.dist, names.package) == (
        "visit_log",
        "visit-log",
        "commons-visit-log",
        "commons_visit_log",
    )


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("9lives", "not valid"),
        ("visit log", "not valid"),
        ("visit--log", "not valid"),
        ("class", "not valid"),
        ("x" * (MAX_NAME_LENGTH + 1), "too long"),
    ],
)
def test_bad_names_are_refused_in_both_languages(typed: str, why: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        plugin_names(typed)
    assert why in refused.value.en
    assert "插件名" in refused.value.zh


def test_the_package_has_the_shape_of_the_bundled_plugins() -> None:
    files = render(plugin_names("visit-log", title_zh="走访", title_en="visit log"))
    assert set(files) == {PurePosixPath(p) for p in SHAPE}
    pyproject = files[PurePosixPath("pyproject.toml")]
    entry_point = '[project.entry-points.commons_core]\nvisit_log = "commons_visit_log:plugin"'
    assert entry_point in pyproject
    assert '"lazy_loader>=0.4"' in pyproject
    assert '"__init__.pyi"' in pyproject.split("[tool.setuptools.package-data]", 1)[1]
    manifest = files[PurePosixPath("src/commons_visit_log/__init__.py")]
    assert "plugin = Plugin(" in manifest
    # The command line group is named as the plugin, dashed (docs/plugins/writing.md).
    assert 'LazyCommand(\n            "visit-log",\n            ".cli:visit_log",' in manifest
    assert (
        'Label("走访记录", "visit log record")'
        in files[PurePosixPath("src/commons_visit_log/model.py")]
    )
    assert "$" not in "".join(files.values()), "a placeholder was left unfilled"


def test_an_existing_folder_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "commons-visit-log").mkdir()
    with pytest.raises(ConfigurationError, match="already exists"):
        create_plugin(plugin_names("visit-log"), tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["commons-visit-log"]
    assert list((tmp_path / "commons-visit-log").iterdir()) == []


def test_the_command_creates_the_package(commons_cli: Callable[..., Any], tmp_path: Path) -> None:
    result = commons_cli("plugin", "new", "visit-log", "--directory", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "commons-visit-log" in result.output
    created = {
        p.relative_to(tmp_path / "commons-visit-log").as_posix()
        for p in (tmp_path / "commons-visit-log").rglob("*")
        if p.is_file()
    }
    assert created == SHAPE


def run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_generated_lint_settings_are_the_projects() -> None:
    """The generated project is linted as the core is: the same rules, the same exceptions."""
    generated = tomllib.loads(render(plugin_names("visit-log"))[PurePosixPath("pyproject.toml")])
    ours = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    theirs, core = generated["tool"]["ruff"], ours["tool"]["ruff"]
    for key in ("line-length", "target-version"):
        assert theirs[key] == core[key], key
    for key in ("select", "ignore", "flake8-bugbear"):
        assert theirs["lint"][key] == core["lint"][key], key
    ignores = theirs["lint"]["per-file-ignores"]
    assert ignores["tests/**"] == core["lint"]["per-file-ignores"]["tests/**"]


def installed(package: Path, site: Path) -> None:
    """Make ``package`` (its ``src`` on ``PYTHONPATH``) installed as pip would, without pip:
    a ``.dist-info`` in ``site`` carrying the entry points its ``pyproject.toml`` declares."""
    project = tomllib.loads((package / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n",
        encoding="utf-8",
    )
    groups = project["entry-points"]
    (info / "entry_points.txt").write_text(
        "".join(
            f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in points.items())
            for group, points in groups.items()
        ),
        encoding="utf-8",
    )


@pytest.mark.slow
def test_a_scaffolded_plugin_lints_installs_migrates_and_passes_its_tests(tmp_path: Path) -> None:
    package = create_plugin(plugin_names("visit-log"), tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env.pop("COMMONS_DATABASE_URL", None)
    # Its own tests on PostgreSQL are the kit's fixtures, tested by the core: SQLite keeps
    # this test within a minute.
    env.pop(POSTGRES_ENV, None)
    # The project's own standards apply to what it generates, with its own settings.
    run([str(BIN / "ruff"), "check", "--no-cache", "."], package, env)
    run([str(BIN / "ruff"), "format", "--no-cache", "--check", "."], package, env)
    run(
        [str(BIN / "mypy"), "--strict", "--cache-dir", str(tmp_path / "mypy"), "src", "tests"],
        package,
        env,
    )

    # Installed beside the running environment, not into it, so no other test sees it:
    # its source on PYTHONPATH and its entry point in a .dist-info of its own.
    site = tmp_path / "site"
    installed(package, site)
    env["PYTHONPATH"] = os.pathsep.join([str(package / "src"), str(site)])
    database = f"sqlite:///{tmp_path / 'plugin.db'}"
    upgraded = run([str(BIN / "commons"), "--db", database, "db", "upgrade"], tmp_path, env)
    assert "visit_log_0001" in upgraded
    run([str(BIN / "commons"), "--db", database, "db", "check"], tmp_path, env)
    listed = run([str(BIN / "commons"), "--db", database, "plugins", "--json"], tmp_path, env)
    assert '"name": "visit_log"' in listed
    assert '"status": "ok"' in listed.split('"name": "visit_log"', 1)[1]
    helped = run([str(BIN / "commons"), "--help"], tmp_path, env)
    assert "visit-log" in helped, "the command line group is named as the plugin, dashed"

    tested = run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        package,
        env,
    )
    assert " passed" in tested
    assert "failed" not in tested
