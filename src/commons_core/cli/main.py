"""The ``commons`` command line.

Global options come before the command: ``commons --db URL --as USER report …``.
Errors print one clear line (or one per problem) and exit non-zero; the
traceback appears only with ``--debug``. The exit codes:

0
    done.
1
    not done: bad input (one line per problem), a record not found or named
    ambiguously, access denied, a conflict, any other SDK error.
2
    wrong use of the command line: click's usage errors and
    :class:`~commons_core.errors.UsageError`.
3
    refused by a domain rule (:class:`~commons_core.errors.Refused`): the input
    was sound, the records' state does not allow it.
4
    an internal error (a bug): run again with ``--debug`` for the traceback.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from commons_core.cli.context import CliState, get_state
from commons_core.errors import CommonsError, Refused, UsageError, ValidationError

__all__ = ["cli", "main", "make_cli"]

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_INTERNAL = 4


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="commons-core", prog_name="commons")
@click.option(
    "--db",
    "db_url",
    envvar="COMMONS_DATABASE_URL",
    default="sqlite:///commons.db",
    show_default=True,
    help="数据库地址 / database URL (env COMMONS_DATABASE_URL).",
)
@click.option(
    "--as",
    "as_user",
    metavar="USERNAME",
    default=None,
    help="以该用户身份操作 / act as this user (default: the local administrator).",
)
@click.option("--debug", is_flag=True, help="出错时显示调用栈 / show tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, db_url: str, as_user: str | None, debug: bool) -> None:
    """commons:社区居委会数据平台命令行 / the residents' committee data platform."""
    state: CliState = ctx.obj
    state.db_url = db_url
    state.as_user = as_user
    state.debug = debug
    ctx.call_on_close(state.close)


def _register_commands(host: Any, group: click.Group = cli) -> None:
    from commons_core.cli import (
        audit,
        db,
        demo,
        keys,
        plugins,
        privacy,
        reports,
        scaffold,
        transfer,
    )
    from commons_core.cli.users import users

    for command in (
        db.db,
        plugins.plugins,
        demo.demo,
        demo.communities,
        reports.report,
        audit.audit,
        keys.keys,
        privacy.subject,
        privacy.retention,
        scaffold.plugin,
        users,
        *(transfer.template, transfer.import_, transfer.export),
    ):
        group.add_command(command)
    for command in host.cli_commands():
        existing = group.commands.get(command.name or "")
        if existing is command:
            continue  # registered by an earlier main() in this process (tests call it often)
        if existing is not None:
            click.echo(
                f"warning: plugin command {command.name} clashes with a core command", err=True
            )
            continue
        group.add_command(command)


def make_cli(host: Any) -> click.Group:
    """A fresh ``commons`` group with the core's commands and ``host``'s plugins' commands.

    For tests: the group :func:`main` runs is built once per process, while
    each test has a plugin host of its own.
    """
    group = click.Group(
        name=cli.name,
        params=list(cli.params),
        callback=cli.callback,
        help=cli.help,
        context_settings=dict(cli.context_settings),
    )
    _register_commands(host, group)
    return group


def main(argv: list[str] | None = None) -> None:
    """Run the command line (the ``commons`` console script)."""
    from commons_core.plugins import make_plugin_host

    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        host = make_plugin_host()
        # A fresh group per run: registering plugins' commands on the module's group
        # again (a second run in one process) would report them as clashing.
        group = make_cli(host)
        for info in host.plugins:
            if info.status == "broken":
                click.echo(f"警告 / warning: plugin {info.name} is broken: {info.reason}", err=True)
        state = CliState("sqlite:///commons.db", None, debug, host)
        group.main(args=args, prog_name="commons", obj=state, standalone_mode=False)
    except click.exceptions.Exit as stop:
        sys.exit(stop.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.Abort:
        click.echo("已取消 / aborted", err=True)
        sys.exit(EXIT_ERROR)
    except ValidationError as error:
        if debug:
            raise
        click.echo(f"错误 / error: {error.zh} / {error.en}", err=True)
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(EXIT_ERROR)
    except CommonsError as error:
        if debug:
            raise
        prefix, code = "错误 / error", EXIT_ERROR
        if isinstance(error, Refused):
            prefix, code = "已拒绝 / refused", EXIT_REFUSED
        elif isinstance(error, UsageError):
            prefix, code = "用法错误 / usage error", EXIT_USAGE
        click.echo(f"{prefix}: {error}", err=True)
        sys.exit(code)
    except Exception as error:
        if debug:
            raise
        click.echo(
            f"内部错误 / internal error: {type(error).__name__}: {error}"
            " (run with --debug for the traceback)",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)


def debug_enabled() -> bool:
    """Whether ``--debug`` was given (for commands that catch errors themselves)."""
    return get_state().debug
