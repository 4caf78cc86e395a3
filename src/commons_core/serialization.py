"""Serialization: one cattrs converter for every model, JSON-ready in both directions.

:class:`Codec` wraps the converter and the rules in force. Structuring input
(``codec.structure(data, Resident)``) coerces forgiving but unambiguous
forms (``"2024-05-01"`` for a date, ``"男"`` or ``"male"`` for a gender), runs
every field rule while it goes, then every object rule, and raises one
:class:`~commons_core.errors.ValidationError` listing all problems with their
paths, never a raw cattrs exception. Unstructuring gives plain JSON types:
ISO dates and times, ``Decimal`` as a string, UUIDs as strings, enums as
their value, sets as sorted lists.

Plugins register their own hooks on ``codec.converter`` through the
``commons_converter`` hook, before the converter is first used.
"""

from __future__ import annotations

import re
import typing
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, get_args, get_origin
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs
import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
)
from cattrs.gen import make_dict_structure_fn, override

from commons_core.errors import Problem, ValidationError
from commons_core.model.enums import LabeledEnum
from commons_core.model.fields import optional_of
from commons_core.validation.rules import (
    FIELD_PARSER,
    RuleContext,
    RuleSet,
    RuleViolation,
    normalise_text,
)

__all__ = ["CHINA_TIME", "Codec", "field_hook", "make_converter"]

T = TypeVar("T")

CHINA_TIME = ZoneInfo("Asia/Shanghai")
"""The zone naive date-times are taken to be in."""

_TRUE = frozenset({"true", "yes", "y", "1", "是", "有", "√"})
_FALSE = frozenset({"false", "no", "n", "0", "否", "无", "×"})
_LIST_SPLIT = re.compile(r"[,,、;;|\s]+")
_DATE_SEPARATORS = str.maketrans({"/": "-", ".": "-", "年": "-", "月": "-", "日": None})


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise RuleViolation("type.string", "应为文本", "must be text")
    return normalise_text(value)


def _structure_str(value: Any, _type: Any) -> str:
    text = _text(value)
    if not text:
        raise RuleViolation("required", "不能为空", "must not be empty")
    return text


def _structure_optional_str(value: Any, _type: Any) -> str | None:
    if value is None:
        return None
    return _text(value) or None


def _structure_int(value: Any, _type: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        return int(value.strip())
    if isinstance(value, float | Decimal) and value == int(value):
        return int(value)
    raise RuleViolation("type.integer", "应为整数", "must be a whole number")


def _structure_decimal(value: Any, _type: Any) -> Decimal:
    if isinstance(value, bool):
        raise RuleViolation("type.decimal", "应为数字", "must be a number")
    try:
        if isinstance(value, Decimal):
            result = value
        elif isinstance(value, int | str):
            result = Decimal(str(value).strip().replace(",", ""))
        elif isinstance(value, float):
            result = Decimal(repr(value))
        else:
            raise InvalidOperation
    except InvalidOperation:
        raise RuleViolation("type.decimal", "应为数字", "must be a number") from None
    if not result.is_finite():
        raise RuleViolation("type.decimal", "应为有限数字", "must be a finite number")
    return result


def _structure_bool(value: Any, _type: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().casefold()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise RuleViolation("type.boolean", "应为 是/否", "must be yes/no (true/false)")


def _structure_date(value: Any, _type: Any) -> date:
    if type(value) is str and len(value) == 10 and value[4] == value[7] == "-" and value.isascii():
        # The common YYYY-MM-DD in C; anything it refuses takes the general path below.
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    if isinstance(value, datetime):
        if value.time() != time(0):
            raise RuleViolation("type.date", "应为日期,不含时间", "must be a date without a time")
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().translate(_DATE_SEPARATORS)
        match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text) or re.fullmatch(
            r"(\d{4})(\d{2})(\d{2})", text
        )
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                raise RuleViolation("type.date", "不是有效日期", "not a real date") from None
    raise RuleViolation("type.date", "应为日期 YYYY-MM-DD", "must be a date YYYY-MM-DD")


def _structure_datetime(value: Any, _type: Any) -> datetime:
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, str):
        try:
            result = datetime.fromisoformat(value.strip())
        except ValueError:
            raise RuleViolation(
                "type.datetime", "应为日期时间 YYYY-MM-DDTHH:MM", "must be a date-time (ISO 8601)"
            ) from None
    else:
        raise RuleViolation("type.datetime", "应为日期时间", "must be a date-time (ISO 8601)")
    return result if result.tzinfo else result.replace(tzinfo=CHINA_TIME)


