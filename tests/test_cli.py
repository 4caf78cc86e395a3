"""The commons command line, run as users run it (in a subprocess-free way, through main())."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from commons_core.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as stop:
        code = int(stop.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COMMONS_DISABLED_PLUGINS", "")
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.startswith("commons, version ")


def test_db_upgrade_then_check(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--db", db, "db", "upgrade"], capsys)
    # The heads named are the last revision of each branch: core_0001 alone, or the
    # installed plugins' first revisions, which depend on it.
    assert code == 0 and "upgraded to:" in out
    code, out, _ = run(["--db", db, "db", "upgrade"], capsys)
    assert code == 0 and "already" in out
    code, out, _ = run(["--db", db, "db", "check"], capsys)
    assert code == 0 and "no drift" in out


def test_errors_are_one_clear_line_without_traceback(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["--db", db, "db", "upgrade"], capsys)
    code, _, err = run(
        ["--db", db, "report", "community-summary", "--community", "不存在社区"], capsys
    )
    assert code == 1
    assert err.strip() == "错误 / error: 找不到community:不存在社区 / no community 不存在社区"
    assert "Traceback" not in err
    code, _, err = run(["--db", "mysql://x", "communities"], capsys)
    assert code == 1 and "unsupported database" in err
    code, _, err = run(["--db", db, "report", "no-such-report", "--community", "x"], capsys)
    assert code == 2 and "no report named no-such-report" in err


def test_running_main_again_does_not_report_a_plugin_command_as_a_clash(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import types

    import click

    from commons_core.cli.main import _register_commands

    @click.command("plugin-thing")
    def thing() -> None:
        """A plugin's command."""

    @click.command("db")
    def impostor() -> None:
        """A plugin's command named like a core one."""

    host = types.SimpleNamespace(cli_commands=lambda: [thing, impostor])
    group = click.Group("commons")
    _register_commands(host, group)
    _register_commands(host, group)
    err = capsys.readouterr().err
    assert group.commands["plugin-thing"] is thing
    assert err.count("clashes") == 2 and "plugin command db clashes" in err
    assert "plugin-thing" not in err


def test_debug_shows_the_traceback(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    from commons_core.errors import NotFound

    run(["--db", db, "db", "upgrade"], capsys)
    with pytest.raises(NotFound):
        main(["--db", db, "--debug", "report", "community-summary", "--community", "不存在社区"])


def test_demo_reports_and_communities(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--db", db, "demo", "--seed", "3"], capsys)
    assert code == 0 and "文化路社区" in out and "grid-worker" in out
    code, out, _ = run(["--db", db, "demo"], capsys)
    assert code == 0 and "already loaded" in out

    code, out, _ = run(["--db", db, "communities", "--json"], capsys)
    listed = {c["name"]: c for c in json.loads(out)}
    assert set(listed) >= {"文化路社区", "天鹤社区", "慈溪社区"}
    assert listed["文化路社区"]["street_office"] == "阜新街街道"

    code, out, _ = run(["--db", db, "report", "--list"], capsys)
    assert "community-summary" in out

    code, out, _ = run(
        ["--db", db, "report", "community-summary", "--community", "天鹤社区", "--format", "json"],
        capsys,
    )
    data = json.loads(out)
    assert list(data) == [
        "community",
        "households",
        "residents",
        "minority_households",
        "ethnic_groups",
        "residents_groups",
        "compounds",
        "party_members",
        "party_branches",
        "partner_units",
        "service_points",
        "staff",
        "age_bands",
    ]
    assert (data["households"], data["residents"]) == (1267, 4638)

    code, out, _ = run(
        [
            "--db",
            db,
            "report",
            "community-summary",
            "--community",
            listed["天鹤社区"]["id"],
            "--format",
            "csv",
        ],
        capsys,
    )
    lines = out.splitlines()
    assert lines[0] == "key,label,value" and "residents,人口 / residents,4638" in lines

    code, out, _ = run(["--db", db, "--as", "grid-worker", "communities", "--json"], capsys)
    assert [c["name"] for c in json.loads(out)] == ["文化路社区"]

    code, out, err = run(
        ["--db", db, "--as", "grid-worker", "audit", "--community", "文化路社区"], capsys
    )
    assert code == 1 and "audit:read" in err
    code, out, _ = run(["--db", db, "--as", "auditor", "audit", "verify"], capsys)
    assert code == 0 and "intact" in out
    code, out, _ = run(
        [
            "--db",
            db,
            "audit",
            "--community",
            "文化路社区",
            "--entity",
            "household",
            "--limit",
            "3",
            "--json",
        ],
        capsys,
    )
    entries = json.loads(out)
    assert len(entries) == 3 and entries[0]["action"] == "create"
    assert entries[0]["actor"].startswith("local:")
