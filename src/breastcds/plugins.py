"""Import a module that an installation may not have (a capability built as its own package)."""

from __future__ import annotations

import importlib
from types import ModuleType


def import_optional(name: str) -> ModuleType | None:
    """The module ``name``, or None when it (or a parent package) is not installed.

    A module that exists but fails to import because something *it* imports is missing still
    raises: only the absence of ``name`` itself is tolerated.
    """
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        missing = exc.name
        if missing is not None and (name == missing or name.startswith(missing + ".")):
            return None
        raise
