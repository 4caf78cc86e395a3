"""Commands declared from a plugin's service methods: options, lookups, unit of work and output.

A plugin's command line is mostly the same wiring each time: an option per
argument, parsed like the API parses it; ``--community`` and records named by
their name or id, looked up in scope; a unit of work as the acting user; the
result printed as a table, or as JSON with ``--json``. :func:`command` derives
all of it from the signature of the service method::

    from commons_core.cli.kit import Ref, command, group

    patrol = group(
        "patrol",
        "治安巡逻 / safety patrols.",
        command(
            Patrols.check_in,
            "巡逻签到 / check in on a shift.",
            name="check-in",
            refs={"member_id": PatrolMember, "building_id": Building},
        ),
        command(Patrols.roster, "某期间的班次 / the saved shifts.", readonly=True,
                rename={"start": "--from", "end": "--to"}),
    )

How an argument of the method becomes an option:

- ``community_id`` is ``--community NAME_OR_ID`` (also added, required, when
  another option names a record), found with ``uow.find_community``;
- an argument in ``refs`` (``member_id``) is ``--member NAME_OR_ID``, found with
  :func:`~commons_core.services.lookup.lookup` in that community (by ``name``,
  or the :class:`Ref`'s ``by``): never a silent first match;
- an argument typed with a model class (``incident: Incident``) is one option per
  field of the model (not ``id``, ``community_id``, ``version``), each parsed and
  checked as the field is (:func:`~commons_core.cli.options.converted`), and the
  record is built from them;
- any other argument is parsed by the SDK's converter for its annotation: dates,
  moments (Beijing time unless a zone is given), money, choices by value or
  label, UUIDs (``shift_id`` is ``--shift``); ``bool`` is a flag; a set, tuple or
  list is a repeatable option. An argument with a default is optional.

A method's first argument is ``self`` (the service is made with the unit of
work) or ``uow`` (a function of the unit of work, such as a report's). Each
option's help is the model field's label or the record's, else what ``help``
gives: an option without bilingual help is a :class:`~commons_core.errors.ConfigurationError`
when the command is made, not a bare option in ``--help``; the method's docstring gives
it (``:param at: 签到时间(默认现在)/ when (default now).``), so the SDK's reference and
the command's help say the same. Writes run in
:meth:`~commons_core.services.Commons.transact` (a lost race is retried);
``readonly=True`` commands in a read-only unit of work, unless ``--reveal`` is
given (revealing is audited).
"""

from __future__ import annotations

import inspect
import re
import sys
import types
import typing
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any
from uuid import UUID

import attrs
import click

from commons_core.cli.context import echo_json, get_actor, get_commons
from commons_core.cli.options import ConverterType, FieldType
from commons_core.errors import ConfigurationError
from commons_core.model.fields import field_info, model_label

if TYPE_CHECKING:
    from commons_core.services import UnitOfWork

__all__ = ["Ref", "command", "group", "show"]

COMMUNITY = "community_id"
RECORD_KEYS = frozenset({"id", "community_id", "version"})
"""Fields of a record the command line never sets."""


@attrs.frozen
class Ref:
    """How an option names a record: the model, the column people know it by, the option."""

    model: type
    by: str = "name"
    option: str | None = None


@attrs.frozen
class _Param:
    """One option of a derived command, and how its value reaches the method."""

    argument: str
    option: click.Parameter
    ref: Ref | None = None
    record: type | None = None
    fields: tuple[str, ...] = ()
    container: type | None = None


def group(name: str, help: str, *commands: click.Command) -> click.Group:
    """A click group ``name`` with ``help`` holding ``commands`` (groups nest)."""
    made = click.Group(name, help=help)
    for item in commands:
        made.add_command(item)
    return made


