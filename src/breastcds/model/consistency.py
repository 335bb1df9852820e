"""The case model's consistency checks: one definition, run per patient or compiled for a cohort.

The checks (contradictions between recorded fields: nodes positive above nodes examined, an
invasive size with pure DCIS, de novo metastatic disease with a recorded recurrence...) are data
in ``knowledge/consistency.yaml``; the file's header describes a check. Two backends share the
validated checks:

- :func:`check_record` (one patient): the case model's validators call it for every record
  (``Tumour``, ``Treatment``...) and it raises :class:`Inconsistency` for the first failing
  check, naming the field, its value and the message;
- :func:`to_polars` (a cohort): one boolean expression per check over bound input expressions;
  ``cohort/validate.py`` binds the inputs to the flat columns and renders the message of every
  failing row with :func:`message`, so both engines say the same words.

A check fails only when its condition is certainly true (Kleene logic, the same as polars'
null logic): a field that is not recorded never makes a contradiction.

The file lives with the other reviewed knowledge, but its schema and interpreter are here, in
the ground layer: the case model runs the checks and imports nothing above it (the data file is
read, not imported). :func:`checks_from` runs both engines on the checks of another knowledge
directory (``rule_tables.knowledge_from`` activates it with the decision tables).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from breastcds.model.errors import Inconsistency
from breastcds.model.overridable import Overridable

if TYPE_CHECKING:  # the cohort backend's dependency; one-patient validation does not load it
    import polars as pl

FILE = "consistency.yaml"
#: The packaged knowledge directory (a data file is read from it; no module is imported).
PACKAGED = Path(__file__).resolve().parent.parent / "knowledge"

Op = Literal[
    "recorded", "is", "eq", "ne", "lt", "lte", "gt", "gte", "in", "has_any", "empty", "distinct"
]
Scalar = str | int | float | bool


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Condition(_Strict):
    """A leaf ``{input, op, value | other}`` or a combination ``all`` / ``any`` / ``not``."""

    input: str | None = None
    op: Op | None = None
    value: Scalar | tuple[Scalar, ...] | None = None
    other: str | None = Field(None, description="compare with another input instead of a value")
    all_: tuple[Condition, ...] | None = Field(None, alias="all")
    any_: tuple[Condition, ...] | None = Field(None, alias="any")
    not_: Condition | None = Field(None, alias="not")

    @model_validator(mode="after")
    def _shape(self) -> Condition:
        combos = [x for x in (self.all_, self.any_, self.not_) if x is not None]
        if self.input is None:
            if len(combos) != 1 or self.op is not None:
                raise ValueError("a condition is one leaf or one of all / any / not")
            return self
        if combos or self.op is None:
            raise ValueError(f"leaf on {self.input!r} needs an op and no all/any/not")
        listed = self.op in ("in", "has_any")
        if self.op in ("recorded", "empty", "distinct") and not isinstance(self.value, bool):
            raise ValueError(f"{self.op} takes value true or false")
        if listed and not isinstance(self.value, tuple):
            raise ValueError(f"{self.op} takes a list of values")
        if self.other is not None and self.op not in ("eq", "ne", "lt", "lte", "gt", "gte"):
            raise ValueError(f"{self.op} cannot compare with another input")
        flag = self.op in ("recorded", "empty", "distinct")
        single = not flag and not listed and self.other is None
        if single and (self.value is None or isinstance(self.value, tuple)):
            raise ValueError(f"{self.op} on {self.input!r} needs one value or other")
        return self

    def inputs(self) -> set[str]:
        if self.input is not None:
            return {self.input} | ({self.other} if self.other else set())
        return set().union(*(c.inputs() for c in self.children()))

    def children(self) -> tuple[Condition, ...]:
        if self.not_ is not None:
            return (self.not_,)
        return self.all_ or self.any_ or ()


class Input(_Strict):
    input: str = Field(description="the name conditions and the message use")
    field: str = Field(description="case path (a list item as *)")


class Check(_Strict):
    """One consistency check (see ``knowledge/consistency.yaml``)."""

    id: str
    record: str = Field(description='the record it runs on: "" = the case, else a case path')
    inputs: tuple[Input, ...] = Field(min_length=1)
    when: Condition
    field: str = Field(description="the case path the error names (one input's field)")
    message: str
    source: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> Check:
        names = [i.input for i in self.inputs]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.id}: an input is named twice")
        if self.field not in {i.field for i in self.inputs}:
            raise ValueError(f"{self.id}: field {self.field!r} is not an input's field")
        unknown = self.when.inputs() - set(names)
        if unknown:
            raise ValueError(f"{self.id}: the condition names {sorted(unknown)}, not inputs")
        for i in self.inputs:
            if self.record and not i.field.startswith(self.record + "."):
                raise ValueError(f"{self.id}: {i.field!r} is not inside {self.record!r}")
        try:
            self.message.format_map({n: "" for n in names})
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"{self.id}: message names {exc}, not an input") from exc
        return self

    def relative(self, name: str) -> str:
        """The path of input ``name`` inside the record."""
        path = next(i.field for i in self.inputs if i.input == name)
        return path[len(self.record) + 1 :] if self.record else path

    @property
    def named(self) -> str:
        """The input whose field the error names."""
        return next(i.input for i in self.inputs if i.field == self.field)


class ChecksFile(_Strict):
    checks: tuple[Check, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> ChecksFile:
        ids = [c.id for c in self.checks]
        if len(set(ids)) != len(ids):
            raise ValueError("a check id is used twice")
        return self


class ChecksError(RuntimeError):
    """The checks file is missing or does not match its schema."""


@dataclass(frozen=True)
class Checks:
    """The validated checks and, per case-model record class, the checks that run on it."""

    checks: tuple[Check, ...]
    _by_class: dict[type[BaseModel], tuple[Check, ...]] = field(default_factory=dict)

    def for_class(self, cls: type[BaseModel]) -> tuple[Check, ...]:
        if not self._by_class and self.checks:
            self._by_class.update(_by_class(self.checks))
        return self._by_class.get(cls, ())


def load_checks(directory: Path | None = None) -> Checks:
    """The checks of ``directory``'s ``consistency.yaml`` (default: the packaged knowledge)."""
    path = (directory or PACKAGED) / FILE
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
        return Checks(ChecksFile.model_validate(data).checks)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ChecksError(f"{path}: {exc}") from exc


