"""Case + Classification -> PREDICT inputs, with every mapping stated (pure, no I/O).

Each input of PREDICT v2.2 / v3.2 is derived from one case field by a rule that is written out
in a :class:`Statement`. "Not recorded" becomes the model's own unknown code only where the
official code has one (screen 2; grade, PR, HER2, Ki-67 9); otherwise the result names the
case field that is needed. Cases outside the population the official tool is designed for, or
outside its input ranges, are "not applicable" with the reason: each reason is a
``predict_population_*`` table of ``knowledge/classification/predict_mapping.yaml``, run here
and compiled for cohorts by ``cohort/engine.py``. Which adjuvant treatments are shown, why,
with which regimen letter and model input (``horm``, ``generation``, ``traz``, ``bis``,
``radio``) is a ``predict_component_*`` table per treatment, run here and compiled for the
cohort's regimen. Nothing here raises for clinical data.

Official conventions followed (WintonCentre repositories, MIT licence):

* ``predict-v21-main`` (web tool, commit 27db8a7):
  - ``src/cljs/predict3/models/adapters/predict2.cljs`` ``nodes-v2``: 1 positive node with
    "micrometastases only" = yes is entered as 0.5 nodes; any other count is used as is;
    micrometastases "unknown"/"disabled" leave the count unchanged. ``content.cljs``
    (section "Micrometastases only"): "Predict will model this as equivalent to half a
    positive node ... only relevant if you have entered 1 for the number of positive nodes".
  - ``src/cljs/predict3/content.cljs`` (Ki-67 help) and ``layout/input_panels.cljs``
    ("Positive means more than 10%"): Ki-67 positive = more than 10 % of cells.
  - ``src/cljs/predict3/content.cljs``: "not designed for women who have had neo-adjuvant
    treatments ... whose breast cancer is in both breasts or has already spread to distant
    parts of the body ... non-invasive breast cancer, such as DCIS or LCIS ... not designed for
    men" (also the FAQ entries on neo-adjuvant treatment, men, metastatic disease, DCIS/LCIS).
  - ``src/cljs/predict3/state/config.cljs``: input limits age 25-85, size 0-500 mm, nodes
    0-100 (the values in ``knowledge/predict_coefficients.yaml`` used by ``predict.py``).
* ``predict-v30-r`` (commit 42223bc), ``R/benefits32.R``: smoker "Never/ex = 0, current = 1"
  (no unknown code); heart dose in Gy (no unknown code; the other-mortality baseline assumes a
  2 Gy population average, comment on ``r.base.oth``); bisphosphonate "Only applicable to
  menopausal women". ``R/benefits30.R`` (``s200``, parameters from the web tool's generator)
  calls the v3 model with ``nodes.in=0.5``: the half node is a v3 input as well.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from breastcds.knowledge import rule_tables
from breastcds.model.assessment import Classification, MissingInput
from breastcds.model.case import Case

if TYPE_CHECKING:
    from breastcds.prognosis import predict

ModelName = Literal["v2.2", "v3.2"]
Treatment = Literal["endocrine", "chemotherapy", "trastuzumab", "bisphosphonate", "radiotherapy"]
ComponentStatus = Literal["included", "not_applicable", "needs_data"]

R_CODE = "WintonCentre/predict-v30-r (official R code, commit 42223bc)"
#: the official web tool's coding of one node holding micrometastases only (when it applies:
#: table predict_nodes of knowledge/classification/predict_mapping.yaml)
HALF_NODE = 0.5

#: treatment letters in PREDICT regimen names (each component table's ``letter`` must be its
#: treatment's), the official cumulative order of the section's steps, and the order of the
#: letters in the official regimen names (R/benefits32.R: "rhctb", "rh10ctb")
LETTER: dict[Treatment, str] = {
    "endocrine": "h",
    "chemotherapy": "c",
    "trastuzumab": "t",
    "bisphosphonate": "b",
    "radiotherapy": "r",
}
ORDER: tuple[Treatment, ...] = (
    "endocrine",
    "chemotherapy",
    "trastuzumab",
    "bisphosphonate",
    "radiotherapy",
)
REGIMEN_ORDER = "rhctb"


@dataclass(frozen=True)
class Statement:
    """One mapping from the case to a model input, in words, with the value used."""

    input: str
    value: float | None
    case_field: str
    text: str
    models: tuple[ModelName, ...] = ("v2.2", "v3.2")
    flag: bool = False  # True: a convention the board should be aware of (e.g. ER-low)


@dataclass(frozen=True)
class Component:
    """One adjuvant treatment PREDICT can add, and whether it is shown for this case."""

    treatment: Treatment
    status: ComponentStatus
    reason: str
    models: tuple[ModelName, ...]
    #: the case fields the component needs (status needs_data)
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class PredictMapping:
    """PREDICT inputs of one case, or why they cannot be given.

    ``status``: "mapped" (both models can run; v3.2 may still need ``missing_v32``),
    "not_applicable" (``reasons``, coded in ``reason_codes``) or "needs_data" (``missing``).
    """

    status: Literal["mapped", "not_applicable", "needs_data"]
    reasons: tuple[str, ...]
    missing: tuple[MissingInput, ...]
    missing_v32: tuple[MissingInput, ...]
    statements: tuple[Statement, ...]
    values: Mapping[str, float] = field(default_factory=dict)
    components: tuple[Component, ...] = ()
    #: the population tables' codes of ``reasons``, in order (the cohort's
    #: ``predict.not_applicable``)
    reason_codes: tuple[str, ...] = ()

    def runnable(self, model: ModelName) -> bool:
        if self.status != "mapped":
            return False
        return model == "v2.2" or not self.missing_v32

    def included(self, model: ModelName) -> tuple[Treatment, ...]:
        """Included treatments for ``model`` in the official cumulative order."""
        return tuple(
            c.treatment for c in self.components if c.status == "included" and model in c.models
        )

    def inputs(self, model: ModelName) -> predict.PredictInputs:
        """One-row model inputs (raises ValueError if the model cannot run for this case)."""
        from breastcds.prognosis import predict  # numpy: loaded only when PREDICT runs

        if not self.runnable(model):
            raise ValueError(f"PREDICT {model} cannot run for this case: {self.status}")
        names = predict.required_fields(model)
        return predict.PredictInputs.from_columns({k: self.values[k] for k in names})


def regimen_name(model: ModelName, treatments: tuple[Treatment, ...]) -> str:
    """PREDICT regimen of a set of treatments ("s"/"surg" for none), letters in r-h-c-t-b order."""
    from breastcds.prognosis import predict  # numpy: loaded only when PREDICT runs

    if not treatments:
        return "s" if model == "v3.2" else "surg"
    letters = {LETTER[t] for t in treatments}
    name = "".join(x for x in REGIMEN_ORDER if x in letters)
    if name not in predict.regimens(model):
        raise ValueError(f"{name!r} is not a PREDICT {model} regimen")
    return name


#: Prefix of the tables that each decide one reason PREDICT does not apply (who PREDICT is for,
#: and the model's input ranges): knowledge/classification/predict_mapping.yaml.
POPULATION_PREFIX = "predict_population_"


def population_tables() -> tuple[rule_tables.Table, ...]:
    """The population tables both engines run, in the order of the knowledge file."""
    tables = rule_tables.active().tables
    return tuple(t for name, t in tables.items() if name.startswith(POPULATION_PREFIX))


def population_facts(case: Case) -> dict[str, object]:
    """The case's values of the population tables' inputs (None: not recorded)."""
    p, t, tr = case.patient, case.tumour, case.treatment
    surgery = None if tr.surgery is None else tr.surgery.type
    return {
        "sex": None if p.sex is None else p.sex.value,
        "age": p.age_years,
        "site_count": None if t.metastatic_sites is None else len(t.metastatic_sites),
        "clinical_m": t.clinical_m,
        "pathological_m": t.pathological_m,
        "dcis_only": t.dcis_only,
        "laterality": None if t.laterality is None else t.laterality.value,
        "neoadjuvant": tr.neoadjuvant is not None,
        "decision_point": None if case.decision_point is None else case.decision_point.value,
        "surgery_type": None if surgery is None else surgery.value,
        "size": t.size_mm,
        "nodes": t.nodes_positive,
    }


#: Where the tables read the model's input limits (``parameters`` as ``file.yaml#path``).
LIMITS_PATH = "predict_coefficients.yaml#input_limits."


T = TypeVar("T")

#: Values read from the active decision tables, by name, with the tables they were read from
#: (one entry per name: an overridden knowledge copy is not kept alive after its block).
_READ: dict[str, tuple[rule_tables.RuleTables, Any]] = {}


def _from_active_tables(name: str, read: Callable[[rule_tables.RuleTables], T]) -> T:
    """``read(tables)`` of the active decision tables, read again only when they change."""
    tables = rule_tables.active()
    last = _READ.get(name)
    if last is not None and last[0] is tables:
        return cast(T, last[1])
    value = read(tables)
    _READ[name] = (tables, value)
    return value


def input_limits() -> dict[str, dict[str, float]]:
    """The PREDICT input limits of the active knowledge, in the shape of ``input_limits`` of
    ``predict_coefficients.yaml``: the bounds the population tables read (packaged, or a copy's
    inside ``knowledge_from``), passed to the core's own validation so that both agree."""
    return _from_active_tables("input_limits", _read_limits)


