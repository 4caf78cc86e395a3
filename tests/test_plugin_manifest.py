"""A plugin as one declaration (issue 15, items 1, 4 and 12): the manifest, laziness,
conflicts refused at load, hooks called through pluggy."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pluggy
import pytest
from click.testing import CliRunner

from commons_core import Label, hookimpl
from commons_core.cli.context import CliState
from commons_core.cli.main import make_cli
from commons_core.errors import PluginError
from commons_core.hookspecs import PROJECT
from commons_core.plugin import LazyCommand, Plugin
from commons_core.plugins import PluginHost, make_plugin_host

PACKAGE = '''
"""A throwaway plugin package: its modules note when they are imported."""
IMPORTED: list[str] = []
'''

TABLES = """
from sqlalchemy import Column, String
from commons_core.access import Permission
from commons_core.model import Label
from commons_core.storage import community_table
from . import IMPORTED
IMPORTED.append("tables")
note = community_table("{name}_note", Column("text", String(50)))
PERMISSIONS = [Permission("{name}:write", Label("写", "write"))]
"""

REPORTS = """
from commons_core.model import Label
from commons_core.reports import Report, ReportResult
from . import IMPORTED
IMPORTED.append("reports")


class Count(Report):
    name = "{report}"
    title = Label("计数", "count")

    def run(self, uow, community, params):
        return ReportResult(data={{"n": 1}}, columns=(), rows=())


def reports():
    return [Count()]
"""

CLI = """
import click
from . import IMPORTED
IMPORTED.append("cli")


@click.command("{name}")
@click.option("--shout", is_flag=True)
def command(shout):
    click.echo("HELLO" if shout else "hello")