def _structure_time(value: Any, _type: Any) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        try:
            return time.fromisoformat(text if len(text) > 4 else text.zfill(5))
        except ValueError:
            pass
    raise RuleViolation("type.time", "应为时间 HH:MM", "must be a time HH:MM")


def _structure_uuid(value: Any, _type: Any) -> UUID:
    if isinstance(value, UUID):
        return value
    if isinstance(value, str):
        try:
            return UUID(value.strip())
        except ValueError:
            pass
    raise RuleViolation("type.uuid", "应为UUID编号", "must be a UUID")


def _structure_enum(value: Any, cls: type[LabeledEnum]) -> LabeledEnum:
    if isinstance(value, cls):
        return value
    if isinstance(value, str):
        try:
            return cls.parse(value)
        except ValueError:
            pass
    raise RuleViolation(
        "type.choice", f"应为以下之一:{cls.choices()}", f"must be one of: {cls.choices()}"
    )


def _is_set_type(type_: Any) -> bool:
    return get_origin(type_) in (frozenset, set)


def _is_any_set_type(type_: Any) -> bool:
    # Unstructuring a value without its annotation (the audit trail does) asks
    # for the bare runtime class, which has no type arguments.
    return _is_set_type(type_) or type_ in (frozenset, set)


def make_converter(rules: RuleSet) -> cattrs.Converter:
    """A fresh converter with the SDK's hooks and ``rules``' field checks.

    Each call gives a private converter (never cattrs' global one), so
    plugins' hooks cannot leak between hosts.
    """
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)

    # Registered by class: singledispatch picks the most specific hook, so string
    # enums get the enum hook rather than str's, and bool its own rather than int's.
    by_class: dict[type, Callable[[Any, Any], Any]] = {
        str: _structure_str,
        int: _structure_int,
        bool: _structure_bool,
        Decimal: _structure_decimal,
        date: _structure_date,
        datetime: _structure_datetime,
        time: _structure_time,
        UUID: _structure_uuid,
        LabeledEnum: _structure_enum,
    }
    for type_, hook in by_class.items():
        converter.register_structure_hook(type_, hook)
    converter.register_structure_hook_func(lambda t: optional_of(t) is str, _structure_optional_str)

    def structure_set(value: Any, type_: Any) -> frozenset[Any]:
        (item_type,) = get_args(type_)
        if isinstance(value, str):
            value = [v for v in _LIST_SPLIT.split(value.strip()) if v]
        if not isinstance(value, list | tuple | set | frozenset):
            raise RuleViolation("type.list", "应为列表", "must be a list")
        return frozenset(converter.structure(v, item_type) for v in value)

    converter.register_structure_hook_func(_is_set_type, structure_set)

    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    converter.register_unstructure_hook(time, lambda t: t.isoformat("minutes"))
    converter.register_unstructure_hook(Decimal, str)
    converter.register_unstructure_hook(UUID, str)
    converter.register_unstructure_hook(LabeledEnum, lambda e: e.value)
    converter.register_unstructure_hook_func(
        _is_any_set_type, lambda s: sorted(converter.unstructure(v) for v in s)
    )

    def attrs_factory(cls: type[Any]) -> Callable[[Any, Any], Any]:
        overrides = {}
        for name in rules.fields_with_checks(cls):
            overrides[name] = override(struct_hook=field_hook(converter, rules, cls, name))
        hook = make_dict_structure_fn(cls, converter, **overrides)  # type: ignore[arg-type]

        def structure_attrs(value: Any, type_: Any) -> Any:
            if not isinstance(value, Mapping):
                raise RuleViolation("type.object", "应为对象", "must be an object (mapping)")
            return hook(value, type_)

        return structure_attrs

    converter.register_structure_hook_factory(attrs.has, attrs_factory)
    return converter


