"""breastcds: clinical decision support for breast cancer.

Every statement the library makes is traceable to a rule, a source and a version.

The public names below are imported on first use (PEP 562), so that ``import breastcds`` and a
command that needs only part of the package (``breastcds --version``) stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from breastcds._version import __version__

if TYPE_CHECKING:
    from breastcds.entrypoint import assess, classify
    from breastcds.model import Case, CaseValidationError, parse_case

__all__ = [
    "Case",
    "CaseValidationError",
    "__version__",
    "assess",
    "classify",
    "parse_case",
]


def __getattr__(name: str) -> Any:
    """The public API, imported when first used."""
    if name in ("assess", "classify"):
        from breastcds import entrypoint

        return getattr(entrypoint, name)
    if name in ("Case", "CaseValidationError", "parse_case"):
        from breastcds import model

        return getattr(model, name)
    raise AttributeError(f"module 'breastcds' has no attribute {name!r}")
