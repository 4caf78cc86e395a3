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

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

from commons_core.cli import echo_json, get_actor, get_commons

from .model import ChronicCondition

if TYPE_CHECKING:
    from .model import CheckUp, HealthFile, Measurement

__all__ = ["health"]

DAY = click.DateTime(["%Y-%m-%d"])
MASKED = "***"


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _conditions(values: tuple[str, ...]) -> frozenset[ChronicCondition]:
    try:
        return frozenset(ChronicCondition.parse(v) for v in values)
    except ValueError as error:
        raise click.BadParameter(
            f"未知慢性病 / unknown condition {error}; "
            f"可选 / choose from {ChronicCondition.choices()}",
            param_hint="--condition",
        ) from None


def _community_and_resident(option: Any) -> Any:
    option = click.option(
        "--resident", required=True, help="居民姓名或编号 / resident name or id."
    )(option)
    return click.option(
        "--community", "community_ref", required=True, help="社区名称或编号 / community."
    )(option)


@click.group()
def health() -> None:
    """老年人健康档案:建档、血压等监测、体检 / elderly health records."""


@health.group("file")
def file_group() -> None:
    """健康档案 / health files."""


@file_group.command("open")
@_community_and_resident
@click.option("--on", type=DAY, default=None, help="建档日期(默认今天)/ opened on (default today).")
@click.option("--clinic", default=None, help="签约医疗机构 / partner clinic name or id.")
@click.option(
    "--condition",
    "conditions",
    multiple=True,
    help=f"慢性病,可多次 / chronic condition, repeatable: {ChronicCondition.choices()}.",
)
@click.option("--contact-name", default=None, help="紧急联系人 / contact person.")
@click.option("--contact-relation", default=None, help="与本人关系 / relation (子女, 配偶 …).")
@click.option("--contact-phone", default=None, help="联系人电话 / contact phone.")
def open_file(
    community_ref: str,
    resident: str,
    on: datetime | None,
    clinic: str | None,
    conditions: tuple[str, ...],
    contact_name: str | None,
    contact_relation: str | None,
    contact_phone: str | None,
) -> None:
    """建立健康档案(60岁以上)/ open a resident's health file (aged 60+)."""
    from .services import HealthRecords

    chosen = _conditions(conditions)
    with get_commons().unit_of_work(get_actor()) as uow:
        community = uow.find_community(community_ref)
        records = HealthRecords(uow)
        person = records.resident(community.id, resident)
        clinic_id = records.clinic(community.id, clinic).id if clinic else None
        opened = records.open_file(
            person.id,
            on=_day(on),
            clinic_id=clinic_id,
            conditions=chosen,
            contact_name=contact_name,
            contact_relation=contact_relation,
            contact_phone=contact_phone,
        )
    click.echo(f"已建档 / file opened: {person.name} {opened.opened_on} ({opened.id})")


@file_group.command("show")
@_community_and_resident
@click.option(
    "--reveal", is_flag=True, help="显示健康数据(记入审计)/ show health values (audited)."
)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / print JSON.")
def show_file(community_ref: str, resident: str, reveal: bool, as_json: bool) -> None:
    """查看健康档案、监测记录与体检 / show a health file, its readings and check-ups."""
    from commons_core import PartnerUnit

    from .services import HealthRecords

    commons = get_commons()
    with commons.unit_of_work(get_actor(), readonly=not reveal) as uow:
        community = uow.find_community(community_ref)
        records = HealthRecords(uow)
        person = records.resident(community.id, resident)
        found = records.file_of(person.id, reveal=reveal)
        readings = records.measurements(person.id, reveal=reveal)
        check_ups = records.check_ups(person.id, reveal=reveal)
        clinics = {u.id: u.name for u in uow.repo(PartnerUnit).find()}
    if as_json:
        echo_json(
            {
                "resident": person.name,
                "file": commons.unstructure(found),
                "measurements": [commons.unstructure(m) for m in readings],
                "check_ups": [commons.unstructure(c) for c in check_ups],
            }
        )
        return
    _print_file(person.name, found, clinics)
    _print_readings(readings)
    _print_check_ups(check_ups, clinics)


def _shown(value: object) -> str:
    return MASKED if value is None else str(value)