def _read_limits(tables: rule_tables.RuleTables) -> dict[str, dict[str, float]]:
    limits: dict[str, dict[str, float]] = {}
    for table in tables.tables.values():
        for name, path in table.parameters.items():
            if path.startswith(LIMITS_PATH):
                section, _, bound = path.removeprefix(LIMITS_PATH).partition(".")
                limits.setdefault(section, {})[bound] = table.params[name]
    return limits


#: Prefix of the tables that each decide one adjuvant treatment PREDICT can add (whether it is
#: shown, why, the case field it needs, its regimen letter and the model input that switches
#: it on): knowledge/classification/predict_mapping.yaml.
COMPONENT_PREFIX = "predict_component_"
#: the outputs every component table has; its other outputs are PREDICT inputs
COMPONENT_OUTPUTS = ("treatment", "models", "status", "letter", "note", "flag")
#: the PREDICT inputs a component table may set (official R code: generation.in, horm.in,
#: traz.in, bis.in, radio.in)
TREATMENT_INPUTS = ("generation", "horm", "traz", "bis", "radio")


@dataclass(frozen=True)
class ComponentTable:
    """A ``predict_component_*`` table with what its constant outputs say."""

    treatment: Treatment
    models: tuple[ModelName, ...]
    letter: str | None  # the regimen letter when included (None: never included)
    inputs: tuple[str, ...]  # the PREDICT inputs it sets
    table: rule_tables.Table


