"""Sheet layouts: the columns of each spreadsheet the SDK reads and writes.

A column's header is ``中文 / key`` (``姓名 / name``): the Chinese label comes
from the model field's metadata and the key is the field's name, so labels
are written once, on the model. Choices come from the field's enum. The
importer recognises a header by either half, by the English label, or whole.
"""

from __future__ import annotations

import re
import typing
import unicodedata
from collections.abc import Sequence
from typing import Any

import attrs

from commons_core.model import (
    Household,
    Label,
    LabeledEnum,
    PartnerUnit,
    Resident,
    field_info,
    model_label,
)

__all__ = [
    "KINDS",
    "PROBLEMS_COLUMN",
    "ROW_COLUMN",
    "Column",
    "Sheet",
    "sheet",
]


NO_HINT = Label("", "")


@attrs.frozen
class Column:
    """One column of a sheet.

    :ivar key: the English half of the header, the key in JSON, and (for most
        columns) the model field it fills.
    :ivar label: the bilingual label; ``label.zh`` is the Chinese half of the header.
    :ivar choices: the enum whose members the column accepts.
    :ivar required: a row without a value here is rejected.
    :ivar text: a spreadsheet must keep the value as text (ID numbers, phones).
    :ivar example: the value in the template's example row.
    :ivar hint: how to fill it in, for the template's instructions.
    """

    key: str
    label: Label
    choices: type[LabeledEnum] | None = None
    required: bool = False
    text: bool = False
    example: str = ""
    hint: Label = NO_HINT

    @property
    def header(self) -> str:
        """``姓名 / name``."""
        return f"{self.label.zh} / {self.key}"

    def names(self) -> tuple[str, ...]:
        """Every header text this column is recognised by."""
        return (self.header, self.key, self.label.zh, self.label.en, f"{self.label.zh}/{self.key}")


def _normal(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


ROW_COLUMN = Column("source_row", Label("原行号", "source row"))
"""Added to error files: where the row was in the file imported."""
PROBLEMS_COLUMN = Column("problems", Label("错误", "problems"))
"""Added to error files: what is wrong with the row."""


@attrs.frozen
class Sheet:
    """The columns of one kind of spreadsheet (``residents``, ``households`` …)."""

    kind: str
    label: Label
    columns: tuple[Column, ...]
    key_columns: tuple[str, ...]
    """Columns that identify a row's record on re-import, in order of preference (a derived
    sheet's: together, see :func:`commons_core.io.derive.match_columns`)."""
    sensitive: frozenset[str] = frozenset()
    """Columns of sensitive fields, whose masked values mean "keep what is stored" (derived
    sheets; the importer knows the core sheets' own)."""

    def column(self, key: str) -> Column:
        """The column with this key."""
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)

    def match_headers(self, headers: Sequence[Any]) -> tuple[list[Column | None], list[str]]:
        """The column of each header cell (``None``: ignored), and the unrecognised headers.

        Empty header cells and the columns error files add are ignored quietly.
        """
        lookup: dict[str, Column | None] = {}
        for column in (ROW_COLUMN, PROBLEMS_COLUMN):
            for name in column.names():
                lookup[_normal(name)] = None
        for column in self.columns:
            for name in column.names():
                lookup[_normal(name)] = column
        found: list[Column | None] = []
        unknown: list[str] = []
        for cell in headers:
            text = "" if cell is None else str(cell)
            normal = _normal(text)
            if not normal:
                found.append(None)
                continue
            if normal in lookup:
                found.append(lookup[normal])
                continue
            halves = [h for h in (_normal(p) for p in re.split(r"[//]", text)) if h]
            match = next((lookup[h] for h in halves if lookup.get(h) is not None), None)
            found.append(match)
            if match is None:
                unknown.append(text)
        return found, unknown


