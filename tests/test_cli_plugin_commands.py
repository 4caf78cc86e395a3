"""Plugins' commands survive several runs of the command line in one process."""

from __future__ import annotations

import types

import click
import pytest

from commons_core import hookimpl, plugins
from commons_core.cli import main


def test_plugin_command_runs_twice_without_a_clash_warning(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    @click.command()
    def hello() -> None:
        click.echo("hello")

    module = types.ModuleType("greeter")
    module.commons_cli_commands = hookimpl(lambda: [hello])  # type: ignore[attr-defined]
    original = plugins.make_plugin_host
    monkeypatch.setattr(
        plugins,
        "make_plugin_host",
        lambda: original(load_entry_points=False, plugins={"greeter": module}),
    )
    for _ in range(2):
        main(["hello"])
        out = capsys.readouterr()
        assert out.out.strip() == "hello"
        assert "clashes" not in out.err
