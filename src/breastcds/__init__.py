"""breastcds: clinical decision support for breast cancer.

Every statement the library makes is traceable to a rule, a source and a version.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("breastcds")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
