"""``commons patrol …``: rosters, shifts, check-ins, incidents and heightened periods.

The roster command's name and options are a contract::

    commons patrol roster --community 文化路社区 --from 2026-02-01 --to 2026-02-28 [--apply]

prints the proposed roster as a table and saves it only with ``--apply``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.table import Table

from commons_core.cli import echo_json, get_actor, get_commons

from .model import DEFAULT_ZONE, FollowUpStatus, IncidentKind

if TYPE_CHECKING:
    from .roster import RosterProposal

__all__ = ["patrol"]

DAY = click.DateTime(["%Y-%m-%d"])


def _day(value: datetime) -> date:
    return value.date()


def _moment(value: str | None) -> datetime | None:
    """An ISO date-time; without a zone it is Beijing time."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(
            f"应为日期时间,如 2026-02-16T20:15 / must be a date-time such as 2026-02-16T20:15: "
            f"{value}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(DEFAULT_ZONE))


def _heightening(command: Callable[..., None]) -> Callable[..., None]:
    """The options of a heightened period: extra members a shift, extra shifts."""
    command = click.option(
        "--extra-shifts/--no-extra-shifts",
        default=True,
        show_default=True,
        help="增加加强班次 / add the heightened-only shifts.",
    )(command)
    return click.option(
        "--extra-members", type=int, default=1, show_default=True, help="每班加派 / extra."
    )(command)


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


@patrol.command()
@click.option("--community", "community_ref", required=True, help="社区名称或编号 / community.")
@click.option("--night", type=DAY, default=None, help="日期(默认今天)/ night (default today).")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / print JSON.")
def shifts(community_ref: str, night: datetime | None, as_json: bool) -> None:
    """某晚已保存的班次(含编号与签到)/ the saved shifts of one night, with ids and check-ins."""
    from .services import Patrols

    day = _day(night) if night else date.today()
    commons = get_commons()
    with commons.unit_of_work(get_actor(), readonly=True) as uow:
        community = uow.find_community(community_ref)
        found = Patrols(uow).roster(community.id, day, day)
    if as_json:
        echo_json(
            [
                {
                    "id": str(r.shift.id),
                    "route": r.route,
                    "starts_at": r.shift.starts_at.isoformat(),
                    "ends_at": r.shift.ends_at.isoformat(),
                    "members": [{"member": c.name, "checked_in": c.checked_in} for c in r.crew],
                }
                for r in found
            ]
        )
        return
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


@patrol.command("check-in")
@click.option("--community", "community_ref", required=True, help="社区名称或编号 / community.")
@click.option("--shift", "shift_id", type=click.UUID, required=True, help="班次编号 / shift id.")
@click.option("--member", required=True, help="队员姓名或编号 / member name or id.")
@click.option("--at", default=None, help="签到时间(默认现在)/ when (default now), ISO 8601.")
@click.option("--building", default=None, help="签到楼栋 / building name.")
@click.option("--note", default=None, help="备注 / note.")
def check_in_command(
    community_ref: str,
    shift_id: UUID,
    member: str,
    at: str | None,
    building: str | None,
    note: str | None,
) -> None:
    """巡逻签到 / check in on a shift."""
    from commons_core import Building

    from .model import PatrolMember
    from .services import Patrols

    moment = _moment(at)
    commons = get_commons()
    with commons.unit_of_work(get_actor()) as uow:
        community = uow.find_community(community_ref)
        patrols = Patrols(uow)
        who = patrols.named(PatrolMember, community.id, member)
        where = patrols.named(Building, community.id, building).id if building else None
        done = patrols.check_in(shift_id, who.id, at=moment, building_id=where, note=note)
    click.echo(
        f"已签到 / checked in: {who.name} {done.checked_in_at.astimezone(ZoneInfo(DEFAULT_ZONE))}"
    )


