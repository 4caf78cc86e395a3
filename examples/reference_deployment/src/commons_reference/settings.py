"""How a deployment is configured: from arguments, or from the environment for workers."""

from __future__ import annotations

import hashlib
import os
import secrets

import attrs

__all__ = ["SECRET_ENV", "WebSettings"]

SECRET_ENV = "COMMONS_WEB_SECRET"
INSECURE_ENV = "COMMONS_WEB_INSECURE_COOKIES"
DEFAULT_SESSION_HOURS = 8


@attrs.frozen
class WebSettings:
    """Settings of one running app.

    :ivar secret: signs CSRF tokens and encrypts the session cookie; every
        worker of a deployment must share it (env ``COMMONS_WEB_SECRET``).
    :ivar secure_cookies: send cookies only over HTTPS (browsers also accept
        them from ``http://127.0.0.1`` and ``localhost``).
    :ivar session_hours: a login lasts this long.
    :ivar page_size: rows per page in lists.
    """

    secret: str = attrs.field(factory=lambda: secrets.token_urlsafe(32), repr=False)
    secure_cookies: bool = True
    session_hours: int = DEFAULT_SESSION_HOURS
    page_size: int = 50

    @property
    def session_key(self) -> bytes:
        """The 32-byte AES key of the session cookie, derived from :attr:`secret`."""
        return hashlib.sha256(f"session:{self.secret}".encode()).digest()

    @property
    def csrf_secret(self) -> str:
        """The key of CSRF tokens, derived from :attr:`secret` (never the same key twice)."""
        return hashlib.sha256(f"csrf:{self.secret}".encode()).hexdigest()

    @classmethod
    def from_environment(cls) -> WebSettings:
        """Settings from ``COMMONS_WEB_SECRET`` and ``COMMONS_WEB_INSECURE_COOKIES``."""
        secret = os.environ.get(SECRET_ENV)
        insecure = os.environ.get(INSECURE_ENV, "").lower() in ("1", "true", "yes")
        if secret:
            return cls(secret=secret, secure_cookies=not insecure)
        return cls(secure_cookies=not insecure)
