"""Command line options read by the SDK's converter: the same forms and errors as the API.

::

    @click.command()
    @field_option(Sale, "sold_on", "--on")           # 2026-03-01, 2026/3/1, 2026年3月1日
    @field_option(Donation, "amount", "--amount")    # 12.50, ¥12.50, 1,234.50; not 12.505
    @click.option("--kind", type=converted(Incident, "kind"))  # by value or label: 噪音, noise
    @click.option("--shift", type=ConverterType(UUID))
    def record(on: date | None, amount: Decimal | None, kind: IncidentKind, shift: UUID) -> None:
        ...

A value is structured by the converter of the command's SDK handle
(:func:`~commons_core.cli.get_commons`), plugins' hooks included, and for a
model's field its field rules are checked too: a date out of the SDK's
calendar, a sum with three decimal places or an unknown choice are refused
with the rule's bilingual message, as click's usage errors are (exit code 2).
Nothing heavy is imported until a value is read, so ``commons --help`` stays fast.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import click

from commons_core.cli.context import get_commons
from commons_core.errors import ValidationError
from commons_core.model.fields import field_info

__all__ = ["ConverterType", "FieldType", "converted", "field_option"]

F = TypeVar("F", bound=Callable[..., Any])


class ConverterType(click.ParamType):  # type: ignore[type-arg]
    """A click parameter type structuring its value into ``type_`` through the converter."""

    def __init__(self, type_: Any) -> None:
        self.type_ = type_
        self.name = getattr(type_, "__name__", str(type_)).lower()

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The structured value; a bilingual usage error when it does not structure."""
        try:
            return self.structure(value, ctx)
        except ValidationError as error:
            self.fail("; ".join(p.message for p in error.problems), param, ctx)

    def structure(self, value: Any, ctx: click.Context | None) -> Any:
        """``value`` as the converter makes it (:class:`ValidationError` when it cannot)."""
        return get_commons(ctx).codec.structure(value, self.type_)


class FieldType(ConverterType):
    """A click parameter type structuring its value as field ``field`` of ``model`` is."""

    def __init__(self, model: type, field: str) -> None:
        fields = attrs.fields_dict(model)
        if field not in fields:
            raise TypeError(f"{model.__name__} has no field {field!r}")
        super().__init__(typing.get_type_hints(model)[field])
        self.model = model
        self.field = field
        self.label = field_info(fields[field]).label
        self.name = field

    def structure(self, value: Any, ctx: click.Context | None) -> Any:
        """``value`` as structuring a ``model`` makes this field, its field rules checked."""
        return get_commons(ctx).codec.structure_field(value, self.model, self.field)


def converted(model: type, field: str) -> FieldType:
    """The parameter type of field ``field`` of ``model``: ``type=converted(Sale, "sold_on")``."""
    return FieldType(model, field)


def field_option(model: type, field: str, *param_decls: str, **options: Any) -> Callable[[F], F]:
    """``click.option(*param_decls, type=converted(model, field), ...)``.

    Its help is the field's label (``售出日期 / sold on``) unless ``help`` is given;
    other keywords go to :func:`click.option`.
    """
    kind = converted(model, field)
    options.setdefault("help", f"{kind.label.zh} / {kind.label.en}.")
    return click.option(*param_decls, type=kind, **options)
