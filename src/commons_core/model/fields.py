"""Field metadata: bilingual labels and sensitivity, stored on attrs fields.

Every field of every model carries a :class:`FieldInfo` under the metadata key
``"commons"``; build it with :func:`label`::

    name: str = attrs.field(metadata=label("姓名", "name"))
    id_number: str = attrs.field(metadata=label("身份证号", "ID number",
                                                 sensitive=Sensitivity.IDENTITY))

Docs, forms, spreadsheet headers and access rules all read this one source.
"""

from __future__ import annotations

from enum import StrEnum
from types import NoneType, UnionType
from typing import Any, Union, get_args, get_origin

import attrs

__all__ = [
    "META_KEY",
    "FieldInfo",
    "Label",
    "Sensitivity",
    "field_info",
    "label",
    "model_label",
    "sensitive_fields",
]

META_KEY = "commons"


@attrs.frozen
class Label:
    """A name in Chinese and English."""

    zh: str
    en: str

    def __str__(self) -> str:
        return f"{self.zh} / {self.en}"

    def get(self, language: str) -> str:
        """The label in ``language`` (``"zh"`` or ``"en"``); Chinese for anything else."""
        return self.en if language == "en" else self.zh


class Sensitivity(StrEnum):
    """Kinds of sensitive personal information (敏感个人信息, PIPL art. 28).

    Reading a field of one of these kinds in clear needs the permission
    ``reveal:<kind>``; without it the value is masked.
    """

    IDENTITY = "identity"
    """ID numbers (身份证号)."""
    CONTACT = "contact"
    """Phone numbers (联系电话)."""
    HEALTH = "health"
    """Health data (健康信息)."""
    ASSISTANCE = "assistance"
    """Low-income, hardship and disability status (低保 / 困难 / 残疾)."""
    POLITICAL = "political"
    """Party membership (党员身份)."""
    KEY_GROUP = "key_group"
    """Key-group follow-up flags (重点人群)."""

    @property
    def permission(self) -> str:
        """The permission that reveals fields of this kind."""
        return f"reveal:{self.value}"


@attrs.frozen
class FieldInfo:
    """What the SDK knows about one model field besides its type."""

    label: Label
    sensitivity: Sensitivity | None = None
    length: int | None = None
    """The most characters a text (or an enum's value, a set's values joined) holds."""
    references: str | None = None
    """The community-scoped table whose ``id`` this field holds (``"resident"``)."""


def label(
    zh: str,
    en: str,
    *,
    sensitive: Sensitivity | None = None,
    length: int | None = None,
    references: str | None = None,
) -> dict[str, Any]:
    """Field metadata for ``attrs.field(metadata=...)``: labels, sensitivity and, for the
    record's derived table (:func:`commons_core.storage.record_table`), the text's
    ``length`` (none: unbounded text) and the table a link ``references``."""
    return {META_KEY: FieldInfo(Label(zh, en), sensitive, length, references)}


def field_info(field: attrs.Attribute[Any]) -> FieldInfo:
    """The :class:`FieldInfo` of an attrs field; a field without labels is a bug."""
    info = field.metadata.get(META_KEY)
    if not isinstance(info, FieldInfo):
        raise TypeError(f"field {field.name} has no commons label metadata")
    return info


def model_label(cls: type) -> Label:
    """The bilingual label of a model class (its ``LABEL`` class variable)."""
    value = getattr(cls, "LABEL", None)
    if not isinstance(value, Label):
        raise TypeError(f"{cls.__name__} has no LABEL")
    return value


def sensitive_fields(cls: type) -> dict[str, Sensitivity]:
    """Names of the sensitive fields of an attrs class, with their kind."""
    result: dict[str, Sensitivity] = {}
    for field in attrs.fields(cls):
        info = field.metadata.get(META_KEY)
        if isinstance(info, FieldInfo) and info.sensitivity is not None:
            result[field.name] = info.sensitivity
    return result


def optional_of(type_: Any) -> Any | None:
    """``X`` when a field's type ``type_`` is ``X | None``, else ``None``."""
    if get_origin(type_) in (Union, UnionType):
        args = [a for a in get_args(type_) if a is not NoneType]
        if len(args) == 1 and len(get_args(type_)) == 2:
            return args[0]
    return None
