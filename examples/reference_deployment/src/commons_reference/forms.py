"""From submitted input to model objects, through the SDK's converter and rules.

HTML forms name their inputs by the path the SDK uses in its problems
(``household.household_no``, ``members[0].id_number``), so a problem is shown
next to the input it concerns. :func:`unflatten` turns such names into the
nested data the converter structures; :func:`clean_input` reads empty inputs
the way a person means them; :func:`merge_update` builds a changed record
from one read earlier without ever asking the user to retype a masked value.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping
from typing import Any, TypeVar, get_args, get_origin

import attrs

from commons_core.errors import Problem, ValidationError
from commons_core.model import sensitive_fields
from commons_core.model.fields import optional_of
from commons_core.services import Commons

__all__ = ["FORM_CONTROL_KEYS", "clean_input", "merge_update", "problems_by_path", "unflatten"]

T = TypeVar("T")

FORM_CONTROL_KEYS = frozenset({"_csrf_token", "action"})
"""Inputs that steer the form and are not data."""

_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\d{1,3}\])*")
_PART = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")


def unflatten(form: Mapping[str, Any]) -> dict[str, Any]:
    """``{"members[0].name": "张三"}`` → ``{"members": [{"name": "张三"}]}``.

    Keys in :data:`FORM_CONTROL_KEYS` are dropped and list gaps closed up.
    Names that are not paths are kept as they are, so the converter reports
    them as unknown fields.
    """
    result: dict[Any, Any] = {}
    for key, value in form.items():
        if key in FORM_CONTROL_KEYS:
            continue
        if not _NAME.fullmatch(key):
            result[key] = value
            continue
        parts: list[Any] = [
            m.group(1) if m.group(1) is not None else int(m.group(2)) for m in _PART.finditer(key)
        ]
        node = result
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    closed: dict[str, Any] = _close_gaps(result)
    return closed


def _close_gaps(node: Any) -> Any:
    # Lists are collected as dicts keyed by index, then put in order.
    if isinstance(node, dict):
        if node and all(isinstance(k, int) for k in node):
            return [_close_gaps(node[k]) for k in sorted(node)]
        return {k: _close_gaps(v) for k, v in node.items()}
    return node


def clean_input(data: Any, cls: type) -> Any:
    """Read empty inputs of ``data`` (for ``cls``) as a person means them.

    An empty optional field is ``None``; an empty required field other than
    text is left out, so the converter says it is required (an empty text
    field is kept: the converter says it must not be empty). Empty entries
    of a multiple choice are dropped.
    """
    if not isinstance(data, Mapping) or not attrs.has(cls):
        return data
    hints = typing.get_type_hints(cls)
    cleaned: dict[str, Any] = {}
    for key, value in data.items():
        field_type = hints.get(key)
        if field_type is None or value is None:
            cleaned[key] = value
            continue
        inner = optional_of(field_type)
        target = inner if inner is not None else field_type
        if _is_sequence(target) and not isinstance(value, str | Mapping):
            items = [v for v in (value if isinstance(value, list) else [value]) if v != ""]
            item = get_args(target)[0] if get_args(target) else None
            if item is not None and attrs.has(item):
                cleaned[key] = [clean_input(v, item) for v in items]
            else:
                cleaned[key] = items
        elif value == "" and inner is not None:
            cleaned[key] = None
        elif value == "" and target is not str and not _is_sequence(target):
            continue
        elif attrs.has(target):
            cleaned[key] = clean_input(value, target)
        else:
            cleaned[key] = value
    return cleaned


def _is_sequence(type_: Any) -> bool:
    return get_origin(type_) in (frozenset, set, tuple, list)


def merge_update(commons: Commons, current: T, data: Mapping[str, Any]) -> T:
    """``current`` (read earlier, perhaps masked) changed by the fields given in ``data``.

    ``data`` must give the ``version`` the change is based on (a
    :class:`ValidationError` naming ``version`` otherwise), so a change made
    from a stale copy is a conflict, never a silent overwrite. Fields absent
    from ``data`` keep their value. A sensitive field given as
    empty or as its masked form keeps the stored value: the repository
    restores it on update, so nobody retypes an ID number they may not see.
    The result is checked by the converter; :class:`ValidationError` lists
    every problem with the field's name as its path.
    """
    cls = type(current)
    if attrs.has(cls) and "version" in attrs.fields_dict(cls) and data.get("version") in (None, ""):
        raise ValidationError.single(
            "version",
            None,
            "version.required",
            "缺少版本号 version:请一并发送读取记录时的版本,以免覆盖他人的修改",
            "version is required: send the version of the record you read,"
            " so that nobody's change is overwritten",
        )
    masked = {
        name
        for name in sensitive_fields(cls)
        if name not in data
        or data[name] in ("", None)
        or data[name] == commons.unstructure(getattr(current, name))
    }
    payload = {**commons.unstructure(current), **data}
    payload.update(dict.fromkeys(masked))
    changed = commons.structure(clean_input(payload, cls), cls)
    return attrs.evolve(changed, **{name: getattr(current, name) for name in masked})  # type: ignore[misc]


def problems_by_path(problems: typing.Iterable[Problem]) -> dict[str, list[Problem]]:
    """Problems grouped by their path, for showing each next to its input."""
    grouped: dict[str, list[Problem]] = {}
    for problem in problems:
        grouped.setdefault(problem.path, []).append(problem)
    return grouped