"""


@pytest.fixture
def make_package(tmp_path: Path) -> Iterator[Any]:
    """``make_package(name, report=…)`` → a plugin package on sys.path, and its manifest."""
    made: list[str] = []

    def make(name: str, report: str | None = None) -> types.ModuleType:
        folder = tmp_path / name
        (folder / "migrations" / "versions").mkdir(parents=True)
        (folder / "__init__.py").write_text(PACKAGE)
        (folder / "tables.py").write_text(TABLES.format(name=name))
        (folder / "reports.py").write_text(REPORTS.format(report=report or f"{name}-count"))
        (folder / "cli.py").write_text(CLI.format(name=name))
        if str(tmp_path) not in sys.path:
            sys.path.insert(0, str(tmp_path))
        made.append(name)
        return __import__(name)

    yield make
    from commons_core.storage.schema import metadata

    for name in made:
        table = metadata.tables.get(f"{name}_note")
        if table is not None:
            metadata.remove(table)
        for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
            del sys.modules[module]
    if str(tmp_path) in sys.path:
        sys.path.remove(str(tmp_path))


def manifest(package: types.ModuleType, **more: Any) -> Plugin:
    name = package.__name__
    return Plugin(
        name=name,
        label=Label("试验", "trial"),
        package=name,
        tables=[".tables:note"],
        permissions=".tables:PERMISSIONS",
        grants={"cadre": [f"{name}:write"]},
        reports=".reports:reports",
        cli=[LazyCommand(name, ".cli:command", "试验 / trial")],
        **more,
    )


def host_with(*plugins: Plugin) -> PluginHost:
    return make_plugin_host(load_entry_points=False, plugins={p.name: p for p in plugins})


def test_a_manifest_imports_nothing_until_it_is_asked(make_package: Any) -> None:
    package = make_package("trial_lazy")
    host = host_with(manifest(package))
    make_cli(host)  # what ``commons --help`` builds
    assert package.IMPORTED == []
    assert "trial_lazy-count" in host.reports()
    assert "reports" in package.IMPORTED and "cli" not in package.IMPORTED
    assert "trial_lazy_note" in [t.name for t in host.tables()]
    assert any(p.name == "trial_lazy:write" for p in host.permissions())
    assert ("trial_lazy", {"cadre": ["trial_lazy:write"]}) in host.role_grants()


def test_its_migrations_are_found_by_folder(make_package: Any) -> None:
    package = make_package("trial_branch")
    branches = host_with(manifest(package)).migration_locations()
    mine = [b for b in branches if b.label == "trial_branch"]
    assert mine and mine[0].path == Path(package.__file__).parent / "migrations" / "versions"


def test_its_command_runs_only_when_called(make_package: Any) -> None:
    package = make_package("trial_cli")
    host = host_with(manifest(package))
    group = make_cli(host)

    def run(*args: str) -> Any:
        state = CliState("sqlite://", None, False, host)
        return CliRunner().invoke(group, list(args), obj=state)

    listed = run("--help")
    assert "trial_cli" in listed.output and "试验 / trial" in listed.output
    assert "cli" not in package.IMPORTED
    ran = run("trial_cli", "--shout")
    assert ran.exit_code == 0 and ran.output == "HELLO\n"
    helped = run("trial_cli", "--help")
    assert "--shout" in helped.output


@pytest.mark.parametrize("what", ["table", "report", "permission"])
def test_two_plugins_declaring_the_same_thing_refuse_the_second_naming_both(
    make_package: Any, what: str
) -> None:
    first = make_package("trial_first")
    make_package("trial_second", report="trial_first-count")
    taken = {
        "table": {"tables": "trial_first.tables:note"},
        "report": {"reports": ".reports:reports"},
        "permission": {"permissions": "trial_first.tables:PERMISSIONS"},
    }[what]
    rival = Plugin(
        name="trial_second", label=Label("乙", "second"), package="trial_second", **taken
    )
    host = host_with(manifest(first), rival)
    host.entities()
    refused = {p.name: p for p in host.plugins}["trial_second"]
    assert refused.status == "broken", what
    assert f"the {what} " in (refused.reason or "")
    assert "trial_first" in (refused.reason or "") and "trial_second" in (refused.reason or "")
    assert {p.name: p.status for p in host.plugins}["trial_first"] == "ok"


def test_a_plugin_missing_what_it_requires_is_refused(make_package: Any) -> None:
    package = make_package("trial_needy")
    host = host_with(manifest(package, requires=("love_supermarket_2",)))
    refused = {p.name: p for p in host.plugins}["trial_needy"]
    assert refused.status == "broken" and "love_supermarket_2" in (refused.reason or "")


def test_the_entry_point_must_name_the_plugin_it_declares(make_package: Any) -> None:
    package = make_package("trial_named")
    host = PluginHost()
    with pytest.raises(PluginError, match="trial_named"):
        host.register(manifest(package), "another_name")


def test_names_are_snake_case() -> None:
    with pytest.raises(PluginError):
        Plugin(name="Love-Supermarket", label=Label("x", "x"), package="x")


def test_hooks_go_through_pluggy_wrappers_see_every_result(make_package: Any) -> None:
    package = make_package("trial_wrapped")
    seen: list[Any] = []

    class Wrapper:
        @pluggy.HookimplMarker(PROJECT)(wrapper=True)
        def commons_reports(self) -> Any:
            result = yield
            seen.append(sorted(r.name for group in result for r in group))
            return result

    host = make_plugin_host(
        load_entry_points=False,
        plugins={"trial_wrapped": manifest(package), "wrapper": Wrapper()},
    )
    assert "trial_wrapped-count" in host.reports()
    assert seen and "community-summary" in seen[-1] and "trial_wrapped-count" in seen[-1]


def test_every_hook_call_is_traced(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COMMONS_TRACE_PLUGINS", "1")
    host = make_plugin_host(load_entry_points=False)
    host.reports()
    host.validation_rules()
    traced = capsys.readouterr().err
    assert "commons_reports" in traced and "commons_validation_rules" in traced


def test_a_failing_hook_names_its_plugin_through_pluggy() -> None:
    broken = types.ModuleType("trial_failing")

    @hookimpl
    def commons_validation_rules() -> list[Any]:
        raise RuntimeError("boom")

    broken.commons_validation_rules = commons_validation_rules  # type: ignore[attr-defined]
    host = make_plugin_host(load_entry_points=False, plugins={"trial_failing": broken})
    with pytest.raises(PluginError) as caught:
        host.validation_rules()
    assert caught.value.plugin == "trial_failing" and "boom" in str(caught.value)


def test_a_reference_that_does_not_resolve_names_itself() -> None:
    for reference in ("json:no_such_thing", "no_such_module_here:x", ".nowhere:x"):
        bad = Plugin(name="trial_bad", label=Label("x", "x"), package="json", reports=reference)
        with pytest.raises(PluginError, match="does not resolve") as caught:
            bad.value("reports")
        assert reference in str(caught.value)
