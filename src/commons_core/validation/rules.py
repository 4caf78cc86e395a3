"""Rules: the one place where "what is valid" is decided.

A :class:`FieldRule` checks and normalises one field's value (an ID number, a
phone); it runs while input is structured, so every bad field of an input is
reported together, and again on objects built in Python before they are
stored. An :class:`ObjectRule` checks a whole object once its fields are
sound (a household has exactly one head). Core and plugins contribute both
through the ``commons_validation_rules`` hook; :class:`RuleSet` applies them.

A field may carry its checks itself (:func:`~commons_core.validation.money.money_field`
does): :data:`FIELD_CHECKS` in its metadata, run before the hooks' rules, and
:data:`FIELD_PARSER`, which reads input in place of its type's converter hook.

Every rule declares the codes of the problems it reports (``codes``; a check
made by :func:`declare_codes` brings its own), so that the codes of a plugin's
rules can be checked when it loads (:mod:`commons_core.validation.codes`).

Every text field is also normalised the same way whether it came through the
converter or was set in Python (:func:`normalise_text`): NFC, no surrounding
white space, no control characters, and an empty optional text is ``None`` —
so what an export writes imports again unchanged.
"""

from __future__ import annotations

import typing
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar, get_args, get_origin

import attrs

from commons_core.errors import Problem
from commons_core.model.fields import optional_of
from commons_core.validation.text import CONTROL_CHARACTERS

T = TypeVar("T")

_Plan = tuple[tuple[tuple[str, str | None], ...], tuple[str, ...]]

__all__ = [
    "FIELD_CHECKS",
    "FIELD_PARSER",
    "FieldRule",
    "ObjectRule",
    "Rule",
    "RuleContext",
    "RuleSet",
    "RuleViolation",
    "declare_codes",
    "declared_codes",
    "normalise_text",
]

FIELD_CHECKS = "commons.checks"
"""Field metadata key: the field's own checks (a tuple), run before any rule's."""
FIELD_PARSER = "commons.parser"
"""Field metadata key: reads the field's input (``parse(value) -> value``) instead of the
converter's hook for its type; may raise :class:`RuleViolation`."""

_CODES = "rule_codes"
"""The attribute :func:`declare_codes` sets on a check."""


class RuleViolation(ValueError):
    """Raised by a field check: which rule failed, why, in both languages."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        self.code = code
        self.zh = zh
        self.en = en
        super().__init__(f"{code}: {zh} / {en}")


def normalise_text(value: str) -> str:
    """``value`` in NFC without surrounding white space (possibly empty).

    Raises :class:`RuleViolation` when it holds a control character other than
    tab and line ends.
    """
    text = unicodedata.normalize("NFC", value).strip()
    found = CONTROL_CHARACTERS.search(text)
    if found is not None:
        code = f"U+{ord(found.group()):04X}"
        raise RuleViolation(
            "text.control",
            f"含有控制字符 {code},请删除",
            f"holds the control character {code}: remove it",
        )
    return text


def declare_codes(*codes: str) -> Callable[[T], T]:
    """Declare the codes of the problems a check reports, on the check itself::

        @declare_codes("safety_patrol.zone")
        def zone_name(value: str) -> str: ...

    A :class:`FieldRule` or :class:`ObjectRule` made with the check takes them as its
    ``codes`` (unless given others).
    """

    def mark(check: T) -> T:
        setattr(check, _CODES, tuple(codes))
        return check

    return mark


def declared_codes(check: Callable[..., Any]) -> tuple[str, ...]:
    """The codes ``check`` was declared with (:func:`declare_codes`); empty if none."""
    codes = getattr(check, _CODES, ())
    return tuple(codes) if isinstance(codes, tuple) else ()


def _codes_of_check(rule: FieldRule | ObjectRule) -> tuple[str, ...]:
    return declared_codes(rule.check)


@attrs.frozen
class RuleContext:
    """What rules may know besides the object: today's date."""

    today: date = attrs.field(factory=date.today)


