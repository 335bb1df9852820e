"""The tumour-board web page, served by the breastcds service under ``/ui`` (see docs/web.md).

An adapter: it shows what :func:`breastcds.assess` returned (through the service's stored
assessments) with the report's layout, in English or Chinese, and decides nothing itself.
"""

from __future__ import annotations

from breastcds.web.router import build_router

__all__ = ["build_router"]
