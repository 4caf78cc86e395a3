"""What one request may send: a body's size, how deep its JSON nests, a list's offset.

Each bound answers bad input with a 4xx naming what was too much, in both
languages, before the work starts: a body over :data:`MAX_BODY_BYTES` is 413
(Litestar reads no further, :func:`commons_reference.app.create_app` sets it),
JSON nested deeper than :data:`MAX_JSON_DEPTH` is 422, an offset beyond :data:`MAX_OFFSET` or a page
beyond :data:`MAX_PAGE` is 400 like any parameter out of its range. Days are
bounded by the SDK itself (:mod:`commons_core.reports.calendar`). A NUL character
in a parameter or a form field is 400/422 too: no database stores one.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from commons_core.errors import ValidationError

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_OFFSET",
    "MAX_PAGE",
    "BoundedRequest",
    "refuse_nul",
    "too_deep",
]

MAX_BODY_BYTES = 1 << 20
"""The largest request body, in bytes (1 MiB): a household of twenty members is 20 KB."""
MAX_JSON_DEPTH = 32
"""How deep a JSON body may nest: the API's bodies nest four levels at most."""
MAX_OFFSET = 10**9
"""The largest offset into a list (the audit trail): within every database's integers."""
MAX_PAGE = 10**6
"""The largest page number of a paged list: a million pages of households outnumber a
district's residents."""


def too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the decoded JSON ``value`` nests deeper than ``limit`` (checked without
    recursion, so any depth can be measured)."""
    level: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, dict | list) else []
    while level:
        item, depth = level.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        level.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class BoundedRequest(Request[Any, Any, Any]):
    """A request whose JSON body nests at most :data:`MAX_JSON_DEPTH` deep.

    The decoder gives up on JSON nested a thousand deep with a
    :class:`RecursionError`, which would be a server error; any body deeper
    than the bound is bad input instead, whatever route reads it.
    """

    async def json(self) -> Any:
        """The decoded JSON body; :class:`~commons_core.ValidationError` if it nests too deep."""
        try:
            value = await super().json()
        except RecursionError:
            raise _nested_too_deep() from None
        if too_deep(value):
            raise _nested_too_deep()
        return value

    async def form(self) -> Any:
        """The posted form; :class:`~commons_core.ValidationError` naming a field holding a
        NUL character (no database stores one; PostgreSQL refuses the statement)."""
        form = await super().form()
        for name, value in form.multi_items():
            if isinstance(value, str) and "\0" in value:
                raise _nul(name)
        return form


def refuse_nul(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A guard: a query or path parameter holding a NUL character is bad input (400)."""
    for name, value in connection.query_params.multi_items():
        if "\0" in name or "\0" in value:
            raise _nul(name)
    for name, value in connection.path_params.items():
        if isinstance(value, str) and "\0" in value:
            raise _nul(name)


def _nul(name: str) -> ValidationError:
    shown = name.replace("\0", "\\0")
    return ValidationError.single(
        shown,
        None,
        "text.nul",
        f"{shown} 含有空字符(\\0)",
        f"{shown} holds a NUL character (\\0)",
    )


def _nested_too_deep() -> ValidationError:
    return ValidationError.single(
        "",
        None,
        "json.too_deep",
        f"JSON 请求体嵌套过深(最多 {MAX_JSON_DEPTH} 层)",
        f"the JSON body nests too deep (at most {MAX_JSON_DEPTH} levels)",
    )
