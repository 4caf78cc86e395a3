"""The audit trail: append-only, one keyed hash chain per community.

Every create, update, delete, reveal and export is recorded in the same
transaction as the change: the actor (the application user, not the
database login), the time, the action, the entity and key, where the record
lies (grid zone, household, resident: row-level security scopes the trail like
the rows it describes), and the changed fields' old and new values with
sensitive values masked. Entries are buffered in the unit of work and written
once per batch.

Each entry's hash is an HMAC-SHA256, with the deployment's ``audit-chain`` key
(:mod:`commons_core.keys`, held outside the database), of its content and the
previous entry's hash; the entry names the key (``key_id``) so keys can be
rotated. The ``audit_head`` row of each community holds the last sequence
number and hash. On PostgreSQL the application role writes neither the trail
nor its heads: two functions owned by the tables' owner
(:mod:`commons_core.storage.row_security`) lock a head, then append entries and
move the head only forward, only over entries that link.
:mod:`commons_core.services.audit_check` verifies the chains and checkpoints them
outside the database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import attrs
from sqlalchemy import Connection, insert, select, text, update

from commons_core.storage.bulk import insert_rows
from commons_core.storage.internal import internal
from commons_core.storage.tables import audit_entry, audit_head

__all__ = [
    "NO_COMMUNITY",
    "AuditBuffer",
    "AuditEntry",
    "ChainKey",
    "Where",
    "entry_digest",
    "entry_hash",
    "read_entries",
]

NO_COMMUNITY = UUID(int=0)
"""The chain of entries that concern no community (users, street offices)."""

GENESIS = "0" * 64


@attrs.frozen
class Where:
    """Where the record an entry describes lies: its grid zone, household and resident."""

    grid_zone_id: UUID | None = None
    household_id: UUID | None = None
    resident_id: UUID | None = None


NOWHERE = Where()


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

    @property
    def where(self) -> Where:
        """Where the described record lies."""
        return Where(self.grid_zone_id, self.household_id, self.resident_id)


@attrs.frozen
class ChainKey:
    """The key new entries are hashed with: its id and the derived ``audit-chain`` secret."""

    key_id: str
    secret: bytes = attrs.field(repr=False)

    def digest(self, text: str) -> str:
        """The HMAC-SHA256 of ``text`` in hex."""
        return hmac.new(self.secret, text.encode(), hashlib.sha256).hexdigest()


@attrs.frozen
class _Pending:
    community_id: UUID
    at: datetime
    actor: str
    action: str
    entity: str
    key: str
    changes: dict[str, Any]
    where: Where = NOWHERE


_dumps = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
"""The canonical JSON of the hash (and of stored changes, serialised once for both)."""


def entry_hash(
    chain_key: ChainKey,
    community_id: UUID,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    key: str,
    where: Where,
    changes: dict[str, Any],
    prev_hash: str,
) -> str:
    """The keyed hash of an entry's canonical JSON form, chained to ``prev_hash``."""
    head = _entry_head(community_id, seq, at, actor, action, entity, key, where)
    return chain_key.digest(_chained_text(head, _dumps(changes), prev_hash))


def entry_digest(chain_key: ChainKey, entry: AuditEntry, prev_hash: str | None = None) -> str:
    """The keyed hash ``entry`` should carry, chained to ``prev_hash`` (default: its own)."""
    return entry_hash(
        chain_key,
        entry.community_id,
        entry.seq,
        entry.at,
        entry.actor,
        entry.action,
        entry.entity,
        entry.key,
        entry.where,
        entry.changes,
        entry.prev_hash if prev_hash is None else prev_hash,
    )


def _entry_head(
    community_id: UUID,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    key: str,
    where: Where = NOWHERE,
) -> str:
    """The canonical JSON of the entry's fields before its changes, without the closing ``]``."""
    place = [None if v is None else str(v) for v in attrs.astuple(where)]
    return _dumps([str(community_id), seq, _utc_text(at), actor, action, entity, key, *place])[:-1]


def _chained_text(head: str, changes_json: str, prev_hash: str) -> str:
    # The same text as dumping the whole list: list items are joined by "," alone.
    return f"{head},{changes_json},{_dumps(prev_hash)}]"


def _utc_text(at: datetime) -> str:
    # SQLite hands back naive UTC, PostgreSQL aware: hash one form of both.
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