_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CHECKS: Overridable[Checks] = Overridable(load_checks)


def active() -> Checks:
    """The checks both engines run: the packaged ones unless :func:`checks_from` is active."""
    return _CHECKS.active()


def checks_from(directory: Path) -> AbstractContextManager[Checks]:
    """Run both engines on the checks of another knowledge directory."""
    return _CHECKS.overriding(load_checks(directory))


def _by_class(checks: Sequence[Check]) -> dict[type[BaseModel], tuple[Check, ...]]:
    from breastcds.model.case import Case  # the case model imports this module

    out: dict[type[BaseModel], list[Check]] = {}
    for check in checks:
        out.setdefault(_record_class(Case, check.record), []).append(check)
    return {k: tuple(v) for k, v in out.items()}


def _record_class(root: type[BaseModel], record: str) -> type[BaseModel]:
    from breastcds.model.paths import _models_in  # the registry imports the case model

    model = root
    for part in record.split(".") if record else ():
        if part == "*":
            continue
        info = model.model_fields.get(part)
        models = _models_in(info.annotation)[0] if info is not None else []
        if len(models) != 1:
            raise ChecksError(f"record {record!r}: {part!r} is not one record of the case model")
        model = models[0]
    return model


# --------------------------------------------------------------------------------------------
# One patient
# --------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A record's value as both engines see it: codes as their text, lists of codes as lists."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _get(record: BaseModel, path: str) -> Any:
    node: Any = record
    for part in path.split("."):
        if node is None:
            return None
        node = getattr(node, part)
    return _plain(node)


def evaluate(c: Condition, values: Mapping[str, Any]) -> bool | None:
    """Three-valued truth of ``c`` over input values (None = not recorded / undecided)."""
    if c.all_ is not None:
        parts = [evaluate(x, values) for x in c.all_]
        return False if False in parts else (None if None in parts else True)
    if c.any_ is not None:
        parts = [evaluate(x, values) for x in c.any_]
        return True if True in parts else (None if None in parts else False)
    if c.not_ is not None:
        inner = evaluate(c.not_, values)
        return None if inner is None else not inner
    assert c.input is not None
    return _leaf(c, values[c.input], values[c.other] if c.other else c.value)


