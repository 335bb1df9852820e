"""No float equality without a stated tolerance (team standard; issue 13).

Scans every test module for
* ``==`` / ``!=`` against a float literal (alone or inside a tuple, list, set or dict) that is
  not ``pytest.approx``;
* ``assert_array_equal`` / ``array_equal`` / ``assert_frame_equal`` / ``assert_series_equal``
  without an explicit tolerance (``rtol``/``atol``/``rel_tol``/``abs_tol``/``check_exact``).

Computed floats may differ in the last bit between CPUs and between arrays of different lengths
(numpy's vectorised loops), so they are compared with a tolerance (PREDICT and the cohort engine:
1e-12 relative). The comparisons listed in ``EXACT`` are exact by construction and keep ``==``:
the value is copied unchanged from the input, the knowledge files or a DICOM header (decimal
text to binary is exact and the same on every IEEE-754 machine), an exact zero that no
arithmetic produced, or arrays that are not floats. Each entry gives the test function, how
many such comparisons it holds, and why. A new comparison fails here until it states a
tolerance or is listed with its reason.

Not detected: equality between two computed expressions (e.g. ``h.metric("D2cc") ==
h.dose_at_volume_cc(2.0)``, the same code path run twice in one process).
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent

COPIED = "value copied unchanged (input, knowledge file or DICOM header): no arithmetic"
ZERO = "exact zero: nothing to accumulate, no arithmetic on it"
KNOWLEDGE = "band or parameter read from the knowledge file, not computed"

#: (test file, function) -> (number of exact comparisons, why they are exact)
EXACT: dict[tuple[str, str], tuple[int, str]] = {
    ("concordance/test_reirradiation_vignettes.py", "test_no_prior_course"): (2, ZERO),
    ("fhir/test_fhir.py", "test_mcode_extended_example_maps_what_it_can_and_reports_the_rest"): (
        2, COPIED),
    ("fhir/test_fhir.py", "test_radiotherapy_dose_units"): (2, COPIED),
    ("fhir/test_fhir.py", "test_round_trip_keeps_ish_recount_ihc0_detail_and_lines"): (2, COPIED),
    ("fhir/test_fhir.py", "test_size_in_cm_is_converted_to_mm_and_noted"): (
        1, "2.3 cm x 10: one IEEE-754 multiplication, correctly rounded to 23.0 on every machine"),
    ("fhir/test_fhir.py", "test_size_in_mm_is_kept_and_imaging_goes_to_clinical_size"): (
        1, COPIED),
    ("knowledge/test_derived.py", "test_not_recorded_stays_distinct_from_zero_and_false"): (
        1, "a CPS+EG score of whole points summed from zeros: 0 + 0 + 0 + 0 is exactly 0.0"),
    ("knowledge/test_loader.py",
     "test_parsed_knowledge_is_cached_beside_the_bytecode_and_read_back_equal"): (1, COPIED),
    ("model/test_validation.py", "test_negative_ish_ratio"): (1, COPIED),
    ("prognosis/test_cts5.py", "test_hand_calculation_high"): (1, KNOWLEDGE),
    ("prognosis/test_cts5.py", "test_hand_calculation_intermediate"): (1, KNOWLEDGE),
    ("prognosis/test_cts5.py", "test_hand_calculation_low"): (1, KNOWLEDGE),
    ("prognosis/test_cts5.py", "test_size_capped_at_30_mm"): (1, "the cap itself (30 mm)"),
    ("prognosis/test_mapping.py", "test_heart_dose_from_the_case_field"): (2, COPIED),
    ("prognosis/test_mapping.py",
     "test_one_micrometastatic_node_is_half_a_node_as_in_the_official_tool"): (
        1, "the official tool's constant 0.5, assigned not computed"),
    ("prognosis/test_section.py", "test_npi_and_cts5_hand_calculations_through_assess"): (
        1, KNOWLEDGE),
    ("prognosis/test_section.py",
     "test_radiotherapy_step_when_the_case_records_a_mean_heart_dose"): (1, COPIED),
    ("radiotherapy/test_accumulate.py", "test_recovery_needs_rationale_and_is_recorded"): (
        1, COPIED),
    ("radiotherapy/test_dicom.py", "test_read_dose_geometry_and_scaling"): (1, COPIED),
    ("radiotherapy/test_dicom.py", "test_write_dose_round_trip"): (1, COPIED),
    ("radiotherapy/test_dicom_edge_cases.py",
     "test_files_without_preamble_read_like_the_originals"): (
        1, "the same pixel data scaled by the same code, same array shape, one process"),
    ("radiotherapy/test_dvh.py", "test_centre_mask_matches_matplotlib"): (
        1, "boolean masks, not floats"),
    ("radiotherapy/test_dvh.py", "test_compat_empty_roi_is_an_error_not_a_zero"): (1, ZERO),
    ("radiotherapy/test_dvh.py", "test_compat_matches_dicompyler_core"): (
        1, "the bin width parameter and the reference file's value (0.01 Gy)"),
    ("radiotherapy/test_dvh.py", "test_metrics_by_name_and_invariants"): (
        1, "no voxel above the maximum: an empty sum is exactly 0"),
    ("radiotherapy/test_lq.py", "test_zero_dose_is_zero"): (2, ZERO),
    ("radiotherapy/test_reirradiation.py", "test_alpha_beta_library_loads_with_sources"): (
        3, KNOWLEDGE),
    ("radiotherapy/test_reirradiation.py", "test_constraint_table_values_match_reference"): (
        3, KNOWLEDGE),
    ("radiotherapy/test_reirradiation.py", "test_no_prior_course_gives_zero_prior_and_says_so"): (
        2, ZERO),
    ("radiotherapy/test_reirradiation.py", "test_recorded_zero_prior_dose_is_zero"): (1, ZERO),
    ("radiotherapy/test_reirradiation.py", "test_result_serialises_to_json_and_back"): (
        2, "JSON round trip of a float is exact (shortest repr)"),
    ("radiotherapy/test_reirradiation.py", "test_spinal_cord_within_nieder_limit"): (
        3, f"{KNOWLEDGE}; recovery not stated is the exact default 0"),
    ("radiotherapy/test_reirradiation.py", "test_stated_parameters_override_knowledge"): (
        1, COPIED),
    ("radiotherapy/test_reirradiation.py", "test_stated_recovery_is_applied_and_recorded"): (
        1, COPIED),
    ("radiotherapy/test_reirradiation_dicom.py",
     "test_example_plan_heart_mean_eqd2_hand_calculation"): (3, KNOWLEDGE),
    ("radiotherapy/test_reirradiation_dicom.py",
     "test_stated_recovery_is_applied_to_prior_courses_only"): (2, COPIED),
    ("radiotherapy/test_reirradiation_dicom.py",
     "test_uniform_two_courses_voxel_sum_matches_hand_calculation"): (4, KNOWLEDGE),
    ("report/test_plots.py", "test_dvh_curves_found_in_a_section_and_drawn_with_constraint"): (
        1, COPIED),
    ("report/test_plots.py", "test_rt_omission_figure_per_trial_with_and_without_rt"): (
        1, COPIED),
    ("report/test_plots.py", "test_survival_curves_from_list_of_series_grouped_by_model"): (
        1, COPIED),
    ("report/test_plots.py", "test_survival_curves_from_mapping_fractions_and_mortality"): (
        1, COPIED),
    ("service/test_logging.py", "test_redact_keeps_harmless_values"): (1, COPIED),
}  # fmt: skip

_ARRAY_EQUAL = {"assert_array_equal", "array_equal", "assert_frame_equal", "assert_series_equal"}
_TOLERANCE = {"rtol", "atol", "rel_tol", "abs_tol", "check_exact"}


def _has_float_literal(e: ast.expr) -> bool:
    if isinstance(e, ast.Constant):
        return isinstance(e.value, float)
    if isinstance(e, ast.UnaryOp):
        return _has_float_literal(e.operand)
    if isinstance(e, ast.List | ast.Tuple | ast.Set):
        return any(_has_float_literal(x) for x in e.elts)
    if isinstance(e, ast.Dict):
        return any(_has_float_literal(x) for x in e.values)
    return False


def _is_approx(e: ast.expr) -> bool:
    return isinstance(e, ast.Call) and ast.unparse(e.func).endswith("approx")


def _is_exact_float_comparison(node: ast.AST) -> bool:
    if isinstance(node, ast.Compare) and any(isinstance(o, ast.Eq | ast.NotEq) for o in node.ops):
        operands = [node.left, *node.comparators]
        return any(map(_has_float_literal, operands)) and not any(map(_is_approx, operands))
    if isinstance(node, ast.Call):
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        return name in _ARRAY_EQUAL and not {k.arg for k in node.keywords} & _TOLERANCE
    return False


def _scope_nodes(scope: ast.AST) -> list[ast.AST]:
    """Nodes of ``scope`` outside nested functions (each function is its own scope)."""
    found: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def exact_float_comparisons(root: Path = TESTS) -> Counter[tuple[str, str]]:
    """(file relative to tests/, function or <module>) -> count of exact float comparisons."""
    counts: Counter[tuple[str, str]] = Counter()
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rel = path.relative_to(root).as_posix()
        scopes: list[tuple[str, ast.AST]] = [("<module>", tree)]
        scopes += [
            (n.name, n)
            for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        for name, scope in scopes:
            n = sum(map(_is_exact_float_comparison, _scope_nodes(scope)))
            if n:
                counts[(rel, name)] += n
    return counts


def test_every_float_equality_states_a_tolerance_or_why_it_is_exact() -> None:
    found = exact_float_comparisons()
    allowed = {key: n for key, (n, _) in EXACT.items()}
    new = {key: n for key, n in found.items() if n > allowed.get(key, 0)}
    assert not new, (
        "float equality without a stated tolerance (use pytest.approx / assert_allclose with "
        "rtol, or list it in EXACT with the reason it is exact): "
        + "; ".join(f"{f}::{fn} ({n})" for (f, fn), n in sorted(new.items()))
    )


def test_the_scan_finds_what_it_should(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text(
        "import numpy as np\n"
        "def test_a(x, y):\n"
        "    assert x == 0.1\n"
        "    assert (x, 'a') != (1.5, 'a')\n"
        "    np.testing.assert_array_equal(x, y)\n"
        "    assert x == pytest.approx(0.1)\n"
        "    np.testing.assert_allclose(x, y, rtol=1e-12)\n"
        "    assert_frame_equal(x, y, rel_tol=1e-12, abs_tol=0)\n"
        "    assert x == 1\n",
        encoding="utf-8",
    )
    assert exact_float_comparisons(tmp_path) == {("test_x.py", "test_a"): 3}