@patrol.command()
@click.option("--community", "community_ref", required=True, help="社区名称或编号 / community.")
@click.option(
    "--kind",
    required=True,
    help=f"类别 / kind: {IncidentKind.choices()}.",
)
@click.option("--description", required=True, help="情况描述 / what was found.")
@click.option("--at", default=None, help="发现时间(默认现在)/ when (default now), ISO 8601.")
@click.option("--route", default=None, help="路线 / route name.")
@click.option("--building", default=None, help="楼栋 / building name.")
@click.option("--shift", "shift_id", type=click.UUID, default=None, help="班次编号 / shift id.")
@click.option("--member", default=None, help="报告队员 / reported by (member name).")
def incident(
    community_ref: str,
    kind: str,
    description: str,
    at: str | None,
    route: str | None,
    building: str | None,
    shift_id: UUID | None,
    member: str | None,
) -> None:
    """上报巡逻发现的问题 / report an incident found on patrol."""
    from commons_core import Building

    from .model import Incident, PatrolMember, PatrolRoute
    from .services import Patrols

    try:
        parsed = IncidentKind.parse(kind)
    except ValueError:
        raise click.BadParameter(
            f"应为以下之一 / must be one of: {IncidentKind.choices()}", param_hint="--kind"
        ) from None
    moment = _moment(at) or datetime.now(ZoneInfo(DEFAULT_ZONE))
    commons = get_commons()
    with commons.unit_of_work(get_actor()) as uow:
        community = uow.find_community(community_ref)
        patrols = Patrols(uow)
        found = patrols.report_incident(
            Incident(
                community_id=community.id,
                kind=parsed,
                description=description,
                occurred_at=moment,
                route_id=patrols.named(PatrolRoute, community.id, route).id if route else None,
                building_id=patrols.named(Building, community.id, building).id
                if building
                else None,
                shift_id=shift_id,
                reported_by_id=patrols.named(PatrolMember, community.id, member).id
                if member
                else None,
            )
        )
    click.echo(f"已登记 / recorded: {found.id} ({parsed.zh} / {parsed.en})")


@patrol.command("follow-up")
@click.argument("incident_id", type=click.UUID)
@click.option("--status", required=True, help=f"处理状态 / status: {FollowUpStatus.choices()}.")
@click.option("--note", default=None, help="处理情况 / what was done.")
@click.option("--closed-on", type=DAY, default=None, help="办结日期 / closed on.")
def follow_up(incident_id: UUID, status: str, note: str | None, closed_on: datetime | None) -> None:
    """更新问题的处理状态 / move an incident's follow-up on."""
    from .services import Patrols

    try:
        parsed = FollowUpStatus.parse(status)
    except ValueError:
        raise click.BadParameter(
            f"应为以下之一 / must be one of: {FollowUpStatus.choices()}", param_hint="--status"
        ) from None
    commons = get_commons()
    with commons.unit_of_work(get_actor()) as uow:
        Patrols(uow).follow_up(
            incident_id,
            parsed,
            follow_up=note,
            closed_on=_day(closed_on) if closed_on else None,
        )
    click.echo(f"已更新 / updated: {incident_id} → {parsed.zh} / {parsed.en}")


@patrol.command()
@click.option("--community", "community_ref", required=True, help="社区名称或编号 / community.")
@click.option("--year", type=int, required=True, help="年份 / year.")
@_heightening
def holidays(community_ref: str, year: int, extra_members: int, extra_shifts: bool) -> None:
    """把法定节假日登记为加强时段 / add the year's public holidays as heightened periods."""
    from .services import Patrols

    commons = get_commons()
    with commons.unit_of_work(get_actor()) as uow:
        community = uow.find_community(community_ref)
        added = Patrols(uow).add_public_holidays(
            community.id, year, extra_members=extra_members, extra_shifts=extra_shifts
        )
    for period in added:
        click.echo(f"{period.name} {period.starts_on} – {period.ends_on}")
    click.echo(f"已添加 {len(added)} 个时段 / added {len(added)} periods.")


@patrol.command()
@click.option("--community", "community_ref", required=True, help="社区名称或编号 / community.")
@click.option("--name", required=True, help="名称 / name, e.g. 两会安保.")
@click.option("--from", "start", type=DAY, required=True, help="开始日期 / first day.")
@click.option("--to", "end", type=DAY, required=True, help="结束日期 / last day.")
@_heightening
def period(
    community_ref: str,
    name: str,
    start: datetime,
    end: datetime,
    extra_members: int,
    extra_shifts: bool,
) -> None:
    """登记重点时段(加强排班)/ add a named sensitive period with heightened rosters."""
    from .model import SensitivePeriod
    from .services import Patrols

    commons = get_commons()
    with commons.unit_of_work(get_actor()) as uow:
        community = uow.find_community(community_ref)
        Patrols(uow).add(
            SensitivePeriod(
                community_id=community.id,
                name=name,
                starts_on=_day(start),
                ends_on=_day(end),
                extra_members=extra_members,
                extra_shifts=extra_shifts,
            )
        )
    click.echo(f"已添加 / added: {name} {_day(start)} – {_day(end)}")