def command(
    method: Callable[..., Any],
    help: str,
    *,
    name: str | None = None,
    service: type | None = None,
    refs: Mapping[str, type | Ref] | None = None,
    rename: Mapping[str, str] | None = None,
    options: Mapping[str, str] | None = None,
    arguments: Sequence[str] = (),
    skip: Iterable[str] = (),
    required: Iterable[str] = (),
    readonly: bool = False,
    defaults: Mapping[str, Callable[[], Any]] | None = None,
    done: str | None = None,
    output: Callable[[Any], None] | None = None,
    as_json: Callable[[Any], Any] | None = None,
) -> click.Command:
    """A command calling ``method`` (a service method or a function of ``uow``).

    :param help: the command's bilingual help (``中文 / English.``).
    :param name: the command's name (default: the method's, dashed).
    :param service: the service class, when ``method`` is inherited from a base.
    :param refs: argument → the model (or :class:`Ref`) of the record it names.
    :param rename: argument (or a record's field) → its option (``{"start": "--from"}``).
    :param options: argument or field → its option's bilingual help.
    :param arguments: arguments given positionally, not as options.
    :param skip: arguments (or fields) left to the method's (the model's) default.
    :param required: optional arguments this command requires (``record-bp --systolic``).
    :param readonly: read in a read-only unit of work (not when ``--reveal`` is given).
    :param defaults: argument or field → what gives its value when the option is not
        given (``{"occurred_at": now}``): the option becomes optional.
    :param done: the bilingual line printed before the result (``已签到 / checked in``).
    :param output: prints the result (default :func:`show`).
    :param as_json: the result as JSON data for ``--json`` (default: the converter's).
    """
    owner = service or _owner(method)
    wants_self = owner is not None
    text = {**_documented(method), **(options or {})}
    found, takes_community = _params(
        method,
        {k: v if isinstance(v, Ref) else Ref(v) for k, v in (refs or {}).items()},
        dict(rename or {}),
        text,
        set(arguments),
        set(skip),
        set(defaults or ()),
    )
    needs_community = takes_community or any(
        p.ref is not None or (p.record is not None and COMMUNITY in attrs.fields_dict(p.record))
        for p in found
    )

    def run(**given: Any) -> None:
        json_wanted = given.pop("as_json")
        community = given.pop("community", None)
        commons = get_commons()

        def work(uow: UnitOfWork) -> Any:
            cid = uow.find_community(community).id if community is not None else None
            kwargs = _kwargs(uow, found, given, cid, defaults or {})
            if takes_community:
                kwargs[COMMUNITY] = cid
            subject = owner(uow) if wants_self and owner is not None else uow
            return method(subject, **kwargs)

        reveal = bool(given.get("reveal"))
        if readonly and not reveal:
            with commons.unit_of_work(get_actor(), readonly=True) as uow:
                result = work(uow)
        else:
            result = commons.transact(get_actor(), work)
        if json_wanted:
            echo_json(as_json(result) if as_json else commons.unstructure(result))
            return
        if done is not None:
            click.echo(done)
        if output is not None:
            output(result)
        else:
            show(result, revealed=reveal)

    params: list[click.Parameter] = []
    if needs_community:
        params.append(
            click.Option(
                ["--community"],
                required=True,
                metavar="NAME_OR_ID",
                help="社区名称或编号 / community name or id.",
            )
        )
    must = set(required)
    for p in found:
        if p.record is None:
            p.option.required = p.option.required or p.argument in must
            params.append(p.option)
    params.append(click.Option(["--json", "as_json"], is_flag=True, help="输出 JSON / print JSON."))
    return click.Command(
        name or method.__name__.replace("_", "-"), callback=run, params=params, help=help
    )


def show(result: Any, *, revealed: bool = False) -> None:
    """Print a result for people: records as rows, a record as its fields.

    A record's fields that hold records (or lists of them) follow as tables of their
    own. Sensitive fields show as ``***`` unless ``revealed`` (the command was given
    ``--reveal``, which the service audited); ``--json`` gives what the service returned.
    """
    from rich.console import Console

    if result is None:
        click.echo("完成 / done.")
    elif isinstance(result, list | tuple) and not result:
        click.echo("无 / none.")
    elif attrs.has(type(result)) or (
        isinstance(result, list | tuple) and all(attrs.has(type(r)) for r in result)
    ):
        Console().print(*_tables(result, _title(type(result)), revealed))
    else:
        click.echo(_text(result))