def field_hook(
    converter: cattrs.Converter, rules: RuleSet, cls: type, name: str
) -> Callable[[Any, Any], Any]:
    """How the converter structures field ``name`` of ``cls``: its type's hook (or the
    field's own parser, :data:`~commons_core.validation.rules.FIELD_PARSER`), then its
    checks. Raises :class:`RuleViolation` (or what cattrs raises) on bad input."""
    field_type = typing.get_type_hints(cls)[name]
    parser = attrs.fields_dict(cls)[name].metadata.get(FIELD_PARSER)
    if parser is not None:
        optional = optional_of(field_type) is not None

        def parse(value: Any, _type: Any) -> Any:
            return None if value is None and optional else parser(value)

        structure: Callable[[Any, Any], Any] = parse
    else:
        # The field type's hook found once, not dispatched for every value: every text and
        # whole-number field has checks (its column's limits at least).
        structure = converter.get_structure_hook(field_type)

    def hook(value: Any, _type: Any) -> Any:
        return rules.check_field(cls, name, structure(value, field_type))

    return hook


class Codec:
    """The converter and the rules together: structure, validate, unstructure."""

    def __init__(self, converter: cattrs.Converter, rules: RuleSet) -> None:
        self.converter = converter
        self.rules = rules

    def structure(self, data: Any, cls: type[T], *, context: RuleContext | None = None) -> T:
        """Build a ``cls`` from JSON-like ``data``, checking every rule.

        Raises :class:`~commons_core.errors.ValidationError` with every
        problem found; never any other exception for bad data.
        """
        try:
            obj = self.converter.structure(data, cls)
        except Exception as error:
            raise ValidationError(list(problems_from_exception(error, data))) from None
        problems = self.rules.check_objects(obj, context)
        if problems:
            raise ValidationError(problems)
        return obj

    def structure_field(self, value: Any, cls: type, field: str) -> Any:
        """One field's value as structuring a ``cls`` makes it, its field rules checked.

        For input that comes one value at a time (a command line option): the same
        forms are accepted and the same problems reported, at path ``field``.
        """
        try:
            return field_hook(self.converter, self.rules, cls, field)(value, None)
        except Exception as error:
            raise ValidationError(list(problems_from_exception(error, value, field))) from None

    def validate(self, obj: T, *, context: RuleContext | None = None) -> T:
        """Normalise ``obj`` and check every rule; return it or raise ValidationError."""
        prepared, problems = self.rules.prepare(obj, context)
        if problems:
            raise ValidationError(problems)
        return prepared

    def unstructure(self, obj: Any) -> Any:
        """Plain JSON-ready data for ``obj``."""
        return self.converter.unstructure(obj)


def problems_from_exception(error: BaseException, data: Any, path: str = "") -> Iterator[Problem]:
    """Turn what cattrs raised while structuring ``data`` into path-precise problems."""
    if isinstance(error, ClassValidationError | IterableValidationError):
        with_notes, others = error.group_exceptions()
        for inner, note in with_notes:
            name = getattr(note, "name", None)
            index = getattr(note, "index", None)
            if name is not None:
                here = f"{path}.{name}" if path else name
                value = data.get(name) if isinstance(data, Mapping) else None
            else:
                here = f"{path}[{index}]"
                value = _item(data, index)
            yield from problems_from_exception(inner, value, here)
        for inner in others:
            yield from problems_from_exception(inner, data, path)
        return
    if isinstance(error, ForbiddenExtraKeysError):
        for key in sorted(error.extra_fields):
            here = f"{path}.{key}" if path else key
            value = data.get(key) if isinstance(data, Mapping) else None
            yield Problem(here, value, "unknown_field", "未知字段", "unknown field")
        return
    if isinstance(error, KeyError):
        yield Problem(path, None, "required", "必填项缺失", "required field is missing")
        return
    if isinstance(error, RuleViolation):
        yield Problem(path, data, error.code, error.zh, error.en)
        return
    yield Problem(path, data, "invalid", "值无效", f"invalid value ({type(error).__name__})")


def _item(data: Any, index: Any) -> Any:
    if isinstance(data, list | tuple) and isinstance(index, int) and 0 <= index < len(data):
        return data[index]
    return None
