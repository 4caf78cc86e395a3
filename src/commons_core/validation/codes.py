"""Rule codes carry their plugin's name: ``love_supermarket.out_of_stock``, never ``out_of_stock``.

A problem's code tells clients (a form, a translation, a script) which rule
failed; two plugins using the same code for different rules would mislead
them. So every code a plugin's rule declares — the :class:`ObjectRule`'s own
``code`` and the ``codes`` of any rule (:func:`~commons_core.validation.rules.declare_codes`)
— must start with the plugin's name and a dot. The core's codes are
unprefixed (``id_number.format``, ``date.future``): a plugin may use them
through the core's own checks and rule factories (``check_phone``,
:func:`~commons_core.validation.date_rules.not_in_future`, a
:func:`~commons_core.validation.money.money_field`), whose codes are the
core's whichever plugin applies them.

:func:`misnamed_codes` finds what breaks this; :class:`~commons_core.services.Commons`
runs it for every plugin when it loads them and refuses a plugin it faults,
naming the plugin, the rule and the code. A rule that declares no codes is
not seen here: declare them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from commons_core.validation.rules import FieldRule, ObjectRule, Rule, declared_codes

__all__ = ["CORE", "describe", "misnamed_codes", "rule_codes"]

CORE = "commons_core"
"""The core's own plugin name: its rules' codes are unprefixed."""


def rule_codes(rule: Rule) -> tuple[str, ...]:
    """Every code ``rule`` declares: an object rule's ``code``, then its ``codes``."""
    own = (rule.code,) if isinstance(rule, ObjectRule) else ()
    return tuple(dict.fromkeys((*own, *rule.codes)))


def misnamed_codes(plugin: str, rules: Iterable[Rule]) -> Iterator[tuple[Rule, str]]:
    """``(rule, code)`` for each code of ``plugin``'s rules that does not start ``plugin.``.

    The core's own rules, and codes that a check of the core declares (a plugin
    applying ``check_phone`` or ``not_in_future``), are not faulted.
    """
    if plugin == CORE:
        return
    prefix = f"{plugin}."
    for rule in rules:
        core = _core_check(rule)
        for code in rule_codes(rule):
            if not code.startswith(prefix) and code not in core:
                yield rule, code


def describe(plugin: str, rule: Rule, code: str) -> tuple[str, str]:
    """Why ``plugin`` is refused for ``code`` of ``rule``, in Chinese and English."""
    where = rule.target.__name__
    if isinstance(rule, FieldRule):
        where = f"{where}.{rule.field}"
    return (
        f"规则代码 {code}({where} 的规则)应以 {plugin}. 开头",
        f"the rule code {code} (a rule of {where}) must start with {plugin}.",
    )


def _core_check(rule: Rule) -> frozenset[str]:
    """The codes the core declares on ``rule``'s check, if the check is the core's."""
    module = getattr(rule.check, "__module__", None) or ""
    if module == CORE or module.startswith(f"{CORE}."):
        return frozenset(declared_codes(rule.check))
    return frozenset()