class AuditBuffer:
    """Entries recorded in a unit of work, not yet written."""

    def __init__(self, actor: str, chain_key: ChainKey) -> None:
        self.actor = actor
        self.chain_key = chain_key
        self._pending: list[_Pending] = []

    def record(
        self,
        community_id: UUID | None,
        action: str,
        entity: str,
        key: object,
        changes: dict[str, Any],
        at: datetime | None = None,
        where: Where = NOWHERE,
    ) -> None:
        """Buffer one entry; ``changes`` must be JSON-ready with sensitive values masked.

        ``at`` is when it happened (now if not given): the records of one batch
        written in one statement share the batch's time. ``where`` says where
        the record lies, so that zone- and household-scoped readers see the
        entries about their records and no others.
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
                where=where,
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
        base = hmac.new(self.chain_key.secret, digestmod=hashlib.sha256)
        # A fixed order of head locks keeps concurrent writers from deadlocking.
        for community_id in sorted(by_community):
            first, prev = _lock_head(connection, community_id)
            seq = first
            rows = []
            heads = _HeadMaker(community_id)
            for entry in by_community[community_id]:
                seq += 1
                # One serialisation of the changes: hashed, and stored as it is.
                changes = _dumps(entry.changes)
                signer = base.copy()
                signer.update(_chained_text(heads.make(seq, entry), changes, prev).encode())
                digest = signer.hexdigest()
                where = entry.where
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
                        "key_id": self.chain_key.key_id,
                        "grid_zone_id": where.grid_zone_id,
                        "household_id": where.household_id,
                        "resident_id": where.resident_id,
                    }
                )
                prev = digest
            _append(connection, community_id, first, rows)
            written += len(rows)
        self._pending.clear()
        return written


class _HeadMaker:
    """:func:`_entry_head` for many entries of one community, its constant parts made once.

    JSON joins list items with "," alone, so the head is the concatenation of
    each item's own JSON: the community, each distinct time, each
    actor/action/entity and each place are serialised once per flush, not once
    per entry.
    """

    def __init__(self, community_id: UUID) -> None:
        self.start = f"[{_dumps(str(community_id))},"
        self.times: dict[datetime, str] = {}
        self.middles: dict[tuple[str, str, str], str] = {}
        self.places: dict[Where, str] = {}

    def make(self, seq: int, entry: _Pending) -> str:
        """The head of ``entry``, number ``seq`` in the chain."""
        at = self.times.get(entry.at)
        if at is None:
            at = self.times[entry.at] = _dumps(_utc_text(entry.at))
        what = (entry.actor, entry.action, entry.entity)
        middle = self.middles.get(what)
        if middle is None:
            middle = self.middles[what] = "".join(f",{_dumps(part)}" for part in what)
        place = self.places.get(entry.where)
        if place is None:
            values = (None if v is None else str(v) for v in attrs.astuple(entry.where))
            place = self.places[entry.where] = "".join(f",{_dumps(v)}" for v in values)
        return f"{self.start}{seq},{at}{middle},{_dumps(entry.key)}{place}"


def _lock_head(connection: Connection, community_id: UUID) -> tuple[int, str]:
    """The community's last sequence number and hash, its head row locked until commit.

    On PostgreSQL a function owned by the tables' owner creates the head if
    missing and locks it (the application role may not write the head);
    SQLite needs no row lock: a writing unit of work holds the database's.
    """
    if connection.dialect.name == "postgresql":
        row = connection.execute(
            internal(text("SELECT seq, hash FROM commons_audit_lock(:community)")),
            {"community": community_id},
        ).one()
        return int(row.seq), str(row.hash)
    query = select(audit_head.c.seq, audit_head.c.hash).where(
        audit_head.c.community_id == community_id
    )
    found = connection.execute(query).one_or_none()
    if found is None:
        connection.execute(
            insert(audit_head).values(community_id=community_id, seq=0, hash=GENESIS)
        )
        return 0, GENESIS
    return int(found.seq), str(found.hash)


_APPEND_COLUMNS = (
    ("seq", "integer"),
    ("at", "timestamptz"),
    ("actor", "text"),
    ("action", "text"),
    ("entity", "text"),
    ("key", "text"),
    ("changes", "text"),
    ("prev_hash", "text"),
    ("hash", "text"),
    ("key_id", "text"),
    ("grid_zone_id", "uuid"),
    ("household_id", "uuid"),
    ("resident_id", "uuid"),
)
_APPEND = (
    "SELECT commons_audit_append(%s, %s, "
    + ", ".join(f"%b::{kind}[]" for _, kind in _APPEND_COLUMNS)
    + ")"
)


def _append(
    connection: Connection, community_id: UUID, first: int, rows: list[dict[str, Any]]
) -> None:
    """Write ``rows`` after entry ``first`` of the chain and move its head to the last.

    On PostgreSQL through the owner's ``commons_audit_append``, which checks that
    the head is still at ``first`` and that the rows link before it writes them
    (the application role may not write the trail or its head itself); the
    columns go as arrays in binary, as bulk inserts send them.
    """
    if connection.dialect.name == "postgresql":
        columns = [[row[name] for row in rows] for name, _ in _APPEND_COLUMNS]
        driver = connection.connection.driver_connection
        assert driver is not None  # an open connection always has its driver connection
        with driver.cursor() as cursor:
            cursor.execute(_APPEND, [community_id, first, *columns])
        return
    insert_rows(connection, audit_entry, rows, ready=("changes",))
    connection.execute(
        update(audit_head)
        .where(audit_head.c.community_id == community_id)
        .values(seq=rows[-1]["seq"], hash=rows[-1]["hash"])
    )


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
    ``offset``, pages through a trail on a screen. Moments are aware, in UTC, on
    every database.
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
        entry = AuditEntry(**row._mapping)
        # SQLite reads the moments back without their zone; they were stored in UTC.
        yield entry if entry.at.tzinfo else attrs.evolve(entry, at=entry.at.replace(tzinfo=UTC))
