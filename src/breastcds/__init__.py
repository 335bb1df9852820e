"""breastcds: clinical decision support for breast cancer.

Every statement the library makes is traceable to a rule, a source and a version.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("breastcds")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

from breastcds.entrypoint import SECTIONS, assess, classify
from breastcds.model import Case, CaseValidationError, parse_case

__all__ = [
    "SECTIONS",
    "Case",
    "CaseValidationError",
    "__version__",
    "assess",
    "classify",
    "parse_case",
]
