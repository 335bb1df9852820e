"""Property-based API testing with schemathesis against the running server's own OpenAPI schema.

Every operation gets bounded generated requests, schema-valid and schema-violating, sent with an
admin token to the real server; all default checks run (no 5xx, documented status codes, content
types, headers and response schemas, schema-violating requests rejected) except
``positive_data_acceptance``: a case can satisfy the JSON Schema and still be contradictory
(dates out of order, more positive than examined nodes), and the library then rightly answers 422
with the offending fields, which JSON Schema cannot express.

A schema-violating request may also be refused with 413 (Content Too Large): the body-size
guard answers before the body is parsed, which is a rejection like any 4xx, so 413 is added to
the statuses the ``negative_data_rejection`` check accepts as a refusal.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.config import ChecksConfig, SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.service.conftest import Server

MAX_EXAMPLES = 60  # with tests/model/test_strict_input.py: over 10 000 fuzzed cases


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(
        tmp_path_factory.mktemp("svc-fuzz") / "data",
        env={
            "BREASTCDS_CDS_TEST_SECRET": "fuzz-secret-0123456789-0123456789",
            # schemathesis sends its invalid-credential probes as fast as it can; the rate
            # limit of anonymous requests has its own test (test_hardening.py)
            "BREASTCDS_ANONYMOUS_RATE": "100000",
        },
    )
    srv.start()
    yield srv
    srv.stop()


def _operations(base_url: str) -> list[Any]:
    refusals = [*ChecksConfig().negative_data_rejection.expected_statuses, "413"]
    config = SchemathesisConfig.from_dict(
        {"checks": {"negative_data_rejection": {"expected-statuses": refusals}}}
    )
    loaded = schemathesis.openapi.from_url(f"{base_url}/openapi.json", config=config)
    operations = [result.ok() for result in loaded.get_all_operations()]
    # /ui belongs to breastcds.web (its own browser tests); this test covers the service API.
    return [op for op in operations if not op.path.startswith("/ui")]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_schema(fuzz_server: Server, mode: GenerationMode) -> None:
    """Bounded examples per operation; every failure of every operation is reported together.

    (The schemathesis pytest plugin's lazy fixtures do not run on this pytest, so the
    operations are driven through their hypothesis strategies directly.)
    """
    assert fuzz_server.admin_token
    headers = {"Authorization": f"Bearer {fuzz_server.admin_token}"}
    failures: list[str] = []
    calls: list[str] = []
    operations = _operations(fuzz_server.base_url)
    assert len(operations) >= 12
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        def run(case: Any) -> None:
            calls.append(case.operation.label)
            case.call_and_validate(
                base_url=fuzz_server.base_url,
                headers=headers,
                excluded_checks=[positive_data_acceptance],
            )

        try:
            run()
        except Unsatisfiable:  # nothing to negate (an operation without parameters or body)
            assert mode == GenerationMode.NEGATIVE
        except Exception as exc:  # collect, then report every operation's failure
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
    assert len(set(calls)) >= (len(operations) if mode == GenerationMode.POSITIVE else 8)
    print(f"schemathesis {mode.value}: {len(calls)} requests over {len(set(calls))} operations")
