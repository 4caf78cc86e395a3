"""How a deployment is configured: from arguments, or from the environment for workers."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import attrs

from commons_core.errors import ConfigurationError
from commons_core.services.sessions import SessionPolicy

__all__ = ["SECRET_ENV", "WebSettings"]

SECRET_ENV = "COMMONS_WEB_SECRET"
INSECURE_ENV = "COMMONS_WEB_INSECURE_COOKIES"
SESSION_HOURS_ENV = "COMMONS_WEB_SESSION_HOURS"
IDLE_MINUTES_ENV = "COMMONS_WEB_SESSION_IDLE_MINUTES"
HASHING_SLOTS_ENV = "COMMONS_WEB_HASHING_SLOTS"
DEFAULT_SESSION_HOURS = 8
DEFAULT_IDLE_MINUTES = 30


def _at_least_one(instance: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and value < 1:
        raise ConfigurationError(
            f"网页设置 {attribute.name} 至少为 1:{value}",
            f"the web setting {attribute.name} must be at least 1, not {value}",
        )


@attrs.frozen
class WebSettings:
    """Settings of one running app.

    :ivar secret: keys the CSRF tokens and device cookies; every worker of a
        deployment must share it (env ``COMMONS_WEB_SECRET``).
    :ivar secure_cookies: send cookies only over HTTPS (browsers also accept
        them from ``http://127.0.0.1`` and ``localhost``).
    :ivar session_hours: a login ends this long after it began, however busy
        (the absolute timeout; env ``COMMONS_WEB_SESSION_HOURS``).
    :ivar session_idle_minutes: a login ends after this long without a request
        (env ``COMMONS_WEB_SESSION_IDLE_MINUTES``).
    :ivar hashing_slots: passwords checked at once per worker process (default: half
        the CPUs, at least one; env ``COMMONS_WEB_HASHING_SLOTS``).
    :ivar hashing_wait: seconds a login waits for a slot before "busy, retry".
    :ivar page_size: rows per page in lists.
    """

    secret: str = attrs.field(factory=lambda: secrets.token_urlsafe(32), repr=False)
    secure_cookies: bool = True
    session_hours: int = attrs.field(default=DEFAULT_SESSION_HOURS, validator=_at_least_one)
    session_idle_minutes: int = attrs.field(default=DEFAULT_IDLE_MINUTES, validator=_at_least_one)
    hashing_slots: int | None = attrs.field(default=None, validator=_at_least_one)
    hashing_wait: float = 1.0
    page_size: int = 50

    @property
    def csrf_key(self) -> bytes:
        """The key of CSRF tokens, derived from :attr:`secret` (never the same key twice)."""
        return hashlib.sha256(f"csrf:{self.secret}".encode()).digest()

    @property
    def device_key(self) -> bytes:
        """The key of device cookies, derived from :attr:`secret`."""
        return hashlib.sha256(f"device:{self.secret}".encode()).digest()

    @property
    def session_policy(self) -> SessionPolicy:
        """The idle and absolute timeouts of logins."""
        return SessionPolicy(
            idle=timedelta(minutes=self.session_idle_minutes),
            absolute=timedelta(hours=self.session_hours),
        )

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> WebSettings:
        """Settings from the ``COMMONS_WEB_*`` variables (defaults for those not set)."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {
            "secure_cookies": env.get(INSECURE_ENV, "").lower() not in ("1", "true", "yes")
        }
        if env.get(SECRET_ENV):
            values["secret"] = env[SECRET_ENV]
        for name, field in (
            (SESSION_HOURS_ENV, "session_hours"),
            (IDLE_MINUTES_ENV, "session_idle_minutes"),
            (HASHING_SLOTS_ENV, "hashing_slots"),
        ):
            if env.get(name):
                values[field] = _whole_number(name, env[name])
        return cls(**values)  # type: ignore[arg-type]


def _whole_number(name: str, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ConfigurationError(
            f"环境变量 {name} 应为整数:{text!r}", f"{name} must be a whole number, not {text!r}"
        ) from None