def _component_table(table: rule_tables.Table) -> ComponentTable:
    """Read a component table's constant outputs; refuse one PREDICT could not run."""
    from breastcds.knowledge.loader import KnowledgeError

    out = table.outputs
    treatments = [t for t in ORDER if (t,) == out.get("treatment")]
    models = [str(m).split(", ") for m in out.get("models", ())]
    letters = [x for x in out.get("letter", ()) if x is not None]
    inputs = tuple(k for k in out if k not in COMPONENT_OUTPUTS)
    problem = None
    if absent := [k for k in COMPONENT_OUTPUTS if k not in out]:
        problem = f"has no output {absent}"
    elif not treatments:
        problem = f"treatment {out['treatment']} is not one of {ORDER}"
    elif len(models) != 1 or not set(models[0]) <= {"v2.2", "v3.2"}:
        problem = f"models {out['models']} is not 'v2.2', 'v3.2' or 'v2.2, v3.2'"
    elif letters not in ([], [LETTER[treatments[0]]]):
        problem = f"letter {letters}: {treatments[0]} is {LETTER[treatments[0]]!r} in regimens"
    elif not set(inputs) <= set(TREATMENT_INPUTS):
        problem = f"outputs {inputs} are not PREDICT treatment inputs {TREATMENT_INPUTS}"
    if problem is not None:
        raise KnowledgeError(f"PREDICT component table {table.id}: {problem}")
    names = tuple(m for m in ("v2.2", "v3.2") if m in models[0])
    letter = str(letters[0]) if letters else None
    return ComponentTable(treatments[0], names, letter, inputs, table)


