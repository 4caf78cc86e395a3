"""The deployment's secret keys, held outside the database.

A key file holds one or more random master keys by id, and names the current
one. From each master key the SDK derives one key per purpose, so that a key
given to one party never lets it act for another:

``audit-chain``
    keys the hash chain of the audit trail (:mod:`commons_core.services.audit`):
    someone who can write the database but has not got this file cannot
    recompute a chain they altered.
``audit-checkpoint``
    signs the checkpoints ``commons audit checkpoint`` writes outside the database.
``row-scope``
    signs the scope a unit of work publishes to PostgreSQL's row-level security
    (:mod:`commons_core.storage.row_security`). The database owner stores this
    derived key (never the master) so that the policies can check the signature.

The file is JSON (``{"format": 1, "current": "k…", "keys": {"k…": "<base64>"}}``),
readable only by its owner. It is found at the path given to
:meth:`KeyRing.load`, else ``COMMONS_KEY_FILE``, else
``$XDG_CONFIG_HOME/commons/keys.json`` (``~/.config/commons/keys.json``), which is
created on first use. Rotate with ``commons keys rotate``: the new key becomes
current, old keys stay to verify what they signed (see ``docs/access.md``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import attrs

from commons_core.errors import ConfigurationError

__all__ = ["KEY_FILE_ENV", "KeyRing", "default_key_path"]

KEY_FILE_ENV = "COMMONS_KEY_FILE"
PURPOSES = ("audit-chain", "audit-checkpoint", "row-scope")
_FORMAT = 1
_KEY_BYTES = 32


def default_key_path() -> Path:
    """``COMMONS_KEY_FILE``, else ``$XDG_CONFIG_HOME/commons/keys.json``."""
    named = os.environ.get(KEY_FILE_ENV)
    if named:
        return Path(named).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "commons" / "keys.json"


def _new_key_id() -> str:
    return f"k{datetime.now(UTC):%Y%m%d}{secrets.token_hex(3)}"


@attrs.frozen
class KeyRing:
    """Master keys by id, one of them current; derives the key of each purpose.

    :ivar current: the id of the key new signatures use.
    :ivar masters: every key by id (old ones verify what they signed).
    :ivar path: the file it was read from, if any.
    """

    current: str
    masters: Mapping[str, bytes] = attrs.field(repr=False)
    path: Path | None = None

    def __attrs_post_init__(self) -> None:
        if self.current not in self.masters:
            raise ConfigurationError(
                f"密钥文件的当前密钥 {self.current} 不存在",
                f"the key file's current key {self.current} is not in it",
            )

    @classmethod
    def generate(cls, path: Path | None = None) -> KeyRing:
        """A new key ring with one random key (not saved)."""
        key_id = _new_key_id()
        return cls(key_id, {key_id: secrets.token_bytes(_KEY_BYTES)}, path)

    @classmethod
    def load(cls, path: Path | str | None = None, *, create: bool = True) -> KeyRing:
        """The key ring in ``path`` (default :func:`default_key_path`).

        A missing file is created with a new key when ``create`` is true (and it
        is the default location or was asked for); otherwise it is an error.
        """
        where = Path(path).expanduser() if path is not None else default_key_path()
        if not where.exists():
            if not create:
                raise ConfigurationError(
                    f"找不到密钥文件 {where}(可用 commons keys init 创建)",
                    f"no key file at {where} (create one with `commons keys init`)",
                )
            ring = cls.generate(where)
            ring.save()
            return ring
        return cls._read(where)

    @classmethod
    def _read(cls, where: Path) -> KeyRing:
        try:
            data = json.loads(where.read_text(encoding="utf-8"))
            if data.get("format") != _FORMAT:
                raise ValueError(f"format {data.get('format')!r}")
            masters = {
                str(key_id): base64.b64decode(text, validate=True)
                for key_id, text in data["keys"].items()
            }
            current = str(data["current"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError, binascii.Error) as error:
            raise ConfigurationError(
                f"密钥文件 {where} 无法读取:{error}", f"the key file {where} is unreadable: {error}"
            ) from None
        if any(len(key) < _KEY_BYTES for key in masters.values()):
            raise ConfigurationError(
                f"密钥文件 {where} 中的密钥太短", f"a key in {where} is shorter than 32 bytes"
            )
        return cls(current, masters, where)

    def save(self, path: Path | None = None) -> Path:
        """Write the key ring (mode 0600, written beside and moved into place)."""
        where = path or self.path
        if where is None:
            raise ConfigurationError("未指定密钥文件路径", "no path to save the key file to")
        where.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "format": _FORMAT,
            "current": self.current,
            "keys": {k: base64.b64encode(v).decode() for k, v in self.masters.items()},
        }
        partial = where.with_name(f".{where.name}.{secrets.token_hex(4)}")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=2)
        partial.replace(where)
        return where

    def rotated(self) -> KeyRing:
        """This key ring with a new current key; the old keys stay to verify."""
        key_id = _new_key_id()
        while key_id in self.masters:
            key_id = _new_key_id()
        return attrs.evolve(
            self, current=key_id, masters={**self.masters, key_id: secrets.token_bytes(_KEY_BYTES)}
        )

    def derive(self, purpose: str, key_id: str | None = None) -> bytes:
        """The key of ``purpose`` derived from master key ``key_id`` (default: current)."""
        if purpose not in PURPOSES:
            raise ValueError(f"unknown key purpose {purpose!r}")
        master = self.masters.get(key_id or self.current)
        if master is None:
            raise KeyError(key_id)
        return hmac.new(master, f"commons_core {purpose}".encode(), hashlib.sha256).digest()

    def fingerprint(self, key_id: str) -> str:
        """A short public fingerprint of a key (safe to print and compare)."""
        return hashlib.sha256(b"fingerprint:" + self.masters[key_id]).hexdigest()[:16]