def _print_file(name: str, found: HealthFile, clinics: dict[Any, str]) -> None:
    conditions = (
        MASKED if found.conditions is None else "、".join(c.zh for c in sorted(found.conditions))
    )
    click.echo(
        f"{name} · {found.status.zh} / {found.status.en} · {found.opened_on or found.due_on}"
    )
    click.echo(f"慢性病 / conditions: {conditions or '无 / none'}")
    click.echo(f"签约医疗机构 / clinic: {clinics.get(found.clinic_id, '-')}")
    click.echo(
        f"紧急联系人 / contact: {found.contact_name or '-'} {found.contact_relation or ''}"
        f" {found.contact_phone or ''}"
    )


def _print_readings(readings: list[Measurement]) -> None:
    table = Table(
        "日期 / day",
        "血压 / blood pressure (mmHg)",
        "血糖 / glucose (mmol/L)",
        "体重 / weight (kg)",
        title="健康监测 / readings",
    )
    for m in readings:
        table.add_row(
            m.measured_on.isoformat(),
            f"{_shown(m.systolic)}/{_shown(m.diastolic)}",
            _shown(m.glucose),
            _shown(m.weight),
        )
    Console().print(table)


def _print_check_ups(check_ups: list[CheckUp], clinics: dict[Any, str]) -> None:
    table = Table("日期 / day", "机构 / clinic", "结论 / findings", title="体检 / check-ups")
    for c in check_ups:
        table.add_row(c.checked_on.isoformat(), clinics.get(c.clinic_id, ""), _shown(c.findings))
    Console().print(table)


def _record(community_ref: str, resident: str, on: datetime | None, **readings: Any) -> None:
    from .services import HealthRecords

    with get_commons().unit_of_work(get_actor()) as uow:
        community = uow.find_community(community_ref)
        records = HealthRecords(uow)
        person = records.resident(community.id, resident)
        stored = records.record_measurement(person.id, on=_day(on), **readings)
    click.echo(f"已记录 / recorded: {person.name} {stored.measured_on} ({stored.id})")


@health.command("record-bp")
@_community_and_resident
@click.option("--systolic", type=int, required=True, help="收缩压 / systolic (mmHg).")
@click.option("--diastolic", type=int, required=True, help="舒张压 / diastolic (mmHg).")
@click.option("--on", type=DAY, default=None, help="测量日期(默认今天)/ day (default today).")
def record_bp(
    community_ref: str, resident: str, systolic: int, diastolic: int, on: datetime | None
) -> None:
    """记录血压 / record a blood pressure reading."""
    _record(community_ref, resident, on, systolic=systolic, diastolic=diastolic)


@health.command("measure")
@_community_and_resident
@click.option("--systolic", type=int, default=None, help="收缩压 / systolic (mmHg).")
@click.option("--diastolic", type=int, default=None, help="舒张压 / diastolic (mmHg).")
@click.option("--glucose", type=str, default=None, help="血糖 / blood glucose (mmol/L).")
@click.option("--weight", type=str, default=None, help="体重 / weight (kg).")
@click.option("--on", type=DAY, default=None, help="测量日期(默认今天)/ day (default today).")
def measure(
    community_ref: str,
    resident: str,
    systolic: int | None,
    diastolic: int | None,
    glucose: str | None,
    weight: str | None,
    on: datetime | None,
) -> None:
    """记录血压、血糖、体重 / record blood pressure, blood glucose and weight."""
    _record(
        community_ref,
        resident,
        on,
        systolic=systolic,
        diastolic=diastolic,
        glucose=_number(glucose, "--glucose"),
        weight=_number(weight, "--weight"),
    )


def _number(text: str | None, option: str) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text.strip())
    except ArithmeticError:
        raise click.BadParameter(
            f"应为数字 / must be a number: {text}", param_hint=option
        ) from None


@health.command("check-up")
@_community_and_resident
@click.option("--clinic", required=True, help="体检机构 / partner clinic name or id.")
@click.option("--on", type=DAY, default=None, help="体检日期(默认今天)/ day (default today).")
@click.option("--findings", default=None, help="体检结论 / findings.")
def record_check_up(
    community_ref: str, resident: str, clinic: str, on: datetime | None, findings: str | None
) -> None:
    """记录体检 / record a check-up by a partner clinic."""
    from .services import HealthRecords

    with get_commons().unit_of_work(get_actor()) as uow:
        community = uow.find_community(community_ref)
        records = HealthRecords(uow)
        person = records.resident(community.id, resident)
        unit = records.clinic(community.id, clinic)
        stored = records.record_check_up(person.id, unit.id, on=_day(on), findings=findings)
    click.echo(f"已记录体检 / check-up recorded: {person.name} {stored.checked_on} {unit.name}")
