"""Strict input for the case model: numbers are numbers, text is text, every list is bounded.

Pydantic's lax mode reads ``true`` as 1 and ``"140"`` as 140.0; for a clinical input that is a
silent change of meaning (``er_percent: true`` would be ER-low, ``her2_ihc: true`` HER2-low).
:func:`check_input` runs before a model's own validation (a ``mode="before"`` validator on the
case model's base classes) and refuses, naming the field:

- a boolean or a string where the field is a number;
- a number or a string where the field is true/false (lax parsing reads ``1``, ``0.0`` and
  ``"yes"`` as booleans: ``biopsied: 0.0`` would silently become "not biopsied");
- a number of magnitude above :data:`MAX_MAGNITUDE` in a field without its own upper bound
  (nothing recorded in the model comes near it; it keeps every later computation finite);
- text with a NUL character or an unpaired UTF-16 surrogate (``"\\ud800"`` in JSON): no
  database can store it, and it is never meaningful;
- text longer than :data:`MAX_TEXT` characters;
- a list or mapping with more entries than its bound (:data:`LIST_BOUNDS`, else
  :data:`DEFAULT_MAX_ITEMS`).

Non-finite floats (NaN, ±inf; JSON ``1e400`` parses to inf) are refused by the models'
``allow_inf_nan=False``. The bounds are not clinical rules: they are the largest counts a real
record plausibly holds, set far enough above it that no real case is refused, and low enough
that one request cannot make unbounded work (a case with 75 000 metastatic lines).
"""

from __future__ import annotations

import math
import re
import types
import typing
from functools import cache
from typing import Any, get_args, get_origin

from pydantic import BaseModel, model_validator

from breastcds.model.errors import Inconsistency

MAX_MAGNITUDE = 1e6
"""Largest |value| accepted in a numeric field that declares no upper bound of its own."""

MAX_TEXT = 2000
"""Longest text accepted in any string field (identifiers, labels, notes, sources)."""

DEFAULT_MAX_ITEMS = 50
"""Entries accepted in a list or mapping that has no bound of its own in LIST_BOUNDS."""

# Field name -> most entries accepted, with why that is far above a real record.
LIST_BOUNDS: dict[str, int] = {
    # Metastatic breast cancer: median 3-4 lines; even long survivors rarely pass 15.
    "metastatic_lines": 30,
    # A patient's radiotherapy courses (curative + palliative + re-irradiation) are a handful.
    "radiotherapy_courses": 20,
    "courses": 20,
    # One course's organ doses: ~30 organs at risk x a few metrics each.
    "organ_doses": 200,
    "organ_parameters": 200,
    "target_volumes": 50,
    # ROI names of a structure set: TPS exports hold tens, rarely more than 100.
    "dicom_roi_map": 300,
    "roi_map": 300,
    "cumulative": 1000,
    "unavailable": 1000,
    # Agents of one regimen or line: combinations hold 2-4 drugs.
    "agents": 12,
    "adjuvant_agents": 20,
    "on_therapy": 12,
    # Distant sites: at most one entry per site code.
    "metastatic_sites": 20,
    # A 4x4 registration matrix.
    "registration": 4,
}