def _column(
    model: type,
    field: str,
    key: str | None = None,
    *,
    required: bool | None = None,
    text: bool = False,
    example: str = "",
    hint: Label | None = None,
) -> Column:
    attribute = attrs.fields_dict(model)[field]
    hinted = typing.get_type_hints(model)[field]
    choices = next(
        (
            m
            for m in (hinted, *typing.get_args(hinted))
            if isinstance(m, type) and issubclass(m, LabeledEnum)
        ),
        None,
    )
    if hint is None:
        hint = Label(choices.choices(), choices.choices()) if choices else NO_HINT
    return Column(
        key=key or field,
        label=field_info(attribute).label,
        choices=choices,
        required=attribute.default is attrs.NOTHING if required is None else required,
        text=text,
        example=example,
        hint=hint,
    )


_DATE_HINT = Label("日期,格式 YYYY-MM-DD", "a date, YYYY-MM-DD")
_GROUP_HINT = Label("居民小组编号(数字),不存在时自动建立", "the group's number; created if missing")

RESIDENTS = Sheet(
    kind="residents",
    label=model_label(Resident),
    columns=(
        _column(
            Household,
            "household_no",
            required=True,
            text=True,
            example="0001",
            hint=Label("同一户的成员填写相同户号", "members of one household share it"),
        ),
        _column(Resident, "relation_to_head", example="户主"),
        _column(Resident, "name", example="张三"),
        _column(Resident, "gender", example="女"),
        _column(
            Resident,
            "ethnicity",
            example="汉族",
            hint=Label("民族名称或两位代码(01 汉族)", "name or two-digit code (01 Han)"),
        ),
        _column(Resident, "birth_date", example="1949-12-31", hint=_DATE_HINT),
        _column(
            Resident,
            "id_number",
            required=True,
            text=True,
            example="11010519491231002X",
            hint=Label("18位身份证号,用于识别重复导入", "18 characters; identifies the resident"),
        ),
        _column(Resident, "phone", text=True, example="13812345678"),
        _column(Household, "address", example="文化路1号楼1单元101室"),
        _column(Household, "residents_group_id", "residents_group", example="1", hint=_GROUP_HINT),
        _column(Resident, "registration_status", example="常住"),
        _column(Household, "household_type", example="户籍"),
        _column(Resident, "employment_status", example="离退休"),
        _column(Resident, "registered_address", example=""),
        _column(Resident, "moved_in_on", example="1990-05-01", hint=_DATE_HINT),
    ),
    key_columns=("id_number",),
)

HOUSEHOLDS = Sheet(
    kind="households",
    label=model_label(Household),
    columns=(
        _column(Household, "household_no", text=True, example="0001"),
        _column(Household, "household_type", example="户籍"),
        _column(Household, "residents_group_id", "residents_group", example="1", hint=_GROUP_HINT),
        _column(Household, "address", example="文化路1号楼1单元101室"),
        _column(Household, "unit", text=True, example="1"),
        _column(Household, "room", text=True, example="101"),
        _column(
            Household,
            "statuses",
            example="",
            hint=Label(
                "低保/困难/残疾,多个用逗号分隔", "low_income/hardship/disability, comma-separated"
            ),
        ),
    ),
    key_columns=("household_no",),
)

PARTNER_UNITS = Sheet(
    kind="partner-units",
    label=model_label(PartnerUnit),
    columns=(
        _column(PartnerUnit, "name", example="文化路小学"),
        _column(PartnerUnit, "kind", example="学校"),
        _column(PartnerUnit, "credit_code", text=True, example="91110105MA01ABCD13"),
        _column(PartnerUnit, "address", example="文化路8号"),
        _column(PartnerUnit, "contact_name", example="李四"),
        _column(PartnerUnit, "contact_phone", text=True, example="13912345678"),
        _column(PartnerUnit, "council_office", example="理事"),
        _column(PartnerUnit, "agreement_signed_on", example="2024-03-01", hint=_DATE_HINT),
    ),
    key_columns=("credit_code", "name"),
)

KINDS: dict[str, Sheet] = {s.kind: s for s in (RESIDENTS, HOUSEHOLDS, PARTNER_UNITS)}
"""The sheets by kind, as the commands name them."""


def sheet(kind: str) -> Sheet:
    """The sheet of ``kind`` (``residents``, ``households`` or ``partner-units``)."""
    return KINDS[kind]
