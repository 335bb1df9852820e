"""Shared test fixtures: paths to the reference material in ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
REFERENCE = SHARED / "reference"
DICOM_EXAMPLE = SHARED / "data" / "dicom" / "dicompyler_example"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    if not REFERENCE.is_dir():
        pytest.fail(f"reference material not found at {REFERENCE} (expected ../shared)")
    return REFERENCE


# --- slow tests ------------------------------------------------------------------------------
# Tests that took 10 s or more in a full parallel run on the 2-core project machine (pytest
# --durations). They are marked ``slow`` here, in one list, so that a developer can leave them
# out while iterating (``-m "not slow"``); scripts/test.sh and CI run them all. A renamed test
# simply loses the mark (it still runs).
SLOW = frozenset(
    {
        "tests/cohort/test_dask.py::"
        "test_dask_localcluster_over_100000_partitioned_rows_equals_local_engine",
        "tests/cohort/test_equality.py::test_every_fact_equals_the_case_extractor",
        "tests/cohort/test_equality.py::test_generator_parameters_agree_with_assess",
        "tests/cohort/test_equality.py::test_seeded_batch_of_10000_rows_agrees_with_assess",
        "tests/cohort/test_equality.py::test_threshold_rows_agree_with_assess_and_validity_matches",
        "tests/cohort/test_table.py::test_batches_do_not_change_results",
        "tests/cohort/test_table.py::test_cli_synth_run_screen_summary",
        "tests/model/test_strict_input.py::test_fuzzed_cases_validate_or_are_refused_by_field",
        "tests/options/test_properties.py::test_every_option_carries_a_source_and_a_grade",
        "tests/options/test_properties.py::test_never_an_option_whose_deciding_input_is_missing",
        "tests/options/test_properties.py::test_never_anti_her2_for_her2_negative_or_pending",
        "tests/options/test_properties.py::test_never_endocrine_therapy_recommended_unless_er_positive",
        "tests/options/test_properties.py::test_never_her2_low_adc_in_early_setting",
        "tests/radiotherapy/test_omission_properties.py::"
        "test_meets_with_missing_facts_survives_every_completion",
        "tests/report/test_pdf.py::test_pdf_renders_with_provenance_missing_data_and_figures",
        "tests/service/test_cli.py::test_serve_reports_a_busy_port",
        "tests/service/test_cli.py::test_token_create_prints_the_token_once_and_it_works",
        "tests/service/test_hardening.py::test_a_replayed_jwt_is_refused_after_a_restart",
        "tests/service/test_hardening.py::"
        "test_an_anonymous_flood_is_rate_limited_and_audited_in_aggregate",
        "tests/service/test_hardening.py::"
        "test_report_rendering_has_a_memory_budget_and_the_service_stays_up",
        "tests/service/test_hardening.py::test_unstorable_token_labels_are_422_on_both_backends",
        "tests/service/test_schemathesis.py::test_api_conforms_to_its_schema",
        "tests/service/test_storage.py::test_acknowledged_assessments_survive_sigkill",
        "tests/service/test_storage.py::test_service_end_to_end_on_each_backend",
        "tests/test_properties.py::test_valid_case_classifies_or_says_what_is_missing",
        "tests/web/test_browser.py::test_dicom_rt_pair_upload_draws_dvh",
        "tests/web/test_browser.py::test_download_the_pdf",
        "tests/web/test_routes.py::test_dicom_pair_gives_dvh_with_constraint",
        "tests/web/test_routes.py::test_view_and_reports_need_a_token_and_are_audited",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.split("[", 1)[0] in SLOW:
            item.add_marker(pytest.mark.slow)
