"""Concordance: run vignette files (or a clinic's own tumour-board calls) through breastcds.

Contract (shared/reference/domain/README.md): read a JSON list of vignettes of one kind,
evaluate each through the same public entry points a user's call goes through, write
``[{"id": ..., "actual": {...}}]`` whose ``actual`` has exactly the keys of that kind's
``expected``; report agreement per field; a vignette that cannot be evaluated gets
``{"error": "<message>"}`` and the run goes on.

Each vignette kind is one module in this package exposing a :class:`Kind`.
"""

from breastcds.concordance.core import (
    FieldAgreement,
    Kind,
    Report,
    detect_kind,
    register_kind,
    run,
)

__all__ = ["FieldAgreement", "Kind", "Report", "detect_kind", "register_kind", "run"]
