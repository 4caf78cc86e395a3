"""The README's Python examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_quick_start_with_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1]
    shell = re.findall(r"```sh\n(.*?)```", quick, re.S)
    assert shell[0].strip() == "scripts/demo.sh"
    assert shell[1].strip() == "scripts/test.sh"


def test_use_from_python_example(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    exec(compile(python_blocks()[0], "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed == ["id_number: 校验码错误 / check digit is wrong", "1"]


def test_write_a_plugin_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    from commons_core import Actor, Community, open_commons
    from commons_core.plugins import make_plugin_host
    from commons_core.reports import ReportParams

    module = types.ModuleType("readme_plugin")
    exec(compile(python_blocks()[1], "README.md", "exec"), module.__dict__)
    host = make_plugin_host(load_entry_points=False, plugins={"example": module})
    commons = open_commons(f"sqlite:///{tmp_path / 'p.db'}", host=host, upgrade=True)
    with commons.unit_of_work(Actor.local_admin()) as uow:
        community = uow.repo(Community).add(Community(name="示例社区"))
    with commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        result = commons.reports["example-household-count"].run(uow, community, ReportParams())
    assert result.data == {"households": 0}
