"""The case-field path registry: every dotted path of the case model, generated from it.

A missing-data prompt, a fact's ``field``, a validation message and the FHIR mapper name case
fields by dotted path (``biomarkers.her2_ihc``, ``treatment.recurrence.site``,
``treatment.radiotherapy_courses.0.end_date``). The paths are read from the pydantic model
itself (:data:`CASE_PATHS`), so the registry cannot drift from it; a list item is ``*`` in the
registry and an index (or ``*``) in a path. :func:`case_path` builds a path from its parts and
refuses one the model does not have; ``tests/model/test_paths.py`` checks every path literal in
the code and the knowledge against the registry.
"""

from __future__ import annotations

import types
from fnmatch import fnmatchcase
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from breastcds.model.case import Case

#: Marks a criterion the case model cannot record (a prompt names it in words, not a path).
NOT_IN_CASE_MODEL = "(not in the case model)"


def _models_in(annotation: Any) -> tuple[list[type[BaseModel]], bool]:
    """The pydantic models a field's annotation holds, and whether it is a list of them."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _models_in(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        found: list[type[BaseModel]] = []
        listed = False
        for arg in get_args(annotation):
            models, is_list = _models_in(arg)
            found += models
            listed = listed or is_list
        return found, listed
    if origin in (list, tuple, set, frozenset):
        items: list[type[BaseModel]] = []
        for arg in get_args(annotation):
            items += _models_in(arg)[0]
        return items, True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation], False
    return [], False


def paths_of(model: type[BaseModel], prefix: str = "") -> frozenset[str]:
    """Every dotted path of ``model`` (fields, nested fields; list items as ``*``)."""
    out: set[str] = set()
    for name, info in model.model_fields.items():
        here = f"{prefix}{name}"
        out.add(here)
        models, is_list = _models_in(info.annotation)
        base = f"{here}.*" if is_list else here
        if is_list:
            out.add(base)
        for sub in models:
            out |= paths_of(sub, f"{base}.")
    return frozenset(out)


@cache
def case_paths() -> frozenset[str]:
    """Every dotted path of the case model (:class:`breastcds.model.case.Case`)."""
    return paths_of(Case)


def normalise(path: str) -> str:
    """``path`` with list indices written ``*`` (``a.0.b`` → ``a.*.b``)."""
    return ".".join("*" if part.isdigit() else part for part in path.split("."))


def is_case_path(path: str) -> bool:
    """True when ``path`` names a field of the case model (indices allowed for list items).

    A pattern (``biomarkers.her2_*``: every HER2 field) is a path when it matches one.
    """
    p = normalise(path)
    if p in case_paths():
        return True
    return any("*" in part and part != "*" for part in p.split(".")) and any(
        fnmatchcase(known, p) for known in case_paths()
    )


def case_path(*parts: str | int) -> str:
    """The dotted path of ``parts`` (``case_path("treatment", "radiotherapy_courses", 0,
    "end_date")``); raises :class:`KeyError` when the case model has no such field."""
    path = ".".join(str(p) for p in parts)
    if not is_case_path(path):
        raise KeyError(f"{path!r} is not a field of the case model")
    return path
