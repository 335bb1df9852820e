"""PREDICT Breast v2.2 and v3.2, vectorised over patients (numpy arrays in, arrays out).

Re-implementation of the official, MIT-licensed R code (WintonCentre/predict-v30-r, functions
``benefits22`` and ``benefits32``, commit 42223bc); coefficients and their sources are in
``breastcds/knowledge/predict_coefficients.yaml``. PREDICT v2: Candido dos Reis FJ et al.,
Breast Cancer Res 2017;19:58.

Inputs use the coding of the project's PREDICT reference files (see :class:`PredictInputs`).
Outputs are cumulative probabilities (0-1) of death from any cause, from breast cancer and from
other causes for years 1-15 after surgery, for every regimen of the model (47 for v3.2, 24 for
v2.2). The single-patient API is the batch API with one row.

Rows outside the official tool's input ranges are not computed: they are marked not applicable
(NaN outputs) with a per-row :class:`InputError` naming field, value and allowed values; the
other rows are still computed. Structural problems (missing column, arrays of different
lengths) raise ``ValueError``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields, replace
from functools import cache
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from breastcds.knowledge.loader import KnowledgeError, load_yaml

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
Model = Literal["v2.2", "v3.2"]

N_YEARS = 15
YEARS: IntArray = np.arange(1, N_YEARS + 1, dtype=np.int64)

#: Regimens of ``benefits32`` in the official column order (s = surgery only; r radiotherapy,
#: h 5 y endocrine, h10 10 y endocrine, c chemotherapy, t trastuzumab, b bisphosphonate).
REGIMENS_V32: tuple[str, ...] = (
    "s", "r", "rh", "rc", "rt", "rb", "rhc", "rht", "rhb", "rct", "rcb", "rtb", "rhct", "rhcb",
    "rhtb", "rctb", "rhctb", "h", "hc", "ht", "hb", "hct", "hcb", "htb", "hctb", "c", "ct", "cb",
    "ctb", "t", "tb", "rh10", "rh10c", "rh10t", "rh10b", "rh10ct", "rh10cb", "rh10tb", "rh10ctb",
    "h10", "h10c", "h10t", "h10b", "h10ct", "h10cb", "h10tb", "h10ctb",
)  # fmt: skip
#: Regimens reported by ``benefits22`` (v2.2 has no radiotherapy term; ``surg`` = surgery only).
REGIMENS_V22: tuple[str, ...] = (
    "surg", "c", "h", "t", "b", "hc", "ht", "hb", "ct", "cb", "tb", "hct", "hcb", "htb", "ctb",
    "hctb", "h10", "h10c", "h10t", "h10b", "h10ct", "h10cb", "h10tb", "h10ctb",
)  # fmt: skip

_TREATMENTS = ("r", "h", "c", "t", "b")


def regimen_treatments(name: str) -> tuple[frozenset[str], bool]:
    """Treatment letters of a regimen name and whether endocrine therapy is the 10-year course.

    ``"rh10ct"`` -> ({"r", "h", "c", "t"}, True); ``"s"``/``"surg"`` -> (set(), False).
    """
    if name in ("s", "surg"):
        return frozenset(), False
    letters: set[str] = set()
    extended = False
    i = 0
    while i < len(name):
        if name.startswith("h10", i):
            letters.add("h")
            extended = True
            i += 3
            continue
        ch = name[i]
        if ch not in _TREATMENTS or ch in letters:
            raise ValueError(f"regimen {name!r}: unknown or repeated treatment letter {ch!r}")
        letters.add(ch)
        i += 1
    return frozenset(letters), extended


# --------------------------------------------------------------------------------------------
# Coefficients (data file) and input limits
# --------------------------------------------------------------------------------------------


def coefficients() -> Mapping[str, Any]:
    """The parsed ``knowledge/predict_coefficients.yaml`` (cached by the knowledge loader)."""
    data = load_yaml("predict_coefficients.yaml")
    if not isinstance(data, dict):
        raise KnowledgeError("predict_coefficients.yaml: expected a mapping at the top level")
    return data


def _f(section: Mapping[str, Any], key: str) -> float:
    value = section[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise KnowledgeError(f"predict_coefficients.yaml: {key!r} must be a number, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class FieldSpec:
    """Allowed values of one input column: a finite code set or a numeric interval."""

    name: str
    codes: tuple[float, ...] = ()
    low: float | None = None
    high: float | None = None
    low_inclusive: bool = True
    integer: bool = False
    also: tuple[float, ...] = ()  # further allowed values outside the integer rule
    meaning: str = ""

    @property
    def allowed(self) -> str:
        if self.codes:
            return "one of " + ", ".join(f"{c:g}" for c in self.codes)
        lo = "[" if self.low_inclusive else "("
        kind = "integer " if self.integer else ""
        extra = "".join(f" or {v:g}" for v in self.also)
        return f"{kind}{lo}{self.low:g}, {self.high:g}]{extra}"

    def invalid(self, values: FloatArray) -> BoolArray:
        """True where a value is missing (NaN) or outside the allowed values."""
        if self.codes:
            return ~np.isin(values, np.asarray(self.codes, dtype=np.float64))
        assert self.low is not None and self.high is not None
        with np.errstate(invalid="ignore"):
            ok = (values >= self.low) if self.low_inclusive else (values > self.low)
            ok &= values <= self.high
            if self.integer:
                ok &= values == np.floor(values)
            if self.also:
                ok |= np.isin(values, np.asarray(self.also, dtype=np.float64))
        return ~ok


#: Input limits as ``input_limits`` of ``predict_coefficients.yaml`` writes them: a mapping
#: ``{"age_years": {"min", "max"}, "size_mm": {"min_exclusive", "max"}, "nodes": {"min",
#: "max"}, "heart_gy": {"min", "max"}}`` (further keys, e.g. ``source``, are ignored).
InputLimits = Mapping[str, Any]


def packaged_limits() -> InputLimits:
    """The packaged ``input_limits`` (official web-tool limits; the default of the core)."""
    limits = coefficients()["input_limits"]
    assert isinstance(limits, Mapping)
    return limits


def field_specs(limits: InputLimits | None = None) -> Mapping[str, FieldSpec]:
    """Allowed values for every input column; age, size, nodes and heart dose from ``limits``
    (the active knowledge's ``input_limits``, passed in by the caller; default: the packaged
    ones, the official web-tool limits)."""
    lim = packaged_limits() if limits is None else limits
    key = tuple(
        _f(lim[section], bound)
        for section, bound in (("age_years", "min"), ("age_years", "max"),
                               ("size_mm", "min_exclusive"), ("size_mm", "max"),
                               ("nodes", "min"), ("nodes", "max"), ("heart_gy", "min"),
                               ("heart_gy", "max"))
    )  # fmt: skip
    return _field_specs(key)


@cache
def _field_specs(bounds: tuple[float, ...]) -> Mapping[str, FieldSpec]:
    age_min, age_max, size_min, size_max, nodes_min, nodes_max, heart_min, heart_max = bounds
    return {
        "age": FieldSpec("age", low=age_min, high=age_max, meaning="age at surgery, years"),
        "screen": FieldSpec("screen", codes=(0, 1, 2),
                            meaning="0 clinically detected, 1 screen detected, 2 unknown"),
        "size": FieldSpec("size", low=size_min, high=size_max, low_inclusive=False,
                          meaning="invasive tumour size, mm"),
        "grade": FieldSpec("grade", codes=(1, 2, 3, 9), meaning="1, 2, 3; 9 unknown"),
        "nodes": FieldSpec("nodes", low=nodes_min, high=nodes_max, integer=True, also=(0.5,),
                           meaning="number of positive nodes; 0.5 = one node with "
                           "micrometastases only (official web tool, predict2.cljs nodes-v2)"),
        "er": FieldSpec("er", codes=(0, 1), meaning="ER 1 positive, 0 negative"),
        "pr": FieldSpec("pr", codes=(0, 1, 9), meaning="PR 1 positive, 0 negative, 9 unknown"),
        "her2": FieldSpec("her2", codes=(0, 1, 9), meaning="1 positive, 0 negative, 9 unknown"),
        "ki67": FieldSpec("ki67", codes=(0, 1, 9), meaning="1 positive, 0 negative, 9 unknown"),
        "generation": FieldSpec("generation", codes=(0, 2, 3),
                                meaning="chemotherapy: 0 none, 2 second, 3 third generation"),
        "horm": FieldSpec("horm", codes=(0, 1), meaning="endocrine therapy 1/0"),
        "traz": FieldSpec("traz", codes=(0, 1), meaning="trastuzumab 1/0"),
        "bis": FieldSpec("bis", codes=(0, 1), meaning="bisphosphonate 1/0"),
        "radio": FieldSpec("radio", codes=(0, 1), meaning="radiotherapy 1/0"),
        "heart_gy": FieldSpec("heart_gy", low=heart_min, high=heart_max,
                              meaning="mean heart dose, Gy"),
        "smoker": FieldSpec("smoker", codes=(0, 1), meaning="current smoker 1/0"),
    }  # fmt: skip


COMMON_FIELDS: tuple[str, ...] = (
    "age", "screen", "size", "grade", "nodes", "er", "her2", "ki67", "generation", "horm",
    "traz", "bis",
)  # fmt: skip
V32_ONLY_FIELDS: tuple[str, ...] = ("pr", "radio", "heart_gy", "smoker")


def required_fields(model: Model) -> tuple[str, ...]:
    """Input columns a model reads."""
    if model == "v2.2":
        return COMMON_FIELDS
    if model == "v3.2":
        return COMMON_FIELDS + V32_ONLY_FIELDS
    raise ValueError(f"model must be 'v2.2' or 'v3.2', got {model!r}")


# --------------------------------------------------------------------------------------------
# Inputs, errors, results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PredictInputs:
    """One row per patient; codes as in the project's ``patients_public.csv``.

    age (years at surgery), screen (0 clinical, 1 screen-detected, 2 unknown), size (mm),
    grade (1-3, 9 unknown), nodes (positive nodes), er (1/0), pr (1/0/9; v3.2 only),
    her2 (1/0/9), ki67 (1/0/9), generation (chemotherapy 0/2/3), horm, traz, bis (1/0),
    radio (1/0; v3.2), heart_gy (mean heart dose Gy; v3.2), smoker (1/0; v3.2).
    v3.2-only columns may be left as None for v2.2. A scalar applies to every row. NaN in any
    column means "not recorded" and makes that row not applicable.
    """

    age: FloatArray
    screen: FloatArray
    size: FloatArray
    grade: FloatArray
    nodes: FloatArray
    er: FloatArray
    her2: FloatArray
    ki67: FloatArray
    generation: FloatArray
    horm: FloatArray
    traz: FloatArray
    bis: FloatArray
    pr: FloatArray | None = None
    radio: FloatArray | None = None
    heart_gy: FloatArray | None = None
    smoker: FloatArray | None = None

    def __post_init__(self) -> None:
        arrays: dict[str, FloatArray] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                if f.name in COMMON_FIELDS:
                    raise ValueError(f"input {f.name!r} is required")
                continue
            arr = np.asarray(value, dtype=np.float64)
            if arr.ndim > 1:
                raise ValueError(f"input {f.name!r} must be one-dimensional, got shape {arr.shape}")
            arrays[f.name] = arr
        lengths = {name: a.shape[0] for name, a in arrays.items() if a.ndim == 1}
        n = next(iter(lengths.values()), 1)
        first = next(iter(lengths), "age")
        for name, arr in arrays.items():
            if arr.ndim == 0:  # a scalar applies to every row
                arr = np.full(n, float(arr), dtype=np.float64)
            elif arr.shape[0] != n:
                raise ValueError(
                    f"input {name!r} has {arr.shape[0]} rows, expected {n} like {first!r}"
                )
            object.__setattr__(self, name, arr)

    @classmethod
    def from_columns(cls, columns: Mapping[str, Any]) -> PredictInputs:
        """Build from a mapping column name -> sequence/array (extra columns are ignored)."""
        kwargs = {f.name: columns[f.name] for f in fields(cls) if f.name in columns}
        missing = [name for name in COMMON_FIELDS if name not in kwargs]
        if missing:
            raise ValueError(f"missing input column(s): {', '.join(missing)}")
        return cls(**kwargs)

    def __len__(self) -> int:
        return int(self.age.shape[0])

    def column(self, name: str) -> FloatArray:
        value = getattr(self, name)
        if value is None:
            raise ValueError(f"input {name!r} is required for this model but was not given")
        assert isinstance(value, np.ndarray)
        return value

    def rows(self, index: slice | IntArray | BoolArray) -> PredictInputs:
        """The subset of patients selected by ``index`` (slice, integer or boolean array)."""
        kwargs: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            kwargs[f.name] = None if value is None else value[index]
        return PredictInputs(**kwargs)


@dataclass(frozen=True)
class InputError:
    """One invalid input value: 0-based row, column, value given and the allowed values."""

    row: int
    field: str
    value: float
    allowed: str

    @property
    def message(self) -> str:
        shown = "not recorded (NaN)" if math.isnan(self.value) else f"{self.value:g}"
        return f"{self.field}={shown} is not allowed; allowed: {self.allowed}"


def validate(
    inputs: PredictInputs, model: Model, limits: InputLimits | None = None
) -> tuple[BoolArray, tuple[InputError, ...]]:
    """Per-row validity for ``model`` and the list of offending values (row-major order);
    ``limits``: the input limits to apply (default: the packaged ones)."""
    specs = field_specs(limits)
    n = len(inputs)
    valid = np.ones(n, dtype=np.bool_)
    found: list[InputError] = []
    for name in required_fields(model):
        values = inputs.column(name)
        bad = specs[name].invalid(values)
        if bad.any():
            valid &= ~bad
            allowed = specs[name].allowed
            found.extend(
                InputError(int(i), name, float(values[i]), allowed) for i in np.flatnonzero(bad)
            )
    found.sort(key=lambda e: e.row)
    return valid, tuple(found)


@dataclass(frozen=True)
class PredictResult:
    """Year-by-year (1-15) cumulative mortality per patient and regimen.

    Arrays have shape (patients, regimens, 15); year index 0 is year 1. Probabilities 0-1.
    ``cum_mort_all = cum_mort_breast + cum_mort_other`` (competing-risk split of PREDICT);
    ``breast_net_survival`` is exp(-cumulative breast hazard), i.e. breast-cancer survival in
    the absence of other causes of death. Rows with ``applicable`` False are NaN; why is in
    ``errors``.
    """

    model: Model
    regimens: tuple[str, ...]
    cum_mort_all: FloatArray
    cum_mort_breast: FloatArray
    cum_mort_other: FloatArray
    breast_net_survival: FloatArray
    applicable: BoolArray
    errors: tuple[InputError, ...]

    @property
    def years(self) -> IntArray:
        return YEARS

    def regimen_index(self, regimen: str) -> int:
        try:
            return self.regimens.index(regimen)
        except ValueError:
            raise ValueError(
                f"regimen {regimen!r} is not a {self.model} regimen; allowed: "
                + ", ".join(self.regimens)
            ) from None

    @property
    def overall_survival(self) -> FloatArray:
        """1 - cumulative all-cause mortality."""
        return 1.0 - self.cum_mort_all

    @property
    def os_benefit(self) -> FloatArray:
        """Absolute overall-survival gain over surgery only (fraction; x100 = percentage points)."""
        return self.cum_mort_all[:, :1, :] - self.cum_mort_all

    def reasons(self, row: int) -> list[str]:
        """Why a row is not applicable (empty if it was computed)."""
        return [e.message for e in self.errors if e.row == row]


# --------------------------------------------------------------------------------------------
# Shared competing-risks core
# --------------------------------------------------------------------------------------------


def _annual(cumulative: FloatArray) -> FloatArray:
    """Annual increments along the last axis, the first year being the cumulative value."""
    out = np.empty_like(cumulative)
    out[..., 0] = cumulative[..., 0]
    np.subtract(cumulative[..., 1:], cumulative[..., :-1], out=out[..., 1:])
    return out


@cache
def _treatment_matrix(regimens: tuple[str, ...]) -> tuple[FloatArray, int]:
    """Indicator matrix (5 treatments x regimens) and the index of the first h10 regimen.

    The regimen tuples list all 5-year/no-endocrine regimens first, then the h10 ones.
    Cached: the returned matrix is shared and must not be modified.
    """
    matrix = np.zeros((len(_TREATMENTS), len(regimens)), dtype=np.float64)
    first_h10 = len(regimens)
    for j, name in enumerate(regimens):
        letters, extended = regimen_treatments(name)
        for i, letter in enumerate(_TREATMENTS):
            matrix[i, j] = 1.0 if letter in letters else 0.0
        if extended:
            first_h10 = min(first_h10, j)
        elif j > first_h10:
            raise ValueError("regimens with h10 must come last")
    return matrix, first_h10


def _cumsum_years(values: FloatArray) -> FloatArray:
    """In-place cumulative sum over the leading (year) axis.

    A loop over the 15 years of contiguous blocks; much faster than ``np.cumsum(axis=0)``.
    """
    for t in range(1, values.shape[0]):
        np.add(values[t - 1], values[t], out=values[t])
    return values


class Workspace:
    """Reusable (15, regimens, patients) buffers for chunked batch runs.

    Fresh multi-megabyte arrays per chunk are returned to the operating system and page-faulted
    back on every call, which costs more than the arithmetic; a workspace keeps them. Results
    computed with a workspace are views into these buffers and are overwritten by the next
    call that uses the same workspace.
    """

    _NAMES = ("s_br", "s_oth", "m_oth", "cum_all", "m_all", "m_br")

    def __init__(self) -> None:
        self._shape: tuple[int, int, int] | None = None
        self._buffers: dict[str, FloatArray] = {}

    def get(self, name: str, shape: tuple[int, int, int]) -> FloatArray:
        if shape != self._shape:
            self._buffers = {k: np.empty(shape, dtype=np.float64) for k in self._NAMES}
            self._shape = shape
        return self._buffers[name]


def _competing_risks(
    base_cum: FloatArray,
    base_cum_h10: FloatArray,
    log_hr: FloatArray,
    regimen_matrix: FloatArray,
    first_h10: int,
    s_other: FloatArray,
    other_variant: IntArray | None,
    workspace: Workspace | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """PREDICT's per-regimen survival and competing-risk split (README steps 3-5).

    base_cum: (15, n) sum over years of h_br(t)*exp(pi(t)); base_cum_h10 the same with the
    extended-endocrine weight from year 11. log_hr: (5, n) breast log-HRs of r, h, c, t, b.
    s_other: (15, V, n) other-cause survival per variant; other_variant maps regimen -> variant
    (None: V == 1, shared by all regimens).
    Works in (year, regimen, patient) layout so that every operation runs over long
    contiguous blocks; returns views shaped (n, R, 15): cum_mort_all, cum_mort_breast,
    cum_mort_other, breast net survival.
    """
    n = base_cum.shape[1]
    n_reg = regimen_matrix.shape[1]
    shape = (N_YEARS, n_reg, n)
    ws = workspace if workspace is not None else Workspace()

    neg_effect = -np.exp(regimen_matrix.T @ log_hr)  # (R, n): minus hazard ratio per regimen
    s_br = ws.get("s_br", shape)
    k = first_h10
    np.multiply(neg_effect[None, :k, :], base_cum[:, None, :], out=s_br[:, :k, :])
    np.multiply(neg_effect[None, k:, :], base_cum_h10[:, None, :], out=s_br[:, k:, :])
    np.exp(s_br, out=s_br)

    m_oth_v = np.empty_like(s_other)
    np.subtract(1.0, s_other[0], out=m_oth_v[0])
    np.subtract(s_other[:-1], s_other[1:], out=m_oth_v[1:])
    m_oth = ws.get("m_oth", shape)
    if other_variant is None:  # (15, 1, n) broadcasts over regimens
        s_oth = s_other
        m_oth[...] = m_oth_v
    else:
        s_oth = np.take(s_other, other_variant, axis=1, out=ws.get("s_oth", shape))
        np.take(m_oth_v, other_variant, axis=1, out=m_oth)

    # cumulative all-cause mortality and its annual increments
    cum_all = np.multiply(s_br, s_oth, out=ws.get("cum_all", shape))
    np.subtract(1.0, cum_all, out=cum_all)
    m_all = ws.get("m_all", shape)
    m_all[0] = cum_all[0]
    np.subtract(cum_all[1:], cum_all[:-1], out=m_all[1:])
    # annual breast-cancer risk
    m_br = ws.get("m_br", shape)
    np.subtract(1.0, s_br[0], out=m_br[0])
    np.subtract(s_br[:-1], s_br[1:], out=m_br[1:])
    # breast share of each year's deaths x all-cause deaths, accumulated over years
    denom = np.add(m_br, m_oth, out=m_oth)
    np.divide(m_br, denom, out=m_br)
    np.multiply(m_br, m_all, out=m_br)
    cum_br = _cumsum_years(m_br)
    cum_oth = np.subtract(cum_all, cum_br, out=m_all)
    return (
        cum_all.transpose(2, 1, 0),
        cum_br.transpose(2, 1, 0),
        cum_oth.transpose(2, 1, 0),
        s_br.transpose(2, 1, 0),
    )


def _base_cumulative(
    annual: FloatArray, endocrine: BoolArray, extended_log_hr: float
) -> tuple[FloatArray, FloatArray]:
    """Cumulative breast hazard before treatment, (15, n), without and with 10-year endocrine.

    With h10 the endocrine log-HR gains ``extended_log_hr`` in years 11-15, only for patients
    in whom endocrine therapy has an effect.
    """
    base_cum = np.cumsum(annual, axis=0)
    weighted = annual.copy()
    weighted[10:, endocrine] *= math.exp(extended_log_hr)
    return base_cum, np.cumsum(weighted, axis=0)


def _scatter(valid: BoolArray, values: FloatArray) -> FloatArray:
    if bool(valid.all()):
        return values
    out = np.full((valid.shape[0], *values.shape[1:]), np.nan, dtype=np.float64)
    out[valid] = values
    return out


def _time() -> FloatArray:
    return YEARS.astype(np.float64)


# --------------------------------------------------------------------------------------------
# v3.2
# --------------------------------------------------------------------------------------------


def _v32_core(
    x: PredictInputs, workspace: Workspace | None = None
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    k = coefficients()["v3_2"]
    cc = k["coefficients_csv"]
    tr = k["treatment"]
    year = _f(k, "calendar_year_minus_2000")
    n = len(x)

    er1 = x.er == 1
    screen = np.where(x.screen == 2, _f(k["missing"], "screen_unknown"), x.screen)
    grade = np.where(x.grade == 9, _f(k["missing"], "grade_unknown"), x.grade)
    a = (x.age - _f(k, "age_offset")) / 100.0
    log_a = np.log(a)
    log_nodes = np.log(x.nodes + 1.0)

    pos = (
        _f(cc, "ag1_er1") * a**-0.5
        + _f(cc, "ag2_er1") * a**2
        + _f(cc, "sz1_er1") * (1.0 - np.exp(-x.size / 20.0))
        + _f(cc, "nd1_er1") * log_nodes
        + _f(cc, "gr1_er1") * grade
        + _f(cc, "sc1_er1") * screen
        + _f(cc, "yr1_er1") * year
    )
    neg = (
        _f(cc, "ag1_er0") * a
        + _f(cc, "ag2_er0") * (a * log_a)
        + _f(cc, "sz1_er0") * np.log(x.size)
        + _f(cc, "nd1_er0") * log_nodes
        + _f(cc, "gr1_er0") * grade
        + _f(cc, "sc1_er0") * screen
        + _f(cc, "yr1_er0") * year
    )
    static = np.where(er1, pos, neg)

    her2 = x.her2
    her2_t = np.zeros((n, N_YEARS), dtype=np.float64)
    her2_t[er1 & (her2 == 1)] = np.asarray(k["her2_er_pos_positive"], dtype=np.float64)
    her2_t[er1 & (her2 == 0)] = np.asarray(k["her2_er_pos_negative"], dtype=np.float64)
    her2_t[~er1 & (her2 == 1)] = _f(k, "her2_er_neg_positive")
    her2_t[~er1 & (her2 == 0)] = _f(k, "her2_er_neg_negative")

    ki67 = np.select(
        [er1 & (x.ki67 == 1), er1 & (x.ki67 == 0)],
        [_f(k, "ki67_er_pos_positive"), _f(k, "ki67_er_pos_negative")],
        0.0,
    )
    prk = k["pr"]
    pr_v = x.column("pr")
    pr = np.select(
        [er1 & (pr_v == 1), er1 & (pr_v == 0), ~er1 & (pr_v == 1), ~er1 & (pr_v == 0)],
        [_f(prk, "er_pos_pr_pos"), _f(prk, "er_pos_pr_neg"),
         _f(prk, "er_neg_pr_pos"), _f(prk, "er_neg_pr_neg")],
        0.0,
    )  # fmt: skip
    rbase = k["radiotherapy_baseline_breast"]
    r_base = np.where(er1, _f(rbase, "er_pos"), _f(rbase, "er_neg"))
    pi = (static + ki67 + pr + r_base)[:, None] + her2_t  # (n, 15)

    # other-cause index
    sm = k["smoking"]
    prev, rr, frac = (
        _f(sm, "population_prevalence"),
        _f(sm, "relative_risk"),
        _f(sm, "smoking_related_fraction"),
    )
    rr_acm = frac * rr + 1 - frac
    smoker_beta = np.where(
        x.column("smoker") == 0,
        math.log(1 / (1 - prev + rr_acm * prev)),
        math.log(rr_acm / (1 - prev + rr_acm * prev)),
    )
    a3 = a**3
    mi = (
        _f(cc, "ag_ot_1") * a3
        + _f(cc, "ag_ot_2") * (a3 * log_a)
        + _f(cc, "yr_ot") * year
        + _f(k, "other_baseline_adjust")
        + smoker_beta
    )

    # baselines
    u = _time() / 10.0
    base_oth = np.exp(_f(cc, "h_ot_i") + _f(cc, "h_ot_t1") * np.log(u) + _f(cc, "h_ot_t2") * u)
    base_br_pos = np.exp(
        _f(cc, "h1_br_i")
        + _f(cc, "h1_br_t1") * u**-0.5
        + _f(cc, "h1_br_t2") * (u**-0.5 * np.log(u))
    )
    base_br_neg = np.exp(
        _f(cc, "h0_br_i")
        + _f(cc, "h0_br_t1") * u**-1.0
        + _f(cc, "h0_br_t2") * (u**-1.0 * np.log(u))
    )
    h_br = np.where(er1[:, None], _annual(base_br_pos), _annual(base_br_neg))
    h_oth = _annual(base_oth)

    # treatment log hazard ratios (breast)
    r = np.where(x.column("radio") == 1, math.log(_f(tr, "radiotherapy_breast_hr")), 0.0)
    h = np.where((x.horm == 1) & er1, _f(tr, "endocrine"), 0.0)
    c = np.where(
        x.generation == 0,
        0.0,
        np.where(x.generation == 2, _f(tr, "chemo_gen2"), _f(tr, "chemo_gen3")),
    )
    t = np.where((her2 == 1) & (x.traz == 1), _f(tr, "trastuzumab"), 0.0)
    b = np.where(x.bis == 1, _f(tr, "bisphosphonate"), 0.0)
    log_hr = np.stack([r, h, c, t, b], axis=0)

    annual = (h_br * np.exp(pi)).T  # (15, n)
    base_cum, base_cum_h10 = _base_cumulative(
        annual, h != 0, _f(tr, "endocrine_extended_years_11_15")
    )

    # other-cause survival: 4 variants (no r/c, r, c, r+c); r carries the heart-dose term
    r_oth = math.log(_f(tr, "radiotherapy_other_hr_per_gy")) * x.column("heart_gy")
    c_oth = np.where(x.generation == 0, 0.0, math.log(_f(tr, "chemo_other_hr")))
    variants_idx = np.stack([mi, mi + r_oth, mi + c_oth, mi + r_oth + c_oth], axis=0)
    cum_oth = _cumsum_years(h_oth[:, None, None] * np.exp(variants_idx)[None, :, :])
    s_other = np.exp(-cum_oth)  # (15, 4, n)

    matrix, first_h10 = _treatment_matrix(REGIMENS_V32)
    variant = (matrix[0] + 2 * matrix[2]).astype(np.int64)  # r -> +1, c -> +2
    return _competing_risks(
        base_cum, base_cum_h10, log_hr, matrix, first_h10, s_other, variant, workspace
    )


def v32(inputs: PredictInputs, limits: InputLimits | None = None) -> PredictResult:
    """PREDICT v3.2 (official ``benefits32``) for every row of ``inputs``, all 47 regimens.

    Treatment letters act only where the model allows (h: ER-positive and horm=1; t:
    HER2-positive and traz=1; r breast effect: radio=1; c: generation 2/3; b: bis=1). As in
    the official code, regimens containing r always carry the heart-dose other-mortality
    term ln(1.02)*heart_gy, and regimens containing c carry ln(1.2) when generation != 0.
    """
    return _run("v3.2", inputs, limits=limits)


# --------------------------------------------------------------------------------------------
# v2.2
# --------------------------------------------------------------------------------------------


def _v22_core(
    x: PredictInputs, workspace: Workspace | None = None
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    k = coefficients()["v2_2"]
    p, q, tr, oth = k["er_pos"], k["er_neg"], k["treatment"], k["other"]
    n = len(x)

    er1 = x.er == 1
    screen = np.where(x.screen == 2, _f(k["missing"], "screen_unknown"), x.screen)
    grade = np.where(x.grade == 9, _f(k["missing"], "grade_unknown"), x.grade)
    # ER-negative grade variable: 1 if grade is exactly 2 or 3, else 0 (official code)
    grade_neg = np.where((grade == 2) | (grade == 3), 1.0, 0.0)
    age = x.age
    a10 = age / 10.0
    nodes_x = np.log((x.nodes + 1.0) / 10.0)

    pos = (
        _f(p, "age1_beta") * (a10**-2 - _f(p, "age1_centre"))
        + _f(p, "age2_beta") * (a10**-2 * np.log(a10) - _f(p, "age2_centre"))
        + _f(p, "size_beta") * (np.log(x.size) - np.log(100.0) + _f(p, "size_centre"))
        + _f(p, "nodes_beta") * (nodes_x + _f(p, "nodes_centre"))
        + _f(p, "grade_beta") * grade
        + _f(p, "screen_beta") * screen
    )
    neg = (
        _f(q, "age1_beta") * (age - _f(q, "age1_centre"))
        + _f(q, "size_beta") * ((x.size / 100.0) ** 0.5 - _f(q, "size_centre"))
        + _f(q, "nodes_beta") * (nodes_x + _f(q, "nodes_centre"))
        + _f(q, "grade_beta") * grade_neg
    )
    her2 = np.select([x.her2 == 1, x.her2 == 0], [_f(k, "her2_pos"), _f(k, "her2_neg")], 0.0)
    ki67 = np.select(
        [er1 & (x.ki67 == 1), er1 & (x.ki67 == 0)], [_f(p, "ki67_pos"), _f(p, "ki67_neg")], 0.0
    )
    pi = np.where(er1, pos, neg) + her2 + ki67
    mi = _f(oth, "age_beta") * (a10**2 - _f(oth, "age_centre"))

    t_ = _time()
    bo = oth["baseline"]
    base_oth = np.exp(
        _f(bo, "intercept") + _f(bo, "log_t") * np.log(t_) + _f(bo, "sqrt_t") * t_**0.5
    )
    bp, bn = p["baseline_breast"], q["baseline_breast"]
    base_br_pos = np.exp(
        _f(bp, "intercept")
        + _f(bp, "inv_sqrt_t") / t_**0.5
        + _f(bp, "log_t_over_sqrt_t") * np.log(t_) / t_**0.5
    )
    base_br_neg = np.exp(
        _f(bn, "intercept") + _f(bn, "inv_t_squared") / t_**2 + _f(bn, "inv_t") / t_
    )
    h_br = np.where(er1[:, None], _annual(base_br_pos), _annual(base_br_neg))

    h = np.where((x.horm == 1) & er1, _f(tr, "endocrine"), 0.0)
    c = np.where(
        x.generation == 0,
        0.0,
        np.where(x.generation == 2, _f(tr, "chemo_gen2"), _f(tr, "chemo_gen3")),
    )
    t = np.where((x.her2 == 1) & (x.traz == 1), _f(tr, "trastuzumab"), 0.0)
    b = np.where(x.bis == 1, _f(tr, "bisphosphonate"), 0.0)
    log_hr = np.stack([np.zeros(n), h, c, t, b], axis=0)

    annual = (h_br * np.exp(pi)[:, None]).T  # (15, n)
    # Extended endocrine only where endocrine therapy applies (the official v2.2 code also
    # applies the year 11-15 term when it does not; that quirk is deliberately not reproduced).
    base_cum, base_cum_h10 = _base_cumulative(
        annual, h != 0, _f(tr, "endocrine_extended_years_11_15")
    )

    # v2.2: other-cause survival from the cumulative baseline directly, same for all regimens
    s_other = np.exp(-np.exp(mi)[None, None, :] * base_oth[:, None, None])  # (15, 1, n)
    matrix, first_h10 = _treatment_matrix(REGIMENS_V22)
    return _competing_risks(
        base_cum, base_cum_h10, log_hr, matrix, first_h10, s_other, None, workspace
    )


def v22(inputs: PredictInputs, limits: InputLimits | None = None) -> PredictResult:
    """PREDICT v2.2 (official ``benefits22``) for every row of ``inputs``, 24 regimens.

    No radiotherapy term and no treatment effect on other-cause mortality. The official code's
    breast/other split uses cumulative instead of annual breast risk for regimens after the
    second column; it does not change all-cause mortality (the published output) and is not
    reproduced here: the split follows the documented method for every regimen.
    """
    return _run("v2.2", inputs, limits=limits)


# --------------------------------------------------------------------------------------------
# Dispatcher
# --------------------------------------------------------------------------------------------


def regimens(model: Model) -> tuple[str, ...]:
    """Regimen names of a model, in output order."""
    required_fields(model)
    return REGIMENS_V32 if model == "v3.2" else REGIMENS_V22


def _run(
    model: Model,
    inputs: PredictInputs,
    workspace: Workspace | None = None,
    row_offset: int = 0,
    limits: InputLimits | None = None,
) -> PredictResult:
    valid, errors = validate(inputs, model, limits)
    if row_offset:
        errors = tuple(replace(e, row=e.row + row_offset) for e in errors)
    names = regimens(model)
    n_valid = int(valid.sum())
    if n_valid == 0:
        empty = np.full((len(inputs), len(names), N_YEARS), np.nan)
        return PredictResult(model, names, empty, empty.copy(), empty.copy(), empty.copy(),
                             valid, errors)  # fmt: skip
    subset = inputs if n_valid == len(inputs) else inputs.rows(valid)
    core = _v32_core if model == "v3.2" else _v22_core
    cum_all, cum_br, cum_oth, s_br = core(subset, workspace)
    return PredictResult(
        model=model,
        regimens=names,
        cum_mort_all=_scatter(valid, cum_all),
        cum_mort_breast=_scatter(valid, cum_br),
        cum_mort_other=_scatter(valid, cum_oth),
        breast_net_survival=_scatter(valid, s_br),
        applicable=valid,
        errors=errors,
    )


def predict(
    model: Model, inputs: PredictInputs, limits: InputLimits | None = None
) -> PredictResult:
    """Run ``model`` ("v2.2" or "v3.2") on ``inputs`` (``limits``: as :func:`validate`)."""
    if model == "v3.2":
        return v32(inputs, limits)
    if model == "v2.2":
        return v22(inputs, limits)
    raise ValueError(f"model must be 'v2.2' or 'v3.2', got {model!r}")


#: Patients per chunk in :func:`iter_chunks`; (15 x 47 x 500) float64 buffers are ~2.8 MB,
#: small enough to stay in cache-friendly territory (measured fastest on the project machine).
DEFAULT_CHUNK = 500


def iter_chunks(
    model: Model,
    inputs: PredictInputs,
    chunk_size: int = DEFAULT_CHUNK,
    limits: InputLimits | None = None,
) -> Iterator[tuple[int, PredictResult]]:
    """Run ``model`` over ``inputs`` in chunks; yields (first row, result for those rows).

    Each result's arrays are views into buffers reused by the next chunk: consume or copy them
    before advancing the iterator. Error rows are numbered within the whole of ``inputs``.
    """
    required_fields(model)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    workspace = Workspace()
    for start in range(0, len(inputs), chunk_size):
        stop = min(start + chunk_size, len(inputs))
        yield start, _run(model, inputs.rows(slice(start, stop)), workspace, start, limits)