def component_tables() -> tuple[ComponentTable, ...]:
    """The component tables both engines run, in the official cumulative order (``ORDER``;
    tables of one treatment in the order of the knowledge file)."""
    return _from_active_tables("component_tables", _read_components)


def _read_components(active: rule_tables.RuleTables) -> tuple[ComponentTable, ...]:
    found = [
        _component_table(t) for n, t in active.tables.items() if n.startswith(COMPONENT_PREFIX)
    ]
    return tuple(sorted(found, key=lambda c: ORDER.index(c.treatment)))


def component_facts(
    case: Case, c: Classification, heart_dose_gy: float | None, heart_source: str
) -> dict[str, object]:
    """The values of the component tables' inputs (None: not recorded); ``heart_dose_gy`` and
    ``heart_source``: the mean heart dose in Gy and where it came from."""
    meno = case.patient.menopausal_status
    return {
        "er_status": c.er.status,
        "er_percent": c.er.percent,
        "her2_status": c.her2.status,
        "her2_category": c.her2.category,
        "menopausal_status": None if meno is None else meno.value,
        "heart_gy": heart_dose_gy,
        "source": heart_source,
    }


@dataclass
class _Draft:
    """The mapping as it is built: values, statements, and why it cannot run."""

    values: dict[str, float] = field(default_factory=dict)
    statements: list[Statement] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    missing: list[MissingInput] = field(default_factory=list)
    missing_v32: list[MissingInput] = field(default_factory=list)

    def population(self, case: Case) -> None:
        """Run every population table: why PREDICT does not apply (reason code and text) and
        the case fields it needs to judge that (sex, age)."""
        facts = population_facts(case)
        for table in population_tables():
            own = {i.name: facts[i.name] for i in table.inputs if i.from_ is None}
            d = rule_tables.decide(table, own)
            code = d.outputs["not_applicable"]
            if code is not None:
                self.codes.append(str(code))
                self.reasons.append("; ".join(r.en for r in d.reasons))
            self.missing.extend(MissingInput(field=m.field, reason=m.reason.en) for m in d.missing)

    def components(self, facts: Mapping[str, object]) -> tuple[Component, ...]:
        """Run every component table: whether each treatment is shown and why, the PREDICT
        inputs that switch it on, and the mapping notes on those inputs (a row's comments)."""
        out: list[Component] = []
        notes: list[Statement] = []
        for ct in component_tables():
            own = {i.name: facts.get(i.name) for i in ct.table.inputs if i.from_ is None}
            d = rule_tables.decide(ct.table, own)
            for name in ct.inputs:
                self.values[name] = _number(d.outputs[name])
            if "radio" in ct.inputs:
                # the dose is used with radiotherapy only (R/benefits32.R: regimens without r
                # read neither radio nor heart_gy)
                heart = facts.get("heart_gy") if self.values["radio"] == 1.0 else None
                self.values["heart_gy"] = 0.0 if heart is None else _number(heart)
            status = cast(ComponentStatus, d.outputs["status"])  # the table's allowed values
            reason = "; ".join(r.en for r in d.reasons)
            asked = tuple(m.field for m in d.missing)
            out.append(Component(ct.treatment, status, reason, ct.models, asked))
            note = d.outputs["note"]
            if note is not None and d.comments:
                # the case field the note names: the one asked for, else the value's source
                where = asked[0] if asked else str(own.get("source") or "-")
                text = "; ".join(x.en for x in d.comments)
                value = self.values.get(str(note))
                flag = bool(d.outputs["flag"])
                notes.append(Statement(str(note), value, where, text, ct.models, flag))
        # the notes as the section has always listed them: from the last treatment to the first
        self.statements.extend(reversed(notes))
        return tuple(out)

    def table(
        self,
        table_id: str,
        facts: Mapping[str, object],
        value_name: str,
        case_field: str,
        value_of: Callable[[rule_tables.Decision], float | None],
        models: tuple[ModelName, ...] = ("v2.2", "v3.2"),
        *,
        v32_only: bool = False,
    ) -> None:
        """Run one mapping table (knowledge/classification/predict_mapping.yaml): the model input
        (``value_of`` the decision, None: not given), its statement (the table's reason) and
        the case field it asks for."""
        d = rule_tables.decide(rule_tables.active()[table_id], facts)
        value = value_of(d)
        if value is not None:
            self.values[value_name] = value
        asked = [MissingInput(field=m.field, reason=m.reason.en) for m in d.missing]
        (self.missing_v32 if v32_only else self.missing).extend(asked)
        if d.reasons:
            flag = bool(d.outputs.get("flag", False))
            text = "; ".join(r.en for r in d.reasons)
            self.statements.append(Statement(value_name, value, case_field, text, models, flag))


