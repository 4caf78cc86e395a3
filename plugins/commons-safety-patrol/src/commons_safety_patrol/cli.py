"""``commons patrol …``: rosters, shifts, check-ins, incidents and heightened periods.

The roster command's name and options are a contract::

    commons patrol roster --community 文化路社区 --from 2026-02-01 --to 2026-02-28 [--apply]

prints the proposed roster as a table and saves it only with ``--apply``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.table import Table

from commons_core import Building
from commons_core.cli import echo_json, get_actor, get_commons
from commons_core.cli.kit import Ref, command

from .model import DEFAULT_ZONE, PatrolMember, PatrolRoute
from .services import Patrols, RosterShift

if TYPE_CHECKING:
    from .roster import RosterProposal

__all__ = ["patrol"]

DAY = click.DateTime(["%Y-%m-%d"])


def _day(value: datetime) -> date:
    return value.date()


@click.group()
def patrol() -> None:
    """治安巡逻:排班、签到、发现问题 / safety patrols: rosters, check-ins, incidents."""


@patrol.command()
@click.option("--community", "community_ref", required=True, help="社区名称或编号 / community.")
@click.option("--from", "start", type=DAY, required=True, help="起始日期 / first night.")
@click.option("--to", "end", type=DAY, required=True, help="结束日期 / last night.")
@click.option("--apply", "apply_", is_flag=True, help="保存排班 / save the roster.")
@click.option(
    "--allow-gaps", is_flag=True, help="有缺人班次时仍保存 / save even if shifts are short."
)
@click.option(
    "--min-rest-hours",
    type=int,
    default=None,
    help="两班之间最少休息小时数 / minimum hours of rest between two shifts (default 8).",
)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / print JSON.")
def roster(
    community_ref: str,
    start: datetime,
    end: datetime,
    apply_: bool,
    allow_gaps: bool,
    min_rest_hours: int | None,
    as_json: bool,
) -> None:
    """生成排班并显示;加 --apply 才保存 / propose a roster; --apply saves it."""
    from .roster import RosterRules
    from .services import Patrols

    rules = RosterRules() if min_rest_hours is None else RosterRules(min_rest_hours)
    commons = get_commons()
    with commons.unit_of_work(get_actor(), readonly=not apply_) as uow:
        community = uow.find_community(community_ref)
        patrols = Patrols(uow)
        proposal = patrols.propose(community.id, _day(start), _day(end), rules)
        _show_roster(community.name, proposal, as_json, apply_)
        if apply_:
            saved = patrols.apply(proposal, allow_gaps=allow_gaps)
    if as_json:
        return
    if apply_:
        click.echo(f"已保存 {len(saved)} 个班次 / saved {len(saved)} shifts.")
    else:
        click.echo("未保存;加 --apply 保存 / not saved; add --apply to save it.")


def _show_roster(name: str, proposal: RosterProposal, as_json: bool, apply_: bool) -> None:
    if as_json:
        echo_json(_roster_json(name, proposal, apply_))
        return
    table = Table(
        "日期 / night",
        "星期 / day",
        "班次 / shift",
        "时间 / time",
        "路线 / route",
        "队员 / members",
        "加强 / heightened",
        title=f"巡逻排班 / patrol roster · {name} · {proposal.start} – {proposal.end}",
    )
    for planned in proposal.shifts:
        slot = planned.slot
        zone = ZoneInfo(slot.template.zone)
        short = len(planned.members) < slot.needed
        table.add_row(
            slot.night.isoformat(),
            f"{slot.night:%a}",
            slot.template.name,
            f"{slot.starts_at.astimezone(zone):%H:%M}–{slot.ends_at.astimezone(zone):%H:%M}",
            slot.route.name,
            "、".join(m.name for m in planned.members) + (" ⚠" if short else ""),
            slot.period.name if slot.period else "",
        )
    console = Console()
    console.print(table)
    click.echo(
        f"新排 {len(proposal.shifts)} 个班次,已有 {proposal.kept} 个,缺人 {len(proposal.gaps)} 个"
        f" / {len(proposal.shifts)} new shifts, {proposal.kept} already saved,"
        f" {len(proposal.gaps)} short"
    )
    if proposal.gaps:
        click.echo("以下班次未能排满 / these shifts could not be fully staffed:")
        for gap in proposal.gaps:
            click.echo(gap.zh)
            click.echo(gap.en)


def _roster_json(name: str, proposal: RosterProposal, apply_: bool) -> dict[str, Any]:
    return {
        "community": name,
        "from": proposal.start.isoformat(),
        "to": proposal.end.isoformat(),
        "min_rest_hours": proposal.rules.min_rest_hours,
        "complete": proposal.complete,
        "applied": apply_,
        "kept": proposal.kept,
        "shifts": [
            {
                "id": str(p.shift.id),
                "night": p.slot.night.isoformat(),
                "route": p.slot.route.name,
                "shift": p.slot.template.name,
                "starts_at": p.slot.starts_at.isoformat(),
                "ends_at": p.slot.ends_at.isoformat(),
                "members": [m.name for m in p.members],
                "period": p.slot.period.name if p.slot.period else None,
            }
            for p in proposal.shifts
        ],
        "gaps": [
            {
                "night": g.slot.night.isoformat(),
                "route": g.slot.route.name,
                "shift": g.slot.template.name,
                "needed": g.slot.needed,
                "assigned": [m.name for m in g.assigned],
                "blocked": [
                    {"member": b.member.name, "rule": b.rule.value, "zh": b.zh, "en": b.en}
                    for b in g.blocks
                ],
                "zh": g.zh,
                "en": g.en,
            }
            for g in proposal.gaps
        ],
    }


def _shifts_json(found: list[RosterShift]) -> list[dict[str, Any]]:
    return [
        {
            "id": str(r.shift.id),
            "route": r.route,
            "starts_at": r.shift.starts_at.isoformat(),
            "ends_at": r.shift.ends_at.isoformat(),
            "members": [{"member": c.name, "checked_in": c.checked_in} for c in r.crew],
        }
        for r in found
    ]


def _show_shifts(found: list[RosterShift]) -> None:
    zone = ZoneInfo(DEFAULT_ZONE)
    table = Table("路线 / route", "时间 / time", "队员 / members (✓ 已签到 / checked in)")
    # Users copy the id into check-in commands: never wrap it.
    table.add_column("编号 / id", no_wrap=True, min_width=36)
    for r in found:
        table.add_row(
            r.route,
            f"{r.shift.starts_at.astimezone(zone):%H:%M}–{r.shift.ends_at.astimezone(zone):%H:%M}",
            "、".join(c.name + (" ✓" if c.checked_in else "") for c in r.crew),
            str(r.shift.id),
        )
    Console().print(table)


def _now() -> datetime:
    return datetime.now(ZoneInfo(DEFAULT_ZONE))


for made in (
    command(
        Patrols.night,
        "某晚已保存的班次(含编号与签到)/ the saved shifts of one night, with ids and check-ins.",
        name="shifts",
        readonly=True,
        output=_show_shifts,
        as_json=_shifts_json,
    ),
    command(
        Patrols.check_in,
        "巡逻签到 / check in on a shift.",
        name="check-in",
        refs={"member_id": PatrolMember, "building_id": Building},
        done="已签到 / checked in.",
    ),
    command(
        Patrols.report_incident,
        "上报巡逻发现的问题 / report an incident found on patrol.",
        name="incident",
        refs={
            "route_id": PatrolRoute,
            "building_id": Building,
            "reported_by_id": Ref(PatrolMember, option="--member"),
        },
        rename={"occurred_at": "--at"},
        skip=("status", "follow_up", "closed_on"),
        defaults={"occurred_at": _now},
        done="已登记 / recorded.",
    ),
    command(
        Patrols.follow_up,
        "更新问题的处理状态 / move an incident's follow-up on.",
        name="follow-up",
        arguments=("incident_id",),
        rename={"follow_up": "--note"},
        done="已更新 / updated.",
    ),
    command(
        Patrols.add_public_holidays,
        "把法定节假日登记为加强时段 / add the year's public holidays as heightened periods.",
        name="holidays",
        done="已添加节假日时段 / holiday periods added.",
    ),
    command(
        Patrols.add_period,
        "登记重点时段(加强排班)/ add a named sensitive period with heightened rosters.",
        name="period",
        rename={"starts_on": "--from", "ends_on": "--to"},
        done="已添加 / added.",
    ),
):
    patrol.add_command(made)
