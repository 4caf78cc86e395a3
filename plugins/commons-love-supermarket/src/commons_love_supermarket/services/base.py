"""What every part of the supermarket's service shares: finding a record by name or id,
a month's bounds, and the checks of dates and input lines each operation runs first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TypeVar
from uuid import UUID

from commons_core import ConfigurationError, NotFound, Problem, ValidationError, model_label
from commons_core.services import UnitOfWork
from commons_love_supermarket.model import Item, LotLine, OrderLine
from commons_love_supermarket.tables import item as item_table

__all__ = ["ServiceBase", "lookup", "month_bounds"]

T = TypeVar("T")


def lookup(uow: UnitOfWork, model: type[T], column: str, community_id: UUID, ref: str) -> T:
    """The record of ``model`` in the community with ``ref`` as its id or in ``column``.

    Raises :class:`~commons_core.NotFound`, or :class:`~commons_core.ConfigurationError`
    when several records match (then the id must be used).
    """
    repo = uow.repo(model)
    try:
        condition = repo.table.c.id == UUID(ref)
    except ValueError:
        condition = repo.table.c[column] == ref.strip()
    found = repo.find(repo.table.c.community_id == community_id, condition, limit=2)
    if not found:
        raise NotFound(repo.name, ref)
    if len(found) > 1:
        raise ConfigurationError(
            f"有多条{model_label(model).zh}记录为“{ref}”,请使用编号",
            f"several {model_label(model).en} records match {ref!r}; use the id",
        )
    return found[0]


def month_bounds(day: date) -> tuple[date, date]:
    """The first day of ``day``'s month and the first day of the next month."""
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


class ServiceBase:
    """The unit of work the operations run in, and the checks they share."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def _day(self, on: date | None) -> date:
        today = self.uow.rule_context.today
        day = on or today
        if day > today:
            raise ValidationError.single(
                "on",
                day.isoformat(),
                "date.future",
                f"日期 {day} 晚于今天 {today}",
                f"the date {day} is after today ({today})",
            )
        return day

    def _checked(self, lines: Sequence[T], path: str = "lines") -> list[T]:
        """Input lines normalised by the rules, or every problem at ``lines[i].field``."""
        rules = self.uow.commons.codec.rules
        ready: list[T] = []
        problems: list[Problem] = []
        for i, line in enumerate(lines):
            done, found = rules.prepare(line, self.uow.rule_context)
            ready.append(done)
            problems.extend(p.under(f"{path}[{i}]") for p in found)
        if not ready:
            problems.append(
                Problem(path, [], "love_supermarket.no_lines", "没有商品明细", "no items given")
            )
        if problems:
            raise ValidationError(problems)
        return ready

    def _valid(self, obj: T, path: str = "") -> T:
        """``obj`` normalised by the rules, or every problem in it."""
        done, problems = self.uow.commons.codec.rules.prepare(obj, self.uow.rule_context)
        if problems:
            raise ValidationError(p.under(path) for p in problems)
        return done

    def _items(self, community_id: UUID, lines: Sequence[OrderLine | LotLine]) -> dict[UUID, Item]:
        """The items the lines name, read after the lock; every unknown or repeated one reported."""
        wanted = [line.item_id for line in lines]
        found = {
            i.id: i
            for i in self.uow.repo(Item).find(
                item_table.c.community_id == community_id, item_table.c.id.in_(set(wanted))
            )
        }
        problems: list[Problem] = []
        for i, item_id in enumerate(wanted):
            path = f"lines[{i}].item_id"
            stocked = found.get(item_id)
            if item_id in wanted[:i]:
                problems.append(
                    Problem(
                        path,
                        str(item_id),
                        "love_supermarket.item_twice",
                        "同一商品出现两次,请合并为一行",
                        "the item is given twice; put it on one line",
                    )
                )
            elif stocked is None:
                problems.append(
                    Problem(
                        path,
                        str(item_id),
                        "love_supermarket.item_unknown",
                        "本社区爱心超市没有此商品",
                        "no such item in this community's supermarket",
                    )
                )
            elif not stocked.active:
                problems.append(
                    Problem(
                        path,
                        stocked.name,
                        "love_supermarket.item_inactive",
                        f"{stocked.name}已停售",
                        f"{stocked.name} is no longer sold",
                    )
                )
        if problems:
            raise ValidationError(problems)
        return found