def _leaf(c: Condition, x: Any, v: Any) -> bool | None:
    if c.op == "recorded":
        return (x is not None) is v
    if c.op == "is":
        return x is not None and bool(x == v)
    if x is None or v is None:
        return None
    if c.op == "in":
        return x in v
    if c.op == "has_any":
        return any(item in v for item in x)
    if c.op == "empty":
        return (len(x) == 0) is v
    if c.op == "distinct":  # a list whose entries are all different
        return (len(set(x)) == len(x)) is v
    result: bool = {
        "eq": lambda: x == v, "ne": lambda: x != v, "lt": lambda: x < v,
        "lte": lambda: x <= v, "gt": lambda: x > v, "gte": lambda: x >= v,
    }[str(c.op)]()  # fmt: skip
    return result


def text(value: Any) -> str:
    """How a value is written in a message (the same for both engines)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(text(v) for v in value)
    return str(value)


def message(check: Check, values: Mapping[str, Any]) -> str:
    """The message of a failing check, its placeholders filled with the input values."""
    return " ".join(check.message.format_map({k: text(v) for k, v in values.items()}).split())


def failures(record: BaseModel) -> Iterator[Inconsistency]:
    """Every check of ``record``'s class that fails on it, as the error it raises."""
    for check in active().for_class(type(record)):
        values = {i.input: _get(record, check.relative(i.input)) for i in check.inputs}
        if evaluate(check.when, values) is True:
            value = values[check.named]
            shown = "recorded" if isinstance(value, BaseModel) else value
            shown = shown.isoformat() if isinstance(shown, dt.date) else shown
            yield Inconsistency(check.relative(check.named), shown, message(check, values))


def check_record(record: BaseModel) -> None:
    """Raise the first failing check of ``record`` (a case-model record) as Inconsistency."""
    for problem in failures(record):
        raise problem


# --------------------------------------------------------------------------------------------
# A polars frame
# --------------------------------------------------------------------------------------------


def to_polars(check: Check, inputs: Mapping[str, pl.Expr | None]) -> pl.Expr:
    """True where ``check`` fails, over ``inputs`` (input name -> expression of the case value,
    null = not recorded; None: the frame cannot hold that field, so it is never recorded)."""
    return _compile(check.when, inputs).fill_null(False)


def _compile(c: Condition, inputs: Mapping[str, pl.Expr | None]) -> pl.Expr:
    import polars as pl

    if c.all_ is not None or c.any_ is not None:
        parts = [_compile(x, inputs) for x in c.children()]
        out = parts[0]
        for p in parts[1:]:
            out = (out & p) if c.all_ is not None else (out | p)
        return out
    if c.not_ is not None:
        return ~_compile(c.not_, inputs)
    assert c.input is not None
    x = inputs[c.input]
    v: Any = inputs[c.other] if c.other else c.value
    if x is None or (c.other and v is None):  # the frame holds no such field: not recorded
        return pl.lit(_leaf(c, None, None if c.other else c.value), pl.Boolean)
    if c.op == "recorded":
        return x.is_not_null() if c.value else x.is_null()
    if c.op == "is":
        return (x == pl.lit(v)).fill_null(False)
    if c.op == "in":
        return pl.when(x.is_null()).then(None).otherwise(x.is_in(list(v)))
    if c.op == "has_any":
        hit = x.list.eval(pl.element().is_in(list(v))).list.any()
        return pl.when(x.is_null()).then(None).otherwise(hit)
    if c.op == "empty":
        size = x.list.len()
        return pl.when(x.is_null()).then(None).otherwise(size.eq(0) if v else size.gt(0))
    if c.op == "distinct":
        size, unique = x.list.len(), x.list.n_unique()
        return pl.when(x.is_null()).then(None).otherwise(size.eq(unique) if v else size.ne(unique))
    y = v if isinstance(v, pl.Expr) else pl.lit(v)
    ops = {"eq": x.eq(y), "ne": x.ne(y), "lt": x.lt(y), "lte": x.le(y), "gt": x.gt(y),
           "gte": x.ge(y)}  # fmt: skip
    return ops[str(c.op)]
