"""What every command shares: the database URL, the acting user, and the open SDK."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from commons_core.access import Actor
    from commons_core.plugins import PluginHost
    from commons_core.services import Commons

__all__ = ["CliState", "echo_json", "get_actor", "get_commons", "get_state"]


class CliState:
    """Set up by the ``commons`` group; commands reach it with :func:`get_state`."""

    def __init__(self, db_url: str, as_user: str | None, debug: bool, host: PluginHost) -> None:
        self.db_url = db_url
        self.as_user = as_user
        self.debug = debug
        self.host = host
        self._commons: Commons | None = None
        self._actor: Actor | None = None

    def commons(self) -> Commons:
        """The SDK opened on ``--db``, with the plugins loaded for this run."""
        if self._commons is None:
            from commons_core import open_commons

            self._commons = open_commons(self.db_url, host=self.host)
        return self._commons

    def actor(self) -> Actor:
        """Who this run acts as: the ``--as`` user, or the local administrator."""
        if self._actor is None:
            from commons_core.access import Actor
            from commons_core.services.users import UserService

            if self.as_user is None:
                self._actor = Actor.local_admin()
            else:
                with self.commons().unit_of_work(Actor.local_admin(), readonly=True) as uow:
                    self._actor = UserService(uow).get(self.as_user).actor()
        return self._actor

    def close(self) -> None:
        """Release the database."""
        if self._commons is not None:
            self._commons.close()


def get_state(ctx: click.Context | None = None) -> CliState:
    """The shared state of this command line run."""
    ctx = ctx or click.get_current_context()
    state = ctx.find_object(CliState)
    if state is None:
        raise click.UsageError("commons commands must run under the commons group")
    return state


def get_commons(ctx: click.Context | None = None) -> Commons:
    """The SDK handle, for plugins' commands: ``get_commons().unit_of_work(get_actor())``."""
    return get_state(ctx).commons()


def get_actor(ctx: click.Context | None = None) -> Actor:
    """The actor of this run (``--as USERNAME``, or the local administrator)."""
    return get_state(ctx).actor()


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON, Chinese kept as it is."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