# -- building the options ----------------------------------------------------------------


def _owner(method: Callable[..., Any]) -> type | None:
    """The class ``method`` is defined on, when its first argument is ``self``."""
    first = next(iter(inspect.signature(method).parameters), None)
    if first != "self":
        return None
    outer = getattr(sys.modules[method.__module__], method.__qualname__.split(".")[0], None)
    if not isinstance(outer, type):
        raise ConfigurationError(
            f"找不到 {method.__qualname__} 所属的类,请给出 service=",
            f"the class of {method.__qualname__} cannot be found: give service=",
        )
    return outer


_PARAM = re.compile(r"^\s*:param (\w+):\s*(.*)$")


def _documented(method: Callable[..., Any]) -> dict[str, str]:
    """``:param name: text`` of ``method``'s docstring, where the text is bilingual."""
    found: dict[str, str] = {}
    current: str | None = None
    for line in (inspect.getdoc(method) or "").splitlines():
        match = _PARAM.match(line)
        if match:
            current = match[1]
            found[current] = match[2]
        elif current is not None and line.startswith(" ") and line.strip():
            found[current] += " " + line.strip()
        else:
            current = None
    return {k: v for k, v in found.items() if _bilingual(v)}


def _bilingual(text: str) -> bool:
    """Whether ``text`` has Chinese and English in it (``签到时间 / when``)."""
    return bool(re.search(r"[\u4e00-\u9fff]", text)) and bool(re.search(r"[A-Za-z]{2}", text))


def _hint(function: Callable[..., Any], argument: str, annotation: Any) -> Any:
    """The type of ``argument``, evaluated alone: other arguments' annotations (``uow``)
    may be imported only for type checkers."""
    if not isinstance(annotation, str):
        return annotation
    try:
        return eval(annotation, vars(sys.modules[function.__module__]))
    except NameError as error:
        raise ConfigurationError(
            f"{function.__qualname__}:参数 {argument} 的类型仅在类型检查时导入({error}),"
            "请在运行时导入或跳过该参数",
            f"{function.__qualname__}: the annotation of {argument} is imported only for type "
            f"checking ({error}); import it at run time, or skip the argument",
        ) from None


def _params(
    method: Callable[..., Any],
    refs: Mapping[str, Ref],
    rename: Mapping[str, str],
    text: Mapping[str, str],
    positional: set[str],
    skip: set[str],
    defaulted: set[str],
) -> tuple[list[_Param], bool]:
    """The options of ``method``'s arguments, and whether it takes ``community_id``."""
    found: list[_Param] = []
    takes_community = False
    for argument, parameter in inspect.signature(method).parameters.items():
        if argument == COMMUNITY:
            takes_community = True
            continue
        if argument in ("self", "uow") or argument in skip:
            continue
        hint = _hint(method, argument, parameter.annotation)
        annotation = _optional(hint)[0]
        optional = parameter.default is not inspect.Parameter.empty
        if attrs.has(annotation) and argument not in refs:
            fields = tuple(
                f.name
                for f in attrs.fields(annotation)
                if f.name not in RECORD_KEYS and f.name not in skip
            )
            found += [
                _field_param(annotation, f, refs, rename, text, f in defaulted) for f in fields
            ]
            found.append(_Param(argument, _RECORD, record=annotation, fields=fields))
            continue
        found.append(
            _option(
                argument,
                hint,
                parameter.default if optional else None,
                optional or argument in defaulted,
                refs.get(argument),
                rename.get(argument),
                text.get(argument) or _ref_help(refs.get(argument)),
                argument in positional,
            )
        )
    return found, takes_community


_RECORD = click.Option(["--_record"], hidden=True)
"""The placeholder of a record argument: its fields are the options."""