def _map_age(case: Case, d: _Draft) -> None:
    """Age at diagnosis (years); PREDICT has no unknown code for it (asked for and range-checked
    by table predict_population_age)."""
    age = case.patient.age_years
    if age is not None:
        d.values["age"] = float(age)
        d.statements.append(
            Statement(
                "age",
                d.values["age"],
                "patient.age_years",
                f"age = {age} years (age at diagnosis, as the web tool's 'Age at diagnosis')",
            )
        )


def _map_size(case: Case, d: _Draft) -> None:
    """Pathological invasive size (mm) > 0 (table predict_size; its range: table
    predict_population_size_range)."""
    t = case.tumour
    size = t.size_mm

    def value(dec: rule_tables.Decision) -> float | None:
        return float(size) if dec.outputs["use"] and size is not None else None

    d.table(
        "predict_size", {"size": size, "dcis_only": t.dcis_only}, "size", "tumour.size_mm", value
    )


def _map_screen(case: Case, d: _Draft) -> None:
    """Screen-detected (1), symptomatic (0) or unknown (2): table predict_screen."""
    detection = case.tumour.detection
    facts = {"detection": None if detection is None else detection.value}
    d.table("predict_screen", facts, "screen", "tumour.detection", _code)


def _map_grade(case: Case, d: _Draft) -> None:
    """Histological grade 1-3, or 9 (unknown): table predict_grade."""
    d.table("predict_grade", {"grade": case.tumour.grade}, "grade", "tumour.grade", _code)


def _map_nodes(case: Case, d: _Draft) -> None:
    """Positive nodes; one node with micrometastases only is the official half node (table
    predict_nodes)."""
    t = case.tumour
    n = t.nodes_positive

    def value(dec: rule_tables.Decision) -> float | None:
        return None if n is None else (HALF_NODE if dec.outputs["half"] else float(n))

    facts = {"nodes": n, "micro_only": t.nodes_micrometastases_only}
    fields = "tumour.nodes_positive, tumour.nodes_micrometastases_only"
    d.table("predict_nodes", facts, "nodes", fields, value)


def _map_er(case: Case, c: Classification, d: _Draft) -> None:
    """ER status (positive >= 1 %); PREDICT has no unknown code for it (table predict_er)."""
    facts = {"status": c.er.status, "percent": c.er.percent}
    d.table("predict_er", facts, "er", "biomarkers.er_percent", _code_or_none)


