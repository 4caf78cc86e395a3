"""``commons users``: the logins of the web app, and ending their sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from commons_core.cli.context import echo_json, get_actor, get_commons

if TYPE_CHECKING:
    from commons_core.access import Scope
    from commons_core.services import UnitOfWork


@click.group()
def users() -> None:
    """用户与登录会话 / users and their login sessions (needs user_account:manage)."""


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / print JSON.")
def list_(as_json: bool) -> None:
    """列出用户 / list the users with their roles, scope and state."""
    from commons_core.services.users import UserService

    with get_commons().unit_of_work(get_actor(), readonly=True) as uow:
        found = UserService(uow).list()
    rows = [
        {
            "username": u.username,
            "display_name": u.display_name,
            "roles": list(u.roles),
            "scope": u.scope.kind.value,
            "community_id": str(u.scope.community_id) if u.scope.community_id else None,
            "active": u.active,
        }
        for u in found
    ]
    if as_json:
        echo_json(rows)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("用户 / user", "姓名 / name", "角色 / roles", "范围 / scope", "启用 / active")
    for u in found:
        table.add_row(
            u.username,
            u.display_name or "",
            ", ".join(u.roles),
            u.scope.kind.value,
            "是 / yes" if u.active else "否 / no",
        )
    Console().print(table)


@users.command()
@click.argument("username")
@click.option(
    "--role", "roles", multiple=True, required=True, help="角色,可重复 / role (repeatable)."
)
@click.option("--community", "community_ref", metavar="NAME_OR_ID", help="社区 / community.")
@click.option("--zone", type=int, metavar="NUMBER", help="网格编号 / grid zone number.")
@click.option("--household", "household_no", metavar="NO", help="户号 / household number.")
@click.option("--display-name", help="显示名 / name shown in the web app.")
def add(
    username: str,
    roles: tuple[str, ...],
    community_ref: str | None,
    zone: int | None,
    household_no: str | None,
    display_name: str | None,
) -> None:
    """新建用户并打印初始密码 / create a user and print a generated password.

    Without --community the user acts over every community; --zone or
    --household narrow it within the community.
    """
    from commons_core.services.users import UserService, new_password

    password = new_password()
    with get_commons().unit_of_work(get_actor()) as uow:
        scope = _scope(uow, community_ref, zone, household_no)
        UserService(uow).create(
            username, roles=roles, scope=scope, password=password, display_name=display_name
        )
    click.echo(f"已创建用户 / created user {username}: {scope.kind.value}")
    click.echo(f"初始密码 / password: {password}")
    click.echo("请妥善转交,只显示一次 / hand it over safely: it is shown only once.")


def _scope(
    uow: UnitOfWork, community_ref: str | None, zone: int | None, household_no: str | None
) -> Scope:
    from commons_core.access import Scope
    from commons_core.errors import NotFound
    from commons_core.model import GridZone, Household

    if community_ref is None:
        if zone is not None or household_no is not None:
            raise click.UsageError(
                "--zone 与 --household 需要 --community / --zone and --household need --community"
            )
        return Scope.everything()
    place = uow.find_community(community_ref)
    if zone is not None and household_no is not None:
        raise click.UsageError("--zone 与 --household 只能选一 / give --zone or --household")
    if zone is not None:
        table = uow.commons.entity(GridZone).table
        zones = uow.repo(GridZone).find(table.c.community_id == place.id, table.c.number == zone)
        if not zones:
            raise NotFound("grid_zone", zone)
        return Scope.zone(place.id, zones[0].id)
    if household_no is not None:
        table = uow.commons.entity(Household).table
        homes = uow.repo(Household).find(
            table.c.community_id == place.id, table.c.household_no == household_no
        )
        if not homes:
            raise NotFound("household", household_no)
        return Scope.household(place.id, homes[0].id)
    return Scope.community(place.id)


@users.command()
@click.argument("username")
def passwd(username: str) -> None:
    """设新密码(随机生成)并结束其所有会话 / set a new generated password; ends every session."""
    from commons_core.services.users import UserService, new_password

    password = new_password()
    with get_commons().unit_of_work(get_actor()) as uow:
        ended = UserService(uow).set_password(username, password)
    click.echo(f"新密码 / new password of {username}: {password}")
    click.echo(f"已结束会话 / sessions ended: {ended}")


@users.command()
@click.argument("username")
def revoke(username: str) -> None:
    """结束该用户的所有登录会话(记入审计)/ end every session of USER (audited)."""
    from commons_core.services.users import UserService

    with get_commons().unit_of_work(get_actor()) as uow:
        ended = UserService(uow).revoke_sessions(username)
    click.echo(f"已结束 {username} 的会话 / sessions of {username} ended: {ended}")


@users.command()
@click.argument("username")
def disable(username: str) -> None:
    """停用用户并结束其所有会话 / disable USER's login and end every session."""
    from commons_core.services.users import UserService

    with get_commons().unit_of_work(get_actor()) as uow:
        ended = UserService(uow).set_active(username, False)
    click.echo(f"已停用 / disabled {username}; 已结束会话 / sessions ended: {ended}")


@users.command()
@click.argument("username")
def enable(username: str) -> None:
    """重新启用用户 / enable USER's login again."""
    from commons_core.services.users import UserService

    with get_commons().unit_of_work(get_actor()) as uow:
        UserService(uow).set_active(username, True)
    click.echo(f"已启用 / enabled {username}")
