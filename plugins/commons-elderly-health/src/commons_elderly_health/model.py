"""The elderly health model: health files, measurements over time and check-ups.

A resident aged 60 or over gets a health file (老年人健康档案). The file is
*due* (待建档) when the resident is registered at 60+ (the plugin writes a due
file on :class:`~commons_core.ResidentRegistered`); it is *open* (已建档) once a
health worker has taken the resident's chronic conditions and contact person.
Residents who turn 60 later need no record to be counted: the coverage report
counts residents 60+ by birth date on its day.

Every health value (conditions, readings, findings) is sensitive personal
information (:attr:`~commons_core.Sensitivity.HEALTH`): it is masked unless
revealed by a role holding ``reveal:health``. Masked numbers read ``None``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar
from uuid import UUID

import attrs

from commons_core.model import Label, LabeledEnum, Sensitivity, label, new_id

__all__ = [
    "CheckUp",
    "ChronicCondition",
    "FileStatus",
    "HealthFile",
    "Measurement",
    "age_on",
    "years_before",
]

ELDERLY_AGE = 60
"""From this age a resident is due a health file (and a free yearly check-up)."""
CONDOLENCE_AGE = 80
"""From this age a resident is on the list for condolence visits (高龄慰问)."""

HEALTH = Sensitivity.HEALTH


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier: the latest birth date of someone ``years`` old on ``day``.

    29 February becomes 28 February in other years, so a birthday on
    29 February counts from 1 March, as :meth:`commons_core.Resident.age_on` counts it.
    """
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February, and the year ``years`` back is not a leap year
        return day.replace(year=day.year - years, day=28)


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years on ``day`` (for rows read without their resident record)."""
    return (
        day.year - birth_date.year - int((day.month, day.day) < (birth_date.month, birth_date.day))
    )


class ChronicCondition(LabeledEnum):
    """A chronic condition recorded in a health file (慢性病)."""

    HYPERTENSION = "hypertension", "高血压", "hypertension"
    DIABETES = "diabetes", "糖尿病", "diabetes"
    CORONARY = "coronary", "冠心病", "coronary heart disease"
    STROKE = "stroke", "脑卒中", "stroke"
    COPD = "copd", "慢性阻塞性肺疾病", "chronic obstructive pulmonary disease"
    KIDNEY = "kidney", "慢性肾病", "chronic kidney disease"
    ARTHRITIS = "arthritis", "骨关节病", "arthritis"
    DEMENTIA = "dementia", "认知障碍", "dementia"
    OTHER = "other", "其他慢性病", "other chronic condition"


class FileStatus(LabeledEnum):
    """Where a health file stands (建档状态)."""

    DUE = "due", "待建档", "due"
    OPEN = "open", "已建档", "open"


@attrs.frozen(kw_only=True)
class HealthFile:
    """A resident's health file (老年人健康档案): one per resident.

    ``clinic_id`` is the partner unit whose clinic looks after the resident
    (签约医疗机构); the contact person is whom to call (紧急联系人).
    """

    LABEL: ClassVar[Label] = Label("老年人健康档案", "elderly health file")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    resident_id: UUID = attrs.field(metadata=label("居民", "resident", references="resident"))
    status: FileStatus = attrs.field(default=FileStatus.DUE, metadata=label("建档状态", "status"))
    due_on: date | None = attrs.field(default=None, metadata=label("应建档日期", "due on"))
    opened_on: date | None = attrs.field(default=None, metadata=label("建档日期", "opened on"))
    clinic_id: UUID | None = attrs.field(
        default=None, metadata=label("签约医疗机构", "clinic", references="partner_unit")
    )
    conditions: frozenset[ChronicCondition] | None = attrs.field(
        default=frozenset(),
        metadata=label("慢性病", "chronic conditions", sensitive=HEALTH),
    )
    contact_name: str | None = attrs.field(
        default=None, metadata=label("紧急联系人", "contact person", length=100)
    )
    contact_relation: str | None = attrs.field(
        default=None, metadata=label("与本人关系", "relation to the resident", length=50)
    )
    contact_phone: str | None = attrs.field(
        default=None,
        metadata=label("联系人电话", "contact phone", sensitive=Sensitivity.CONTACT, length=20),
    )
    note: str | None = attrs.field(
        default=None, metadata=label("健康备注", "health note", sensitive=HEALTH)
    )
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class Measurement:
    """Readings taken on one day (健康监测): blood pressure, blood glucose, weight.

    Any of them may be missing, not all; systolic and diastolic go together.
    """

    LABEL: ClassVar[Label] = Label("健康监测记录", "health measurement")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    resident_id: UUID = attrs.field(metadata=label("居民", "resident", references="resident"))
    file_id: UUID = attrs.field(
        metadata=label("健康档案", "health file", references="elderly_health_file")
    )
    measured_on: date = attrs.field(metadata=label("测量日期", "measured on"))
    systolic: int | None = attrs.field(
        default=None, metadata=label("收缩压(mmHg)", "systolic (mmHg)", sensitive=HEALTH)
    )
    diastolic: int | None = attrs.field(
        default=None, metadata=label("舒张压(mmHg)", "diastolic (mmHg)", sensitive=HEALTH)
    )
    glucose: Decimal | None = attrs.field(
        default=None,
        metadata=label("血糖(mmol/L)", "blood glucose (mmol/L)", sensitive=HEALTH),
    )
    weight: Decimal | None = attrs.field(
        default=None, metadata=label("体重(kg)", "weight (kg)", sensitive=HEALTH)
    )
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class CheckUp:
    """A health check-up (健康体检) on a day, by a partner unit's clinic."""

    LABEL: ClassVar[Label] = Label("健康体检", "health check-up")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    resident_id: UUID = attrs.field(metadata=label("居民", "resident", references="resident"))
    file_id: UUID = attrs.field(
        metadata=label("健康档案", "health file", references="elderly_health_file")
    )
    checked_on: date = attrs.field(metadata=label("体检日期", "checked on"))
    clinic_id: UUID = attrs.field(metadata=label("体检机构", "clinic", references="partner_unit"))
    findings: str | None = attrs.field(
        default=None, metadata=label("体检结论", "findings", sensitive=HEALTH)
    )
    version: int = attrs.field(default=0, metadata=label("版本", "version"))
