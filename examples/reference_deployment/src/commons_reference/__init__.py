"""The reference deployment of commons_core: a web app a street office can run.

``commons serve`` starts it; :func:`create_app` builds the ASGI application
around an open :class:`~commons_core.services.Commons`. Plugins add pages
through the ``commons_web_pages`` hook with the types of
:mod:`commons_reference.contract`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from commons_reference.app import create_app
    from commons_reference.settings import WebSettings

__all__ = ["WebSettings", "create_app"]


def __getattr__(name: str) -> Any:
    # Litestar is imported only when the app is built, so that loading this plugin
    # (every ``commons`` command does) stays cheap.
    if name == "create_app":
        from commons_reference.app import create_app

        return create_app
    if name == "WebSettings":
        from commons_reference.settings import WebSettings

        return WebSettings
    raise AttributeError(name)
