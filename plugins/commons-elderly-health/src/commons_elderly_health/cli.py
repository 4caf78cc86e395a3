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

from typing import Any

import click
from rich.console import Console
from rich.table import Table

from commons_core import PartnerUnit, Resident
from commons_core.cli.kit import Ref, command, group

from .services import HealthRecords, HealthSummary

__all__ = ["health"]

MASKED = "***"
WHO = {
    "resident_id": Ref(Resident, option="--resident"),
    "clinic_id": Ref(PartnerUnit, option="--clinic"),
}


def _shown(value: object) -> str:
    return MASKED if value is None else str(value)


def _print_summary(summary: HealthSummary) -> None:
    found = summary.file
    conditions = (
        MASKED if found.conditions is None else "、".join(c.zh for c in sorted(found.conditions))
    )
    click.echo(f"{summary.resident} · {found.status.zh} / {found.status.en} · {found.opened_on}")
    click.echo(f"慢性病 / conditions: {conditions or '无 / none'}")
    clinic = summary.clinics.get(found.clinic_id) if found.clinic_id else None
    click.echo(f"签约医疗机构 / clinic: {clinic or '-'}")
    click.echo(
        f"紧急联系人 / contact: {found.contact_name or '-'} {found.contact_relation or ''}"
        f" {found.contact_phone or ''}"
    )
    readings = Table(
        "日期 / day",
        "血压 / blood pressure (mmHg)",
        "血糖 / glucose (mmol/L)",
        "体重 / weight (kg)",
        title="健康监测 / readings",
    )
    for m in summary.measurements:
        readings.add_row(
            m.measured_on.isoformat(),
            f"{_shown(m.systolic)}/{_shown(m.diastolic)}",
            _shown(m.glucose),
            _shown(m.weight),
        )
    check_ups = Table("日期 / day", "机构 / clinic", "结论 / findings", title="体检 / check-ups")
    for c in summary.check_ups:
        check_ups.add_row(
            c.checked_on.isoformat(), summary.clinics.get(c.clinic_id, ""), _shown(c.findings)
        )
    Console().print(readings, check_ups)


def _summary_json(summary: HealthSummary) -> dict[str, Any]:
    from commons_core.cli import get_commons

    return {
        "resident": summary.resident,
        "file": get_commons().unstructure(summary.file),
        "measurements": [get_commons().unstructure(m) for m in summary.measurements],
        "check_ups": [get_commons().unstructure(c) for c in summary.check_ups],
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
            output=_print_summary,
            as_json=_summary_json,
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
