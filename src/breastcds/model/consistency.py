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

A check's condition is written in the rule language of the derived facts
(:mod:`breastcds.language.expressions`, its inputs read as ``{fact: input}``) and run by that
language's one interpreter and one polars compiler; this module only binds the inputs (a
record's fields, or the cohort's columns). A check fails only when its condition is certainly
true (Kleene logic, the same as polars' null logic): a field that is not recorded never makes
a contradiction.

The file lives with the other reviewed knowledge, but its schema is here, in the ground layer
with the rule language: the case model runs the checks and imports nothing above it (the data
file is read, not imported). :func:`checks_from` runs both engines on the checks of another
knowledge directory (``rule_tables.knowledge_from`` activates it with the decision tables).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from breastcds.language.expressions import Expr, evaluate, read_path
from breastcds.language.expressions import to_polars as compile_expression
from breastcds.model.errors import Inconsistency
from breastcds.model.overridable import Overridable

if TYPE_CHECKING:  # the cohort backend's dependency; one-patient validation does not load it
    import polars as pl

FILE = "consistency.yaml"
#: The packaged knowledge directory (a data file is read from it; no module is imported).
PACKAGED = Path(__file__).resolve().parent.parent / "knowledge"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Input(_Strict):
    input: str = Field(description="the name conditions and the message use")
    field: str = Field(description="case path (a list item as *)")


class Check(_Strict):
    """One consistency check (see ``knowledge/consistency.yaml``)."""

    id: str
    record: str = Field(description='the record it runs on: "" = the case, else a case path')
    inputs: tuple[Input, ...] = Field(min_length=1)
    when: Expr = Field(description="fails where true: an expression over the inputs, "
                       "each read as {fact: input}")  # fmt: skip
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
        unknown = self.when.facts() - set(names)
        if unknown:
            raise ValueError(f"{self.id}: the condition names {sorted(unknown)}, not inputs")
        for node in self.when.nodes():
            if node.field is not None or node.drug is not None or node.agent_in_class:
                raise ValueError(f"{self.id}: the condition reads its inputs only "
                                 "({fact: input}; no case field, no drug catalogue)")  # fmt: skip
        self.when.check_scopes(_no_list_path)
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


class _Inputs:
    """The check's inputs as the rule language reads them (``{fact: input}``)."""

    __slots__ = ("values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values

    def fact(self, name: str) -> Any:
        return self.values[name]

    def field(self, path: str) -> Any:  # refused when the check is loaded
        raise AssertionError(f"a check reads no case field ({path})")

    def drug(self, agent: str | None, attribute: str) -> Any:  # refused when loaded
        raise AssertionError("a check reads no drug catalogue")


def _no_list_path(path: str) -> bool:
    """A check binds no case list by path (its inputs are read as facts)."""
    return False


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
        values = {i.input: read_path(record, check.relative(i.input)) for i in check.inputs}
        if evaluate(check.when, _Inputs(values)) is True:
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
    null = not recorded; None: the frame cannot hold that field, so it is never recorded):
    the rule language's compiler with the inputs bound as its facts."""
    import polars as pl

    def fact(name: str) -> pl.Expr:
        e = inputs[name]
        return pl.lit(None) if e is None else e

    return compile_expression(check.when, _no_field, fact).fill_null(False)


def _no_field(path: str) -> pl.Expr:  # refused when the check is loaded
    raise AssertionError(f"a check reads no case field ({path})")
