"""``commons health …``: health files, blood pressure and other readings, check-ups.

::

    commons --as health-worker health file open --community 文化路社区 --resident 张秀英 \
        --condition 高血压 --contact-name 王敏 --contact-relation 子女 --contact-phone 13812345678
    commons --as health-worker health record-bp --community 文化路社区 --resident 张秀英 \
        --systolic 142 --diastolic 88
    commons --as health-worker health file show --community 文化路社区 --resident 张秀英 --reveal

Readings are printed only with ``--reveal`` (which needs ``reveal:health`` and
is recorded in the audit trail); they are never logged.
"""

from __future__ import annotations

from commons_core import PartnerUnit, Resident
from commons_core.cli.kit import Ref, command, group

from .services import HealthRecords

__all__ = ["health"]

WHO = {
    "resident_id": Ref(Resident, option="--resident"),
    "clinic_id": Ref(PartnerUnit, option="--clinic"),
}


health = group(
    "health",
    "老年人健康档案:建档、血压等监测、体检 / elderly health records.",
    group(
        "file",
        "健康档案 / health files.",
        command(
            HealthRecords.open_file,
            "建立健康档案(60岁以上)/ open a resident's health file (aged 60+).",
            name="open",
            refs=WHO,
            rename={"conditions": "--condition"},
            done="已建档 / file opened.",
        ),
        command(
            HealthRecords.summary,
            "查看健康档案、监测记录与体检 / show a health file, its readings and check-ups.",
            name="show",
            refs=WHO,
            readonly=True,
        ),
    ),
    command(
        HealthRecords.record_measurement,
        "记录血压 / record a blood pressure reading.",
        name="record-bp",
        refs=WHO,
        skip=("glucose", "weight"),
        required=("systolic", "diastolic"),
        done="已记录 / recorded.",
    ),
    command(
        HealthRecords.record_measurement,
        "记录血压、血糖、体重 / record blood pressure, blood glucose and weight.",
        name="measure",
        refs=WHO,
        done="已记录 / recorded.",
    ),
    command(
        HealthRecords.record_check_up,
        "记录体检 / record a check-up by a partner clinic.",
        name="check-up",
        refs=WHO,
        done="已记录体检 / check-up recorded.",
    ),
)