def _field_param(
    model: type,
    field: str,
    refs: Mapping[str, Ref],
    rename: Mapping[str, str],
    text: Mapping[str, str],
    defaulted: bool,
) -> _Param:
    attribute = attrs.fields_dict(model)[field]
    hint = typing.get_type_hints(model)[field]
    optional = defaulted or attribute.default is not attrs.NOTHING
    ref = refs.get(field)
    info = field_info(attribute)
    help_text = text.get(field) or _ref_help(ref) or f"{info.label.zh} / {info.label.en}."
    if ref is None and _container(hint) is None and _optional(hint)[0] is not bool:
        decls = [rename.get(field) or _flag(field), field]
        kind = FieldType(model, field)
        option = click.Option(
            decls, type=kind, required=not optional, help=_with_choices(help_text, hint)
        )
        return _Param(field, option)
    default = attribute.default
    if default is attrs.NOTHING or hasattr(default, "factory"):
        default = None
    return _option(field, hint, default, optional, ref, rename.get(field), help_text, False)


def _option(
    argument: str,
    hint: Any,
    default: Any,
    optional: bool,
    ref: Ref | None,
    decl: str | None,
    help_text: str | None,
    positional: bool,
) -> _Param:
    inner, nullable = _optional(hint)
    container = _container(inner)
    if not positional and (help_text is None or not _bilingual(help_text)):
        raise ConfigurationError(
            f"参数 {argument!r} 的选项没有中英文说明:请在方法的文档中写 "
            f"':param {argument}: 中文 / English.',或给出 options=",
            f"option for {argument!r} has no bilingual help: document it in the method "
            f"(':param {argument}: 中文 / English.') or give options=",
        )
    help_text = _with_choices(help_text, inner)
    if positional:
        kind = click.UUID if inner is UUID else ConverterType(inner)
        return _Param(argument, click.Argument([argument], type=kind, required=not optional))
    decls = [ref.option if ref and ref.option else decl or _flag(argument), argument]
    if inner is bool:
        if default is True:
            decls = [f"{decls[0]}/--no-{decls[0][2:]}", argument]
        option = click.Option(decls, is_flag=True, default=bool(default), help=help_text)
        return _Param(argument, option)
    if ref is not None:
        option = click.Option(
            decls, required=not (optional or nullable), metavar="NAME_OR_ID", help=help_text
        )
        return _Param(argument, option, ref=ref)
    kind = ConverterType(container[1] if container else inner)
    option = click.Option(
        decls,
        type=kind,
        multiple=container is not None,
        required=not (optional or nullable) and container is None,
        default=None if default is None or container else default,
        show_default=default is not None and not container,
        help=help_text,
    )
    return _Param(argument, option, container=container[0] if container else None)


def _with_choices(text: str | None, hint: Any) -> str | None:
    """``text`` followed by the choices of a choice type (``待处理 open, …``)."""
    inner = _optional(hint)[0]
    shape = _container(inner)
    choices = getattr(shape[1] if shape else inner, "choices", None)
    return f"{text} {choices()}" if text and callable(choices) else text


def _flag(argument: str) -> str:
    """``shift_id`` → ``--shift``, ``closed_on`` → ``--closed-on``."""
    stem = argument[:-3] if argument.endswith("_id") else argument
    return "--" + stem.replace("_", "-")


def _ref_help(ref: Ref | None) -> str | None:
    if ref is None:
        return None
    name = model_label(ref.model)
    return f"{name.zh}名称或编号 / {name.en} name or id."


