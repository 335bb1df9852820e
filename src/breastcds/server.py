"""The HTTP application: the service (REST, CDS Hooks) and the tumour-board web page, composed.

The one place above both adapters: :mod:`breastcds.service` does not import
:mod:`breastcds.web` (the web page is built on the service's authentication, storage and
worker), so the app that serves both is assembled here. Used by ``breastcds serve``.
"""

from __future__ import annotations

from fastapi import FastAPI

from breastcds.service.app import create_app as create_service_app
from breastcds.service.settings import Settings
from breastcds.service.storage import Store


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """The service app with the web page (``/ui``) mounted; migrations applied first."""
    from breastcds.web import build_router as build_web_router  # tumour-board pages, /ui

    return create_service_app(settings, store, routers=[build_web_router()])


def app_from_env() -> FastAPI:
    """App factory of one worker process of ``breastcds serve --workers N`` (settings from the
    ``BREASTCDS_*`` variables the parent set; migrations already applied by the parent)."""
    from breastcds.service.logging import setup_logging

    settings = Settings.from_env()
    setup_logging(settings.log_level)
    app = create_app(settings)
    warm_up()
    return app


def warm_up() -> None:
    """Load the knowledge files and compile the rules with one assessment, then move the
    long-lived objects out of the cyclic garbage collector's view, so that its full collections
    stay short under load."""
    import gc

    from breastcds import assess, examples

    assess(examples.load(examples.names()[0]))
    gc.collect()
    gc.freeze()