_UNSAFE_TEXT = re.compile("[\x00\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text (NUL, unpaired surrogate), or None."""
    m = _UNSAFE_TEXT.search(value)
    if m is None:
        return None
    at = m.start()
    what = "a NUL character" if m.group() == "\x00" else "an unpaired UTF-16 surrogate"
    return f"text must be valid Unicode without NUL: {what} at position {at}"


def clean_text(value: Any) -> Any:
    """``value`` (text, or lists/dicts of it) with NUL and unpaired surrogates replaced."""
    if isinstance(value, str):
        return _UNSAFE_TEXT.sub("\ufffd", value)
    if isinstance(value, list):
        return [clean_text(v) for v in value]
    if isinstance(value, dict):
        return {clean_text(k): clean_text(v) for k, v in value.items()}
    return value


def printable(value: Any) -> Any:
    """``value`` with NUL and unpaired surrogates replaced (safe to echo back in an error)."""
    if isinstance(value, str):
        return _UNSAFE_TEXT.sub("\ufffd", value)[:200]
    return value


@cache
def _kinds(model: type[BaseModel]) -> dict[str, tuple[str, bool, str]]:
    """Per field: kind (number | model | list | dict | text | other), whether it has an upper
    bound, and the kind of a list's innermost element."""
    out: dict[str, tuple[str, bool, str]] = {}
    for name, info in model.model_fields.items():
        bounded = any(getattr(m, a, None) is not None for m in info.metadata for a in ("le", "lt"))
        out[name] = (_kind(info.annotation), bounded, _leaf(info.annotation))
    return out


def _leaf(annotation: Any) -> str:
    """The kind of the innermost element of a (nested) list, e.g. number for list[list[float]]."""
    origin = get_origin(annotation)
    if origin is typing.Annotated or origin in (typing.Union, types.UnionType):
        leaves = {_leaf(a) for a in get_args(annotation) if a is not type(None)}
        return leaves.pop() if len(leaves) == 1 else "other"
    if origin in (list, tuple):
        return _leaf(get_args(annotation)[0]) if get_args(annotation) else "other"
    return _kind(annotation)


def _kind(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _kind(get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        kinds = {_kind(a) for a in get_args(annotation) if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else "other"
    if origin is list or origin is tuple:
        return "list"
    if origin is dict:
        return "dict"
    if annotation is bool:
        return "bool"
    if annotation in (int, float):
        return "number"
    if annotation is str:
        return "text"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model"
    return "other"


def check_input(model: type[BaseModel], data: Any) -> None:
    """Refuse (as :class:`Inconsistency`, field named) what lax parsing would coerce."""
    if not isinstance(data, dict):
        return
    kinds = _kinds(model)
    for key, value in data.items():
        if key not in kinds:
            continue  # unknown fields are refused by extra="forbid"
        kind, bounded, leaf = kinds[key]
        if kind == "number":
            _check_number(key, value, bounded)
        elif kind == "bool":
            _check_bool(key, value)
        elif kind in ("list", "dict"):
            _check_container(key, value, LIST_BOUNDS.get(key, DEFAULT_MAX_ITEMS), leaf)
        elif kind in ("text", "other") and isinstance(value, str):
            _check_text(key, value)


def _check_number(path: str, value: Any, bounded: bool) -> None:
    if isinstance(value, bool | str):
        kind = "a boolean" if isinstance(value, bool) else "text"
        raise Inconsistency(path, printable(value), f"must be a number, not {kind}")
    if isinstance(value, int | float) and not bounded:
        if isinstance(value, float) and not math.isfinite(value):
            return  # refused with its own message by allow_inf_nan=False
        if abs(value) > MAX_MAGNITUDE:
            raise Inconsistency(
                path,
                value,
                f"must be a plausible number (allowed range: >= {-MAX_MAGNITUDE:g} and "
                f"<= {MAX_MAGNITUDE:g})",
            )


def _check_bool(path: str, value: Any) -> None:
    # bool is an int: test it first. Other types are refused by the model itself.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return
    kind = "text" if isinstance(value, str) else "a number"
    raise Inconsistency(path, printable(value), f"must be true or false, not {kind}")


def _check_text(path: str, value: str) -> None:
    problem = text_problem(value)
    if problem:
        raise Inconsistency(path, printable(value), problem)
    if len(value) > MAX_TEXT:
        raise Inconsistency(path, value[:40] + "...", f"text longer than {MAX_TEXT} characters")


def _check_container(path: str, value: Any, limit: int, leaf: str) -> None:
    if isinstance(value, list | dict) and len(value) > limit:
        raise Inconsistency(
            path,
            f"{len(value)} entries",
            f"too many entries: {len(value)} (allowed: at most {limit})",
        )
    items: list[tuple[str, Any]] = []
    if isinstance(value, list):
        items = [(f"{path}.{i}", v) for i, v in enumerate(value)]
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str):
                _check_text(f"{path}.{printable(k)}", k)
            items.append((f"{path}.{printable(k)}", v))
    for where, v in items:
        if leaf == "number" and not isinstance(v, list):
            _check_number(where, v, bounded=False)
        elif isinstance(v, str):
            _check_text(where, v)
        elif isinstance(v, list):
            _check_container(where, v, limit, leaf)


class StrictInput(BaseModel):
    """Base of the input models: :func:`check_input` runs before the model's own validation."""

    @model_validator(mode="before")
    @classmethod
    def _strict_input(cls, data: Any) -> Any:
        """Numbers are numbers, text is storable, lists are bounded (this module)."""
        check_input(cls, data)
        return data