@attrs.frozen
class FieldRule:
    """Check and normalise the value of ``field`` on instances of ``target``.

    ``check`` receives a non-``None`` value and returns it normalised (for
    example an ID number with a lower-case ``x`` made upper-case), or raises
    :class:`RuleViolation`. ``codes`` are the codes of the violations it may
    raise (by default those declared on ``check`` with :func:`declare_codes`).
    """

    target: type
    field: str
    check: Callable[[Any], Any]
    codes: tuple[str, ...] = attrs.field(
        default=attrs.Factory(_codes_of_check, takes_self=True), kw_only=True
    )


@attrs.frozen
class ObjectRule:
    """Check a whole object of type ``target``; yields problems with paths relative to it.

    ``code`` names the rule; ``codes`` are the codes of the problems it may yield
    (by default those declared on ``check`` with :func:`declare_codes`).
    """

    target: type
    code: str
    check: Callable[[Any, RuleContext], Iterable[Problem]]
    codes: tuple[str, ...] = attrs.field(
        default=attrs.Factory(_codes_of_check, takes_self=True), kw_only=True
    )


Rule = FieldRule | ObjectRule


class RuleSet:
    """The rules in force: core's and every loaded plugin's."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._field_rules: dict[type, dict[str, list[Callable[[Any], Any]]]] = {}
        self._object_rules: dict[type, list[ObjectRule]] = {}
        self._registered: dict[type, dict[str, list[Callable[[Any], Any]]]] = {}
        self._plans: dict[type, _Plan | None] = {}
        for rule in rules:
            if isinstance(rule, FieldRule):
                names = {f.name for f in attrs.fields(rule.target)}
                if rule.field not in names:
                    raise TypeError(f"{rule.target.__name__} has no field {rule.field!r}")
                per_class = self._registered.setdefault(rule.target, {})
                per_class.setdefault(rule.field, []).append(rule.check)
            else:
                self._object_rules.setdefault(rule.target, []).append(rule)

    def field_checks(self, target: type, field: str) -> Sequence[Callable[[Any], Any]]:
        """The field checks of ``target.field``: the field's own (:data:`FIELD_CHECKS`),
        then those registered, in registration order."""
        return self._checks_of(target).get(field, ())

    def fields_with_checks(self, target: type) -> Sequence[str]:
        """Names of the fields of ``target`` that have field checks."""
        return tuple(self._checks_of(target))

    def _checks_of(self, target: type) -> dict[str, list[Callable[[Any], Any]]]:
        """The checks of ``target``'s fields; its fields' own are added the first time."""
        found = self._field_rules.get(target)
        if found is None:
            # Computed whole from what never changes, then stored: threads racing here
            # store equal dicts.
            found = {
                f.name: list(f.metadata[FIELD_CHECKS])
                for f in (attrs.fields(target) if attrs.has(target) else ())
                if f.metadata.get(FIELD_CHECKS)
            }
            for name, checks in self._registered.get(target, {}).items():
                found.setdefault(name, []).extend(checks)
            self._field_rules[target] = found
        return found

    def check_field(self, target: type, field: str, value: Any) -> Any:
        """Run the field checks of ``target.field`` on ``value``; return the normalised value."""
        if value is None:
            return None
        for check in self.field_checks(target, field):
            value = check(value)
        return value

    def prepare(self, obj: T, context: RuleContext | None = None) -> tuple[T, list[Problem]]:
        """Normalise ``obj``'s checked fields and collect every problem in it.

        Returns the normalised object (unchanged when nothing needed
        normalising) and the problems; an object's rules run only when its own
        fields are sound, since they may rely on them.
        """
        problems: list[Problem] = []
        prepared = self._walk(obj, context or RuleContext(), problems, "", check_fields=True)
        return prepared, problems

    def check_objects(self, obj: T, context: RuleContext | None = None) -> list[Problem]:
        """Run only the object rules of ``obj`` and its nested objects.

        For objects the converter has just built: their fields were checked
        while structuring.
        """
        problems: list[Problem] = []
        self._walk(obj, context or RuleContext(), problems, "", check_fields=False)
        return problems

    def _walk(
        self,
        obj: T,
        context: RuleContext,
        problems: list[Problem],
        path: str,
        *,
        check_fields: bool,
    ) -> T:
        cls = type(obj)
        plan = self._plan(cls)
        if plan is None:
            return obj
        fields, nested = plan
        changes: dict[str, Any] = {}
        fields_sound = True
        if check_fields:
            for name, empty in fields:
                value = getattr(obj, name)
                try:
                    normalised = self._normalised(cls, name, value, empty)
                except RuleViolation as violation:
                    problems.append(
                        Problem(
                            _join(path, name), value, violation.code, violation.zh, violation.en
                        )
                    )
                    fields_sound = False
                    continue
                if normalised != value or _other_places(normalised, value):
                    changes[name] = normalised
        for name in nested:
            value = getattr(obj, name)
            here = _join(path, name)
            if isinstance(value, tuple):
                items = tuple(
                    self._walk(v, context, problems, f"{here}[{i}]", check_fields=check_fields)
                    for i, v in enumerate(value)
                )
                if any(a is not b for a, b in zip(items, value, strict=True)):
                    changes[name] = items
            elif value is not None:
                walked = self._walk(value, context, problems, here, check_fields=check_fields)
                if walked is not value:
                    changes[name] = walked
        if changes:
            obj = attrs.evolve(obj, **changes)  # type: ignore[misc]
        if fields_sound:
            for rule in self._object_rules.get(cls, ()):
                problems.extend(p.under(path) for p in rule.check(obj, context))
        return obj

    def _normalised(self, cls: type, name: str, value: Any, empty: str | None) -> Any:
        """A field's value as the converter would make it, then checked; ``empty`` says
        what empty text becomes in a text field (:func:`_empty_text`), ``None`` for others."""
        if empty is not None and value.__class__ is str:
            value = normalise_text(value)
            if not value:
                if empty == "required":
                    raise RuleViolation("required", "不能为空", "must not be empty")
                value = None if empty == "none" else value
        return self.check_field(cls, name, value)

    def _plan(self, cls: type) -> _Plan | None:
        """The fields of ``cls`` to normalise — text, and those with checks — each with
        what empty text becomes in it (``None``: not text), and those holding nested
        attrs objects."""
        try:
            return self._plans[cls]
        except KeyError:
            pass
        plan = None
        if attrs.has(cls):
            hints = typing.get_type_hints(cls)
            names = attrs.fields_dict(cls)
            nested = tuple(name for name in names if _holds_attrs(hints[name]))
            checked = set(self.fields_with_checks(cls))
            fields = tuple(
                (name, _empty_text(hints[name], field.default) if _text_type(hints[name]) else None)
                for name, field in names.items()
                if name in checked or _text_type(hints[name])
            )
            plan = (fields, nested)
        self._plans[cls] = plan
        return plan

    def object_rules(self) -> Iterator[ObjectRule]:
        """Every object rule in force."""
        for rules in self._object_rules.values():
            yield from rules


def _other_places(normalised: Any, value: Any) -> bool:
    """Whether two equal decimals differ in their places (12.5 made 12.50 by a money rule)."""
    return (
        value.__class__ is Decimal
        and normalised.__class__ is Decimal
        and normalised.as_tuple() != value.as_tuple()
    )


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _text_type(type_: Any) -> bool:
    """Whether a field of this type holds text: ``str`` or ``str | None``."""
    return type_ is str or optional_of(type_) is str


def _empty_text(type_: Any, default: Any) -> str:
    """What empty text in a field becomes: ``none`` (an optional field's ``None``, as the
    converter makes it), ``keep`` (a field whose default is empty text) or ``required``."""
    if type_ is not str:
        return "none"
    return "keep" if default == "" else "required"


def _holds_attrs(type_: Any) -> bool:
    """Whether a field of this type holds an attrs object or a tuple of them."""
    candidates = [type_, *get_args(type_)]
    if get_origin(type_) is tuple:
        candidates = list(get_args(type_))
    return any(isinstance(c, type) and attrs.has(c) for c in candidates)
