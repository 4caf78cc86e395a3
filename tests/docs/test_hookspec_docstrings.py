"""Every hookspec's docstring is a complete reference entry, and its example is a valid plugin.

The hook reference in the manual is generated from these docstrings, so this is
what keeps it complete: when the hook is called, each argument, what it
returns, and an example that pluggy accepts as an implementation of that hook.
"""

from __future__ import annotations

import inspect
import re
import textwrap
import types

import click
import pytest

from commons_core import hookimpl
from commons_core.hookspecs import CommonsSpecs
from commons_core.plugins import make_plugin_host

HOOKS = sorted(name for name in vars(CommonsSpecs) if name.startswith("commons_"))


def docstring(hook: str) -> str:
    return inspect.getdoc(getattr(CommonsSpecs, hook)) or ""


def example_of(hook: str) -> str:
    text = docstring(hook)
    assert "Example::" in text, f"{hook} has no example"
    block = text.split("Example::", 1)[1]
    return textwrap.dedent(block)


def test_there_are_hooks() -> None:
    assert "commons_entities" in HOOKS
    assert len(HOOKS) >= 15


@pytest.mark.parametrize("hook", HOOKS)
def test_docstring_says_when_arguments_and_returns(hook: str) -> None:
    text = docstring(hook)
    assert re.search(r"\bCalled\b", text), f"{hook}: say when it is called"
    arguments = [
        p for p in inspect.signature(getattr(CommonsSpecs, hook)).parameters if p != "self"
    ]
    for argument in arguments:
        assert f":param {argument}:" in text, f"{hook}: document argument {argument}"
    assert ":returns:" in text, f"{hook}: say what it returns"


@pytest.mark.parametrize("hook", HOOKS)
def test_example_registers_as_an_implementation_of_the_hook(hook: str) -> None:
    # Only names used while the functions are *defined* must exist: bodies
    # are not run, so they may use the plugin's own (elided) names.
    module = types.ModuleType(f"example_{hook}")
    module.__dict__.update(hookimpl=hookimpl, click=click)
    exec(compile(example_of(hook), f"<{hook} example>", "exec"), module.__dict__)
    host = make_plugin_host(load_entry_points=False, plugins={"example": module})
    (info,) = [p for p in host.plugins if p.name == "example"]
    assert info.status == "ok", info.reason
    assert hook in info.hooks
