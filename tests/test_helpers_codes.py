"""Rule codes carry their plugin's prefix, checked when the plugins load.

A plugin whose rule declares a code without ``<plugin>.`` is refused when the
SDK opens, naming the plugin, the rule and the code; the core's codes stay
unprefixed, and a plugin may use them through the core's own checks and rule
factories. The bundled plugins pass.
"""

from __future__ import annotations

import types
from collections.abc import Iterator, Sequence
from datetime import date
from typing import ClassVar

import attrs
import pytest

from commons_core import Label, PluginError, Problem, hookimpl, open_commons
from commons_core.model import label
from commons_core.plugins import make_plugin_host
from commons_core.validation import (
    FieldRule,
    ObjectRule,
    Rule,
    RuleContext,
    RuleViolation,
    check_phone,
    declare_codes,
    not_in_future,
)
from commons_core.validation.codes import misnamed_codes, rule_codes


@attrs.frozen(kw_only=True)
class Visit:
    LABEL: ClassVar[Label] = Label("走访", "visit")

    visited_on: date = attrs.field(metadata=label("走访日期", "visited on"))
    phone: str | None = attrs.field(default=None, metadata=label("电话", "phone"))
    note: str | None = attrs.field(default=None, metadata=label("备注", "note"))


@declare_codes("visit_log.note_short")
def _short_note(value: str) -> str:
    if len(value) < 2:
        raise RuleViolation("visit_log.note_short", "备注太短", "the note is too short")
    return value


@declare_codes("note.short")
def _unprefixed_note(value: str) -> str:
    return value


def _visit_rules(visit: Visit, context: RuleContext) -> Iterator[Problem]:
    return iter(())


GOOD: list[Rule] = [
    FieldRule(Visit, "note", _short_note),
    FieldRule(Visit, "phone", check_phone),
    not_in_future(Visit, "visited_on"),
    ObjectRule(Visit, "visit_log.visit", _visit_rules, codes=("visit_log.empty",)),
]


def plugin_with(rules: Sequence[Rule]) -> types.ModuleType:
    module = types.ModuleType("visit_log")
    module.commons_validation_rules = hookimpl(lambda: list(rules))  # type: ignore[attr-defined]
    return module


def open_with(rules: Sequence[Rule], url: str) -> None:
    host = make_plugin_host(load_entry_points=False, plugins={"visit_log": plugin_with(rules)})
    open_commons(url, host=host).close()


def test_prefixed_codes_and_the_cores_own_checks_load(tmp_path: object) -> None:
    assert list(misnamed_codes("visit_log", GOOD)) == []
    open_with(GOOD, "sqlite://")


@pytest.mark.parametrize(
    ("rule", "code", "where"),
    [
        (ObjectRule(Visit, "visit", _visit_rules), "visit", "Visit"),
        (
            ObjectRule(Visit, "visit_log.visit", _visit_rules, codes=("empty",)),
            "empty",
            "Visit",
        ),
        (FieldRule(Visit, "note", _unprefixed_note), "note.short", "Visit.note"),
        (
            FieldRule(Visit, "note", _short_note, codes=("visit_logger.x",)),
            "visit_logger.x",
            "Visit.note",
        ),
        # A core code in the plugin's own check is still the plugin's code.
        (
            FieldRule(Visit, "note", _short_note, codes=("date.future",)),
            "date.future",
            "Visit.note",
        ),
    ],
)
def test_a_code_without_the_prefix_refuses_the_plugin_naming_it(
    rule: Rule, code: str, where: str
) -> None:
    assert [c for _, c in misnamed_codes("visit_log", [*GOOD, rule])] == [code]
    with pytest.raises(PluginError) as refused:
        open_with([*GOOD, rule], "sqlite://")
    assert refused.value.plugin == "visit_log"
    assert f"规则代码 {code}({where} 的规则)应以 visit_log. 开头" in refused.value.zh
    assert (
        f"the rule code {code} (a rule of {where}) must start with visit_log." in refused.value.en
    )


def test_a_rule_lists_what_it_declares() -> None:
    assert FieldRule(Visit, "note", _short_note).codes == ("visit_log.note_short",)
    assert FieldRule(Visit, "phone", check_phone).codes == ()
    explicit = ObjectRule(
        Visit, "visit_log.visit", _visit_rules, codes=("visit_log.a", "visit_log.visit")
    )
    assert rule_codes(explicit) == ("visit_log.visit", "visit_log.a")


def test_the_core_and_every_installed_plugin_pass() -> None:
    host = make_plugin_host()
    seen = set()
    for plugin, rules in host.call_each("commons_validation_rules"):
        seen.add(plugin)
        assert list(misnamed_codes(plugin, rules or ())) == [], plugin
    assert {"commons_core", "love_supermarket", "elderly_health", "safety_patrol"} <= seen