def _map_pr(case: Case, c: Classification, d: _Draft) -> None:
    """PR status (v3.2 only), or 9 (unknown): table predict_pr."""
    facts = {"status": c.pr.status, "percent": c.pr.percent}
    d.table("predict_pr", facts, "pr", "biomarkers.pr_percent", _code, ("v3.2",))


def _map_her2(case: Case, c: Classification, d: _Draft) -> None:
    """HER2 status: positive 1, negative 0 (HER2-0/ultralow/low), pending 9 (table
    predict_her2)."""
    facts = {"status": c.her2.status, "category": c.her2.category}
    d.table("predict_her2", facts, "her2", "biomarkers.her2_*", _code)


def _map_ki67(case: Case, d: _Draft) -> None:
    """Ki-67 positive (> 10 %) 1, else 0, or 9 (unknown): table predict_ki67."""
    facts = {"percent": case.biomarkers.ki67_percent}
    d.table("predict_ki67", facts, "ki67", "biomarkers.ki67_percent", _code)


def _map_smoker(case: Case, d: _Draft) -> None:
    """Current smoking (v3.2 only; no unknown code): table predict_smoker."""
    facts = {"smoker": case.patient.comorbidities.current_smoker}
    field = "patient.comorbidities.current_smoker"
    d.table("predict_smoker", facts, "smoker", field, _code_or_none, ("v3.2",), v32_only=True)


def _heart_dose(case: Case, heart_dose_gy: float | None) -> tuple[float | None, str]:
    """The mean heart dose (Gy) given by the caller, else the case's, and where it came from."""
    heart_field = "(given by the caller)"
    if heart_dose_gy is None and case.treatment.mean_heart_dose_gy is not None:
        heart_dose_gy = case.treatment.mean_heart_dose_gy
        heart_field = "treatment.mean_heart_dose_gy"
        if case.treatment.mean_heart_dose_source:
            heart_field += f" (source: {case.treatment.mean_heart_dose_source})"
    return heart_dose_gy, heart_field


def map_case(
    case: Case, c: Classification, *, heart_dose_gy: float | None = None
) -> PredictMapping:
    """PREDICT inputs for ``case`` with a statement per mapping (pure).

    ``heart_dose_gy``: mean heart dose of the planned radiotherapy in Gy; when None, the
    case's ``treatment.mean_heart_dose_gy`` is used. Without either, the v3.2 radiotherapy
    benefit is not shown (the official code has no unknown code or patient default for it).
    """
    heart_dose_gy, heart_field = _heart_dose(case, heart_dose_gy)
    d = _Draft()
    d.population(case)
    _map_age(case, d)
    _map_size(case, d)
    _map_screen(case, d)
    _map_grade(case, d)
    _map_nodes(case, d)
    _map_er(case, c, d)
    _map_pr(case, c, d)
    _map_her2(case, c, d)
    _map_ki67(case, d)
    _map_smoker(case, d)
    components = d.components(component_facts(case, c, heart_dose_gy, heart_field))

    status: Literal["mapped", "not_applicable", "needs_data"]
    if d.reasons:
        status = "not_applicable"
    elif d.missing:
        status = "needs_data"
    else:
        status = "mapped"
    return PredictMapping(
        status=status,
        reasons=tuple(d.reasons),
        reason_codes=tuple(d.codes),
        missing=tuple(d.missing),
        missing_v32=tuple(d.missing_v32),
        statements=tuple(d.statements),
        values=d.values,
        components=components,
    )


def _code_or_none(decision: rule_tables.Decision) -> float | None:
    """The official code a mapping table decided (as the model's float input; None: none)."""
    code = decision.outputs["code"]
    if code is None:
        return None
    assert isinstance(code, int) and not isinstance(code, bool)
    return float(code)


def _code(decision: rule_tables.Decision) -> float:
    """The official code of a table that always decides one (an unknown code included)."""
    code = _code_or_none(decision)
    assert code is not None
    return code


def _number(value: object) -> float:
    """A numeric table output or fact (an int or float, never a bool)."""
    assert isinstance(value, int | float) and not isinstance(value, bool)
    return float(value)
