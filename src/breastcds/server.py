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


#: Collections of the youngest generation start after this many net allocations of tracked
#: objects (CPython's default is 700). One assessment holds a few thousand tracked objects at
#: its peak, all freed by reference counting when it ends: at 700 the collector ran one or two
#: times per request over live objects (561 collections in 1 500 assessments, up to a few ms
#: each); at 10 000 it ran once in 1 500, over at most 10 000 young objects (~1 ms).
GC_GEN0_THRESHOLD = 10_000

#: How long a thread may hold the GIL while another waits for it (CPython's default is 5 ms).
#: The assessment runs in a worker thread; the event loop, the database writer and the thread
#: that waits for a commit each need the GIL a few times per request, and each time waited up
#: to 5 ms behind the next request's assessment. 0.5 ms bounds that wait at a tenth.
SWITCH_INTERVAL_S = 0.0005


def warm_up() -> None:
    """Before serving: load every knowledge file and compile the rules by assessing each
    bundled example (lazily loaded knowledge would otherwise be loaded by the first request
    that needs it), then move the long-lived objects out of the cyclic garbage collector's view
    (``gc.freeze``) so that its full collections stay short, and set the collector's and the
    GIL's latency settings above (one process of ``breastcds serve``)."""
    import gc
    import sys

    from breastcds import assess, examples

    for name in examples.names():
        assess(examples.load(name))
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_GEN0_THRESHOLD, *gc.get_threshold()[1:])
    sys.setswitchinterval(SWITCH_INTERVAL_S)
