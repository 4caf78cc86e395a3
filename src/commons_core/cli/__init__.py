"""The ``commons`` command line; plugins add commands through ``commons_cli_commands``."""

from commons_core.cli.context import echo_json, get_actor, get_commons
from commons_core.cli.main import cli, main

__all__ = ["cli", "echo_json", "get_actor", "get_commons", "main"]
