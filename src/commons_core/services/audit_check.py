"""Checking the audit trail: its keyed chains, its heads, and checkpoints kept outside.

:func:`verify_trail` recomputes every chain with the deployment's keys: an
altered entry breaks its keyed hash (which nobody without the key file can
recompute), a deleted one breaks the sequence or the link, deleting the newest
ones disagrees with the head, and a community whose whole trail and head were
deleted is found by its record having no trail. What someone who can write the
database could still do unseen — delete the newest entries *and* rewind the
head, or delete a deleted community's trail — a checkpoint catches:
:func:`make_checkpoint` records every chain's last entry, signed with the
``audit-checkpoint`` key, in a file kept outside the database, and
:func:`check_checkpoint` finds any chain that no longer reaches it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
from sqlalchemy import Connection, bindparam, select, update

from commons_core.errors import ConfigurationError
from commons_core.keys import KeyRing
from commons_core.services.audit import (
    GENESIS,
    NO_COMMUNITY,
    ChainKey,
    _dumps,
    _utc_text,
    entry_digest,
    read_entries,
)
from commons_core.storage.tables import audit_entry, audit_head, community, user_account

__all__ = [
    "Checkpoint",
    "TrailProblem",
    "check_checkpoint",
    "latest_checkpoint",
    "make_checkpoint",
    "rekey_legacy_trail",
    "verify_trail",
    "write_checkpoint",
]

_CHECKPOINT_FORMAT = 1


@attrs.frozen
class TrailProblem:
    """A break in a community's chain, in English (``reason``) and Chinese (``zh``)."""

    community_id: UUID
    seq: int
    reason: str
    zh: str = ""

    def __str__(self) -> str:
        zh = f"{self.zh} / " if self.zh else ""
        return f"community {self.community_id} entry {self.seq}: {zh}{self.reason}"


def _chain_keys(keys: KeyRing) -> dict[str, ChainKey]:
    return {k: ChainKey(k, keys.derive("audit-chain", k)) for k in keys.masters}


def verify_trail(
    connection: Connection, keys: KeyRing, community_ids: Sequence[UUID] | None = None
) -> tuple[int, list[TrailProblem]]:
    """Recompute every chain; return the number of entries checked and the breaks found."""
    chain_keys = _chain_keys(keys)
    problems: list[TrailProblem] = []
    checked = 0
    last: dict[UUID, tuple[int, str]] = {}
    for entry in read_entries(connection, community_ids=community_ids):
        checked += 1
        cid = entry.community_id
        seq, prev = last.get(cid, (0, GENESIS))
        if entry.seq != seq + 1:
            problems.append(
                TrailProblem(cid, entry.seq, f"missing entries after {seq}", f"{seq} 之后缺少条目")
            )
        elif entry.prev_hash != prev:
            problems.append(
                TrailProblem(
                    cid, entry.seq, "link to previous entry is broken", "与上一条的链接断开"
                )
            )
        chain_key = chain_keys.get(entry.key_id or "")
        if chain_key is None:
            reason = (
                ("entry is not keyed", "条目没有密钥签名")
                if entry.key_id is None
                else (
                    f"entry names an unknown key {entry.key_id}",
                    f"条目使用未知密钥 {entry.key_id}",
                )
            )
            problems.append(TrailProblem(cid, entry.seq, *reason))
        elif entry.hash != entry_digest(chain_key, entry):
            problems.append(TrailProblem(cid, entry.seq, "entry was altered", "条目被篡改"))
        last[cid] = (entry.seq, entry.hash)
    heads = select(audit_head)
    if community_ids is not None:
        heads = heads.where(audit_head.c.community_id.in_(community_ids))
    headed = set()
    for head in connection.execute(heads):
        headed.add(head.community_id)
        seq, digest = last.get(head.community_id, (0, GENESIS))
        if (head.seq, head.hash) != (seq, digest):
            problems.append(
                TrailProblem(
                    head.community_id,
                    head.seq,
                    f"trail ends at entry {seq} but the head records entry {head.seq}",
                    f"审计链止于第 {seq} 条,而链头记录为第 {head.seq} 条",
                )
            )
    for cid, (seq, _) in last.items():
        if cid not in headed:
            problems.append(TrailProblem(cid, seq, "the chain has no head", "审计链缺少链头"))
    # Accounts that belong to no community were created on the chain of no community.
    if community_ids is None and NO_COMMUNITY not in headed and NO_COMMUNITY not in last:
        unplaced = select(user_account.c.id).where(user_account.c.community_id.is_(None))
        if connection.execute(unplaced.limit(1)).first() is not None:
            problems.append(
                TrailProblem(
                    NO_COMMUNITY,
                    0,
                    "the trail of no community (user accounts) is missing (deleted?)",
                    "不属于任何社区的审计链(用户账号)不见了(被删?)",
                )
            )
    # Every community's creation starts its chain: a community without one lost it all.
    places = select(community.c.id)
    if community_ids is not None:
        places = places.where(community.c.id.in_(community_ids))
    for cid in connection.execute(places).scalars():
        if cid not in headed and cid not in last:
            problems.append(
                TrailProblem(
                    cid,
                    0,
                    "the community has no audit trail (deleted?)",
                    "社区没有审计记录(被删除?)",
                )
            )
    return checked, problems


