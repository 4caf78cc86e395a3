"""The reference deployment of commons_core: a web app a street office can run.

``commons serve`` starts it; :func:`create_app` builds the ASGI application
around an open :class:`~commons_core.services.Commons`. Plugins add pages
through the ``commons_web_pages`` hook with the types of
:mod:`commons_reference.contract`.
"""

from commons_reference.app import create_app
from commons_reference.settings import WebSettings

__all__ = ["WebSettings", "create_app"]
