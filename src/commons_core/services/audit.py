"""The audit trail: append-only, one hash chain per community.

Every create, update, delete, reveal and export is recorded in the same
transaction as the change: the actor (the application user, not the
database login), the time, the action, the entity and key, and the changed
fields' old and new values with sensitive values masked. Entries are
buffered in the unit of work and written once per batch.

Each entry's hash covers its content and the previous entry's hash; the
``audit_head`` row of the community holds the last sequence number and hash.
Altering an entry breaks its hash, deleting one breaks the sequence or the
link, deleting the newest ones disagrees with the head: :func:`verify_trail`
finds all three.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import attrs
from sqlalchemy import Connection, insert, select, update

from commons_core.storage.bulk import insert_rows
from commons_core.storage.tables import audit_entry, audit_head

__all__ = ["NO_COMMUNITY", "AuditBuffer", "AuditEntry", "TrailProblem", "verify_trail"]

NO_COMMUNITY = UUID(int=0)
"""The chain of entries that concern no community (users, street offices)."""

GENESIS = "0" * 64


@attrs.frozen
class AuditEntry:
    """One recorded action, as read back from the trail."""

    community_id: UUID
    seq: int
    at: datetime
    actor: str
    action: str
    entity: str
    key: str
    changes: dict[str, Any]
    prev_hash: str
    hash: str
    key_id: str | None = None
    grid_zone_id: UUID | None = None
    household_id: UUID | None = None
    resident_id: UUID | None = None


@attrs.frozen
class _Pending:
    community_id: UUID
    at: datetime
    actor: str
    action: str
    entity: str
    key: str
    changes: dict[str, Any]


_dumps = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
"""The canonical JSON of the hash (and of stored changes, serialised once for both)."""


def entry_hash(
    community_id: UUID,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    key: str,
    changes: dict[str, Any],
    prev_hash: str,
) -> str:
    """The SHA-256 of an entry's canonical JSON form, chained to ``prev_hash``."""
    head = _entry_head(community_id, seq, at, actor, action, entity, key)
    return _chained(head, _dumps(changes), prev_hash)


def _entry_head(
    community_id: UUID, seq: int, at: datetime, actor: str, action: str, entity: str, key: str
) -> str:
    """The canonical JSON of the entry's fields before its changes, without the closing ``]``."""
    return _dumps([str(community_id), seq, _utc_text(at), actor, action, entity, key])[:-1]


def _chained(head: str, changes_json: str, prev_hash: str) -> str:
    # The same text as dumping the whole list: list items are joined by "," alone.
    text = f"{head},{changes_json},{_dumps(prev_hash)}]"
    return hashlib.sha256(text.encode()).hexdigest()


def _utc_text(at: datetime) -> str:
    # SQLite hands back naive UTC, PostgreSQL aware: hash one form of both.
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


class AuditBuffer:
    """Entries recorded in a unit of work, not yet written."""

    def __init__(self, actor: str) -> None:
        self.actor = actor
        self._pending: list[_Pending] = []

    def record(
        self,
        community_id: UUID | None,
        action: str,
        entity: str,
        key: object,
        changes: dict[str, Any],
        at: datetime | None = None,
    ) -> None:
        """Buffer one entry; ``changes`` must be JSON-ready with sensitive values masked.

        ``at`` is when it happened (now if not given): the records of one batch
        written in one statement share the batch's time.
        """
        self._pending.append(
            _Pending(
                community_id=community_id or NO_COMMUNITY,
                at=at or datetime.now(UTC),
                actor=self.actor,
                action=action,
                entity=entity,
                key=str(key),
                changes=changes,
            )
        )

    def __len__(self) -> int:
        return len(self._pending)

    def flush(self, connection: Connection) -> int:
        """Write the buffered entries, chaining each community's in order; return the count."""
        if not self._pending:
            return 0
        by_community: dict[UUID, list[_Pending]] = defaultdict(list)
        for entry in self._pending:
            by_community[entry.community_id].append(entry)
        written = 0
        # A fixed order of head locks keeps concurrent writers from deadlocking.
        for community_id in sorted(by_community):
            seq, prev = _lock_head(connection, community_id)
            rows = []
            heads = _HeadMaker(community_id)
            for entry in by_community[community_id]:
                seq += 1
                # One serialisation of the changes: hashed, and stored as it is.
                changes = _dumps(entry.changes)
                head = heads.make(seq, entry)
                digest = _chained(head, changes, prev)
                rows.append(
                    {
                        "community_id": community_id,
                        "seq": seq,
                        "at": entry.at,
                        "actor": entry.actor,
                        "action": entry.action,
                        "entity": entry.entity,
                        "key": entry.key,
                        "changes": changes,
                        "prev_hash": prev,
                        "hash": digest,
                    }
                )
                prev = digest
            insert_rows(connection, audit_entry, rows, ready=("changes",))
            connection.execute(
                update(audit_head)
                .where(audit_head.c.community_id == community_id)
                .values(seq=seq, hash=prev)
            )
            written += len(rows)
        self._pending.clear()
        return written