@attrs.frozen
class Checkpoint:
    """Every chain's last entry at a moment, signed with the ``audit-checkpoint`` key."""

    created_at: datetime
    database: str
    key_id: str
    heads: dict[UUID, tuple[int, str]]
    signature: str = ""

    def _payload(self) -> dict[str, Any]:
        return {
            "format": _CHECKPOINT_FORMAT,
            "created_at": _utc_text(self.created_at),
            "database": self.database,
            "key_id": self.key_id,
            "heads": {str(c): [s, h] for c, (s, h) in sorted(self.heads.items())},
        }

    def signed(self, keys: KeyRing) -> Checkpoint:
        """This checkpoint with its signature made with the current key."""
        unsigned = attrs.evolve(self, key_id=keys.current)
        return attrs.evolve(unsigned, signature=_sign(keys, unsigned._payload(), keys.current))

    def valid(self, keys: KeyRing) -> bool:
        """Whether the signature is this deployment's (with the key it names)."""
        if self.key_id not in keys.masters:
            return False
        expected = _sign(keys, self._payload(), self.key_id)
        return hmac.compare_digest(expected, self.signature)

    def to_json(self) -> str:
        """The file's text."""
        return json.dumps({**self._payload(), "signature": self.signature}, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        """Read a checkpoint file's text (:class:`ValueError` if it is not one)."""
        data = json.loads(text)
        if data.get("format") != _CHECKPOINT_FORMAT:
            raise ValueError("not a checkpoint")
        return cls(
            created_at=datetime.fromisoformat(data["created_at"]).replace(tzinfo=UTC),
            database=str(data["database"]),
            key_id=str(data["key_id"]),
            heads={UUID(c): (int(s), str(h)) for c, (s, h) in data["heads"].items()},
            signature=str(data["signature"]),
        )


def _sign(keys: KeyRing, payload: dict[str, Any], key_id: str) -> str:
    secret = keys.derive("audit-checkpoint", key_id)
    return hmac.new(secret, _dumps(payload).encode(), hashlib.sha256).hexdigest()


def make_checkpoint(
    connection: Connection,
    keys: KeyRing,
    database: str,
    community_ids: Sequence[UUID] | None = None,
    leave_out: Collection[UUID] = (),
) -> Checkpoint:
    """A signed checkpoint of every chain's head (those in ``community_ids``, else all),
    but those in ``leave_out`` (chains that do not verify: never blessed)."""
    query = select(audit_head.c.community_id, audit_head.c.seq, audit_head.c.hash)
    if community_ids is not None:
        query = query.where(audit_head.c.community_id.in_(community_ids))
    heads = {
        row.community_id: (int(row.seq), str(row.hash))
        for row in connection.execute(query)
        if row.community_id not in leave_out
    }
    return Checkpoint(datetime.now(UTC), database, keys.current, heads).signed(keys)


def write_checkpoint(checkpoint: Checkpoint, folder: Path) -> Path:
    """Write ``checkpoint`` into ``folder`` as ``checkpoint-<UTC time>.json``; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"checkpoint-{checkpoint.created_at:%Y%m%dT%H%M%S%fZ}.json"
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(checkpoint.to_json(), encoding="utf-8")
    partial.replace(path)
    return path


def latest_checkpoint(folder: Path, keys: KeyRing) -> Checkpoint | None:
    """The newest checkpoint in ``folder`` (``None`` if there is none).

    A file there that is not a checkpoint signed with this deployment's keys
    is an error: someone put it there, or altered it.
    """
    if not folder.is_dir():
        return None
    files = sorted(folder.glob("checkpoint-*.json"))
    if not files:
        return None
    try:
        found = Checkpoint.from_json(files[-1].read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigurationError(
            f"检查点 {files[-1]} 无法读取:{error}", f"checkpoint {files[-1]} is unreadable: {error}"
        ) from None
    if not found.valid(keys):
        raise ConfigurationError(
            f"检查点 {files[-1]} 的签名无效(被篡改,或不是本部署的)",
            f"checkpoint {files[-1]} is not signed with this deployment's key (altered or foreign)",
        )
    return found


def check_checkpoint(
    connection: Connection, checkpoint: Checkpoint, community_ids: Sequence[UUID] | None = None
) -> list[TrailProblem]:
    """Breaks between the trail and ``checkpoint``: every chain must still reach its entry."""
    wanted = {
        c: v for c, v in checkpoint.heads.items() if community_ids is None or c in community_ids
    }
    problems: list[TrailProblem] = []
    when = f"{checkpoint.created_at:%Y-%m-%d %H:%M} UTC"
    for cid, (seq, digest) in sorted(wanted.items()):
        if seq == 0:
            continue
        found = connection.execute(
            select(audit_entry.c.hash).where(
                audit_entry.c.community_id == cid, audit_entry.c.seq == seq
            )
        ).scalar_one_or_none()
        if found is None:
            problems.append(
                TrailProblem(
                    cid,
                    seq,
                    f"entry {seq}, recorded by the checkpoint of {when}, is gone",
                    f"{when} 的检查点记录的第 {seq} 条已不存在",
                )
            )
        elif found != digest:
            problems.append(
                TrailProblem(
                    cid,
                    seq,
                    f"entry {seq} differs from the checkpoint of {when}",
                    f"第 {seq} 条与 {when} 的检查点不符",
                )
            )
    return problems


def _legacy_hash(entry: Any) -> str:
    """The unkeyed SHA-256 of entries written before chains were keyed (and placed)."""
    fields = [str(entry.community_id), entry.seq, _utc_text(entry.at), entry.actor, entry.action]
    text = _dumps([*fields, entry.entity, entry.key, entry.changes, entry.prev_hash])
    return hashlib.sha256(text.encode()).hexdigest()


def rekey_legacy_trail(connection: Connection, chain_key: ChainKey) -> int:
    """Re-hash, with ``chain_key``, the chains written before chains were keyed.

    Run by ``commons db upgrade`` (the tables' owner, with the key file). Each
    such chain is first verified as it was written (unkeyed SHA-256): a chain
    that does not verify is not re-hashed — blessing tampering with the key —
    and the upgrade stops, naming it. Returns the number of entries re-hashed.
    """
    legacy = sorted(
        set(
            connection.execute(
                select(audit_entry.c.community_id).where(audit_entry.c.key_id.is_(None)).distinct()
            ).scalars()
        )
    )
    rewritten = 0
    for cid in legacy:
        entries = list(read_entries(connection, community_ids=[cid]))
        seq, prev = 0, GENESIS
        for entry in entries:
            if (
                entry.key_id is not None
                or entry.seq != seq + 1
                or entry.prev_hash != prev
                or entry.hash != _legacy_hash(entry)
            ):
                raise ConfigurationError(
                    f"社区 {cid} 的旧审计链在第 {entry.seq} 条处不完整,未重新签名",
                    f"the old audit chain of community {cid} is broken at entry {entry.seq};"
                    " it was not re-keyed (investigate before upgrading)",
                )
            seq, prev = entry.seq, entry.hash
        rows = []
        prev = GENESIS
        for entry in entries:
            digest = entry_digest(chain_key, entry, prev)
            rows.append({"c": cid, "s": entry.seq, "p": prev, "h": digest})
            prev = digest
        statement = (
            update(audit_entry)
            .where(
                audit_entry.c.community_id == bindparam("c"), audit_entry.c.seq == bindparam("s")
            )
            .values(prev_hash=bindparam("p"), hash=bindparam("h"), key_id=chain_key.key_id)
        )
        connection.execute(statement, rows)
        connection.execute(
            update(audit_head)
            .where(audit_head.c.community_id == cid, audit_head.c.seq == seq)
            .values(hash=prev)
        )
        rewritten += len(rows)
    return rewritten