def _optional(hint: Any) -> tuple[Any, bool]:
    """``(X, True)`` for ``X | None``, else ``(hint, False)``."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        others = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(others) == 1:
            return others[0], True
    return hint, False


def _container(hint: Any) -> tuple[type, Any] | None:
    """``(frozenset, X)`` for ``frozenset[X]`` (sets, tuples, lists, sequences)."""
    origin = typing.get_origin(hint)
    shapes: dict[Any, type] = {
        frozenset: frozenset,
        set: frozenset,
        AbstractSet: frozenset,
        Collection: frozenset,
        tuple: tuple,
        list: list,
        Sequence: tuple,
    }
    if origin in shapes:
        return shapes[origin], typing.get_args(hint)[0]
    return None


# -- calling -----------------------------------------------------------------------------


def _kwargs(
    uow: UnitOfWork,
    found: Sequence[_Param],
    given: Mapping[str, Any],
    cid: UUID | None,
    defaults: Mapping[str, Callable[[], Any]],
) -> dict[str, Any]:
    """The method's keyword arguments: records looked up, containers and records made."""
    from commons_core.services.lookup import lookup

    values: dict[str, Any] = {}
    for p in found:
        if p.record is not None:
            fields = {f: values.pop(f) for f in p.fields if values.get(f) is not None}
            if cid is not None and COMMUNITY in attrs.fields_dict(p.record):
                fields[COMMUNITY] = cid
            values[p.argument] = p.record(**fields)
            continue
        value = given.get(p.argument)
        if value is None and p.argument in defaults:
            value = defaults[p.argument]()
        if p.ref is not None and value is not None:
            path = p.option.opts[0]
            value = lookup(uow, p.ref.model, value, by=p.ref.by, community_id=cid, path=path).id
        elif p.container is not None:
            value = p.container(value) if value else None
        values[p.argument] = value
    return {k: v for k, v in values.items() if v is not None}


# -- printing ----------------------------------------------------------------------------


def _shown_fields(model: type) -> list[attrs.Attribute[Any]]:
    return [f for f in attrs.fields(model) if f.name not in ("community_id", "version")]


def _nested(value: Any) -> bool:
    """Whether a field's value is a record or a list of records (shown as its own table)."""
    if isinstance(value, list | tuple):
        return bool(value) and all(attrs.has(type(v)) for v in value)
    return attrs.has(type(value))


def _tables(result: Any, title: str | None, revealed: bool) -> list[Any]:
    """Rich tables showing ``result``: one for it, one per record or list it holds."""
    from rich.table import Table

    if isinstance(result, list | tuple):
        if not result:
            return []
        # Links to other records and columns no row fills are left out, sensitive ones
        # kept (as ***): a list stays readable in a terminal.
        fields = [
            f
            for f in _shown_fields(type(result[0]))
            if not f.name.endswith("_id")
            and (
                _sensitive(f)
                or any(getattr(r, f.name) not in (None, (), frozenset()) for r in result)
            )
        ]
        table = Table(*(_heading(f) for f in fields), title=title or _title(type(result[0])))
        for row in result:
            table.add_row(*(_cell(row, f, revealed) for f in fields))
        return [table]
    table = Table("项目 / field", "内容 / value", title=title)
    more: list[Any] = []
    for f in _shown_fields(type(result)):
        value = getattr(result, f.name)
        if _nested(value):
            more += _tables(value, _heading(f), revealed)
        elif not isinstance(value, dict):
            table.add_row(_heading(f), _cell(result, f, revealed))
    return [table, *more] if table.row_count else more


def _heading(field: attrs.Attribute[Any]) -> str:
    try:
        name = field_info(field).label
    except TypeError:
        return field.name.replace("_", " ")
    return f"{name.zh} / {name.en}"


def _title(model: type) -> str | None:
    try:
        name = model_label(model)
    except TypeError:
        return None
    return f"{name.zh} / {name.en}"


def _cell(record: Any, field: attrs.Attribute[Any], revealed: bool) -> str:
    """A field of ``record`` as shown: a sensitive value only when ``revealed``."""
    value = getattr(record, field.name)
    return "***" if _sensitive(field) and not revealed else _text(value)


def _sensitive(field: attrs.Attribute[Any]) -> bool:
    try:
        return field_info(field).sensitivity is not None
    except TypeError:
        return False


def _text(value: Any) -> str:
    """A value as people read it: a choice by its Chinese label, nothing as ``-``."""
    if value is None:
        return "-"
    zh = getattr(value, "zh", None)
    if isinstance(zh, str):
        return zh
    if isinstance(value, frozenset | set | tuple | list):
        return "、".join(sorted(_text(v) for v in value)) or "-"
    return str(value)
