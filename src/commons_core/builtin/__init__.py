"""Built-in features, registered as plugins like any other (datasette's pattern)."""

from commons_core.builtin import core

BUILTIN_PLUGINS: dict[str, object] = {"commons_core": core}

__all__ = ["BUILTIN_PLUGINS"]
