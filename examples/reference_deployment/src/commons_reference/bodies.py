"""The JSON bodies of the API, typed for the OpenAPI document, checked by the SDK's converter.

A handler takes its body as a :class:`JsonObject` subclass: at run time the
JSON object as sent (a mapping, decoded within
:mod:`commons_reference.limits`), which the handler hands to the SDK, whose
converter and rules are the one validator and answer every problem with its
path, in both languages; in the OpenAPI document, the shape the SDK's model
class gives it (:attr:`JsonObject.shape`), made from the model's own fields
by :func:`creation` and :func:`changes`. Litestar validates nothing of the
body but that it is a JSON object.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import attrs
from litestar.openapi.spec import Schema
from litestar.openapi.spec.schema import SchemaDataContainer
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

from commons_core.model import Household, Resident
from commons_core.model.fields import optional_of

__all__ = [
    "BODY_DECODERS",
    "BodySchemas",
    "HouseholdChanges",
    "JsonObject",
    "NewMember",
    "Registration",
    "ResidentChanges",
    "changes",
    "creation",
]

_MADE = ("id", "community_id", "version")
"""Fields the SDK makes or takes from the path, never sent to create a record."""


class JsonObject(Mapping[str, Any]):
    """A JSON object sent as a request body, as sent; documented as :attr:`shape`."""

    shape: ClassVar[type]
    """The class whose schema the OpenAPI document gives the body."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = dict(data)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def _hints(model: type) -> dict[str, Any]:
    return typing.get_type_hints(model)


def creation(
    model: type,
    *,
    without: tuple[str, ...] = (),
    optional: tuple[str, ...] = (),
    name: str | None = None,
) -> type:
    """The fields a client sends to create a ``model`` record: the model's, less those the
    SDK makes (``id``, ``version``) or the path gives (``community_id``, ``without``);
    required where the model requires them, but those the API fills in (``optional``)."""
    hints = _hints(model)
    fields: list[Any] = []
    for field in attrs.fields(model):
        if field.name in _MADE or field.name in without:
            continue
        if field.default is attrs.NOTHING and field.name not in optional:
            fields.append((field.name, hints[field.name]))
        else:
            fields.append((field.name, hints[field.name], dataclasses.field(default=None)))
    fields.sort(key=len)  # required fields first, as a dataclass wants them
    made: type = dataclasses.make_dataclass(name or f"New{model.__name__}", fields)
    made.__doc__ = f"The fields of a new {model.__name__} a client sends."
    return made


def changes(model: type) -> type:
    """What a client sends to change a ``model`` record: any of its fields, and the
    ``version`` it read (required: a change from a stale copy is a conflict)."""
    hints = _hints(model)
    fields: list[Any] = [("version", int)]
    for field in attrs.fields(model):
        if field.name in _MADE:
            continue
        kind = optional_of(hints[field.name]) or hints[field.name]
        fields.append((field.name, kind | None, dataclasses.field(default=None)))
    made: type = dataclasses.make_dataclass(f"{model.__name__}Changes", fields)
    made.__doc__ = (
        f"Changes to a {model.__name__}: the fields to change and the version read; a masked"
        " value sent back as read keeps the stored one."
    )
    return made


_NewHousehold = creation(Household)
_NewResident = creation(Resident, without=("household_id",), name="NewMember")


@dataclasses.dataclass
class _Registration:
    """A household and its members, registered together."""

    household: _NewHousehold  # type: ignore[valid-type]
    members: list[_NewResident]  # type: ignore[valid-type]


_Registration.__name__ = _Registration.__qualname__ = "NewRegistration"


class Registration(JsonObject):
    """``{"household": {...}, "members": [{...}, ...]}``: a household with its members."""

    shape = _Registration


class NewMember(JsonObject):
    """A resident to add to a household (the household and community from the path)."""

    shape = _NewResident


class HouseholdChanges(JsonObject):
    """The fields of a household to change, and the ``version`` read."""

    shape = changes(Household)


class ResidentChanges(JsonObject):
    """The fields of a resident to change, and the ``version`` read."""

    shape = changes(Resident)


def _is_body(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, JsonObject)


def _decode(kind: type[JsonObject], value: Any) -> JsonObject:
    if not isinstance(value, Mapping):
        raise TypeError(f"a JSON object is expected, not {type(value).__name__}")
    return kind(value)


BODY_DECODERS = [(_is_body, _decode)]
"""The app's type decoders: a body declared as a :class:`JsonObject` is the object sent."""


class BodySchemas(OpenAPISchemaPlugin):
    """Documents a :class:`JsonObject` body by its :attr:`~JsonObject.shape`."""

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        """Whether ``value`` is a body type of this module's kind."""
        return _is_body(value)

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        """The schema of the body's shape, made by Litestar like any other."""
        kind = field_definition.annotation
        return SchemaDataContainer(data_container=kind.shape, description=kind.__doc__)
