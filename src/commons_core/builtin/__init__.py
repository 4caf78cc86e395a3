"""Built-in features, registered as plugins like any other (datasette's pattern)."""

from commons_core.builtin.core import core
from commons_core.plugin import Plugin

BUILTIN_PLUGINS: dict[str, Plugin] = {"commons_core": core}

__all__ = ["BUILTIN_PLUGINS"]