class _HeadMaker:
    """:func:`_entry_head` for many entries of one community, its constant parts made once.

    JSON joins list items with "," alone, so the head is the concatenation of
    each item's own JSON: the community, each distinct time and each
    actor/action/entity are serialised once per flush, not once per entry.
    """

    def __init__(self, community_id: UUID) -> None:
        self.start = f"[{_dumps(str(community_id))},"
        self.times: dict[datetime, str] = {}
        self.middles: dict[tuple[str, str, str], str] = {}

    def make(self, seq: int, entry: _Pending) -> str:
        """The head of ``entry``, number ``seq`` in the chain."""
        at = self.times.get(entry.at)
        if at is None:
            at = self.times[entry.at] = _dumps(_utc_text(entry.at))
        what = (entry.actor, entry.action, entry.entity)
        middle = self.middles.get(what)
        if middle is None:
            middle = self.middles[what] = "".join(f",{_dumps(part)}" for part in what)
        return f"{self.start}{seq},{at}{middle},{_dumps(entry.key)}"


def _lock_head(connection: Connection, community_id: UUID) -> tuple[int, str]:
    """The community's last sequence number and hash, its head row locked until commit.

    SQLite needs no row lock: a writing unit of work holds the database's.
    """
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        # Creates the head if missing and locks it, in one statement.
        statement = pg_insert(audit_head).values(community_id=community_id, seq=0, hash=GENESIS)
        statement = statement.on_conflict_do_update(
            index_elements=[audit_head.c.community_id],
            set_={"seq": audit_head.c.seq},
        )
        row = connection.execute(statement.returning(audit_head.c.seq, audit_head.c.hash)).one()
    else:
        query = select(audit_head.c.seq, audit_head.c.hash).where(
            audit_head.c.community_id == community_id
        )
        found = connection.execute(query).one_or_none()
        if found is None:
            connection.execute(
                insert(audit_head).values(community_id=community_id, seq=0, hash=GENESIS)
            )
            return 0, GENESIS
        row = found
    return int(row.seq), str(row.hash)


@attrs.frozen
class TrailProblem:
    """A break in a community's chain."""

    community_id: UUID
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"community {self.community_id} entry {self.seq}: {self.reason}"


def read_entries(
    connection: Connection,
    *,
    community_ids: Sequence[UUID] | None = None,
    since: date | None = None,
    entity: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
    newest_first: bool = False,
) -> Iterator[AuditEntry]:
    """Entries in chain order, optionally filtered.

    ``newest_first`` reverses each community's chain and, with ``limit`` and
    ``offset``, pages through a trail on a screen.
    """
    seq = audit_entry.c.seq.desc() if newest_first else audit_entry.c.seq
    query = select(audit_entry).order_by(audit_entry.c.community_id, seq)
    if community_ids is not None:
        query = query.where(audit_entry.c.community_id.in_(community_ids))
    if since is not None:
        start = datetime(since.year, since.month, since.day, tzinfo=UTC)
        query = query.where(audit_entry.c.at >= start)
    if entity is not None:
        query = query.where(audit_entry.c.entity == entity)
    if limit is not None:
        query = query.limit(limit)
    if offset is not None:
        query = query.offset(offset)
    for row in connection.execute(query):
        yield AuditEntry(**row._mapping)


def verify_trail(
    connection: Connection, community_ids: Sequence[UUID] | None = None
) -> tuple[int, list[TrailProblem]]:
    """Recompute every chain; return the number of entries checked and the breaks found."""
    problems: list[TrailProblem] = []
    checked = 0
    last: dict[UUID, tuple[int, str]] = {}
    for entry in read_entries(connection, community_ids=community_ids):
        checked += 1
        seq, prev = last.get(entry.community_id, (0, GENESIS))
        if entry.seq != seq + 1:
            problems.append(
                TrailProblem(entry.community_id, entry.seq, f"missing entries after {seq}")
            )
        elif entry.prev_hash != prev:
            problems.append(
                TrailProblem(entry.community_id, entry.seq, "link to previous entry is broken")
            )
        expected = entry_hash(
            entry.community_id,
            entry.seq,
            entry.at,
            entry.actor,
            entry.action,
            entry.entity,
            entry.key,
            entry.changes,
            entry.prev_hash,
        )
        if expected != entry.hash:
            problems.append(TrailProblem(entry.community_id, entry.seq, "entry was altered"))
        last[entry.community_id] = (entry.seq, entry.hash)
    heads = select(audit_head)
    if community_ids is not None:
        heads = heads.where(audit_head.c.community_id.in_(community_ids))
    for head in connection.execute(heads):
        seq, digest = last.get(head.community_id, (0, GENESIS))
        if (head.seq, head.hash) != (seq, digest):
            problems.append(
                TrailProblem(
                    head.community_id,
                    head.seq,
                    f"trail ends at entry {seq} but the head records entry {head.seq}",
                )
            )
    return checked, problems
