"""Concordance runner: kind detection, evaluation, per-field agreement."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

Vignette = Mapping[str, Any]


@dataclass(frozen=True)
class Kind:
    """One vignette kind.

    name: short name ("biomarker", "rt_omission", "reirradiation", "systemic").
    matches: True when a vignette belongs to this kind (by its input keys).
    evaluate: maps the vignette's neutral vocabulary onto breastcds' public entry point and
        returns ``actual`` with exactly the keys of the kind's ``expected``.
    compare: per-field comparison ``(field, expected, actual) -> bool``; defaults to
        :func:`default_equal`.
    """

    name: str
    matches: Callable[[Vignette], bool]
    evaluate: Callable[[Vignette], dict[str, Any]]
    compare: Callable[[str, Any, Any], bool] | None = None
    actual_for: Callable[[str, Mapping[str, Any]], Any] | None = None
    """Which ``actual`` value an expected key is judged against (default ``actual[key]``);
    e.g. the systemic kind judges include/include_any/exclude against ``actual["agents"]``."""


_KINDS: list[Kind] = []


def register_kind(kind: Kind) -> None:
    """Register a vignette kind (idempotent by name)."""
    for i, existing in enumerate(_KINDS):
        if existing.name == kind.name:
            _KINDS[i] = kind
            return
    _KINDS.append(kind)


def _load_builtin_kinds() -> None:
    # Imported lazily so that each kind module may import the public API freely; each
    # registers its KIND on import.
    from breastcds.concordance import biomarker, course, reirradiation, rt_omission, systemic

    # "course" before "systemic": both carry a case with a tumour; course has no decision point.
    for kind in (biomarker.KIND, reirradiation.KIND, rt_omission.KIND, course.KIND, systemic.KIND):
        register_kind(kind)


def kinds() -> list[Kind]:
    _load_builtin_kinds()
    return list(_KINDS)


def detect_kind(vignette: Vignette) -> Kind:
    """Return the kind a vignette belongs to, or raise ValueError naming its keys."""
    for kind in kinds():
        if kind.matches(vignette):
            return kind
    raise ValueError(f"unrecognised vignette format (keys: {sorted(vignette)})")


def default_equal(_field: str, expected: Any, actual: Any) -> bool:
    """Contract comparison: strings exactly, numbers within 0.01, lists as sets."""
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return math.isclose(float(expected), float(actual), abs_tol=0.01 + 1e-9)
    if isinstance(expected, list) and isinstance(actual, list):
        return {_freeze(x) for x in expected} == {_freeze(x) for x in actual}
    if isinstance(expected, dict) and isinstance(actual, dict):
        return set(expected) == set(actual) and all(
            default_equal(k, expected[k], actual[k]) for k in expected
        )
    return bool(expected == actual)


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


@dataclass
class FieldAgreement:
    field: str
    agree: int = 0
    total: int = 0
    disagreements: list[str] = dc_field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.agree / self.total if self.total else math.nan


@dataclass
class Report:
    results: list[dict[str, Any]]
    fields: dict[str, FieldAgreement]
    errors: int
    kind_counts: dict[str, int]

    @property
    def all_agree(self) -> bool:
        return self.errors == 0 and all(f.agree == f.total for f in self.fields.values())


def run(vignettes: Sequence[Vignette]) -> Report:
    """Evaluate every vignette; never raises for a single bad vignette."""
    results: list[dict[str, Any]] = []
    fields: dict[str, FieldAgreement] = {}
    errors = 0
    kind_counts: dict[str, int] = {}
    for vignette in vignettes:
        vid = vignette.get("id")
        try:
            kind = detect_kind(vignette)
            kind_counts[kind.name] = kind_counts.get(kind.name, 0) + 1
            actual = kind.evaluate(vignette)
        except Exception as exc:  # a measurement: record and go on
            errors += 1
            results.append({"id": vid, "actual": {"error": f"{type(exc).__name__}: {exc}"}})
            continue
        results.append({"id": vid, "actual": actual})
        expected = vignette.get("expected")
        if isinstance(expected, Mapping):
            compare = kind.compare or default_equal
            for key, exp_value in expected.items():
                fa = fields.setdefault(f"{kind.name}.{key}", FieldAgreement(f"{kind.name}.{key}"))
                fa.total += 1
                if kind.actual_for is not None:
                    present, value = True, kind.actual_for(key, actual)
                else:
                    present, value = key in actual, actual.get(key)
                if present and compare(key, exp_value, value):
                    fa.agree += 1
                else:
                    fa.disagreements.append(f"{vid}: expected {exp_value!r}, actual {value!r}")
    return Report(results=results, fields=fields, errors=errors, kind_counts=kind_counts)
