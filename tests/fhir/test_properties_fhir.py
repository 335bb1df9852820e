"""Property tests: the URL rule of the outbound fetch, and the mapper on arbitrary input."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from breastcds.fhir import bundle_to_case
from breastcds.fhir import codes as C
from breastcds.model.errors import CaseValidationError
from breastcds.model.parse import parse_case
from breastcds.service.fhirfetch import AllowedServer, NotAllowed, check_url

ALLOWED = (AllowedServer.parse("http://127.0.0.1"),)
hosts = st.sampled_from(
    [
        "127.0.0.1",
        "127.0.0.2",
        "localhost",
        "127.1",
        "2130706433",
        "[::1]",
        "127.0.0.1.evil.invalid",
        "evil.invalid",
        "0.0.0.0",
    ]
)


@given(
    scheme=st.sampled_from(["http", "https", "ftp", "file"]),
    userinfo=st.sampled_from(["", "localhost@", "u:p@", "127.0.0.1@"]),
    host=hosts,
    port=st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}")),
    path=st.sampled_from(["/", "/fhir", "/a/b?x=1", ""]),
)
def test_only_the_allow_listed_origin_passes(
    scheme: str, userinfo: str, host: str, port: str, path: str
) -> None:
    url = f"{scheme}://{userinfo}{host}{port}{path}"
    should_pass = scheme == "http" and not userinfo and host == "127.0.0.1"
    try:
        check_url(url, ALLOWED)
        passed = True
    except NotAllowed:
        passed = False
    assert passed == should_pass, url


_KNOWN = [
    *[(c.system, c.code) for _, c in C.all_codes()],
    *C.STAGE_GROUP_SETTING,
    *C.SECONDARY_SITES,
]
codings = st.lists(
    st.sampled_from(_KNOWN).map(lambda sc: {"system": sc[0], "code": sc[1]}), max_size=3
)
concepts = st.one_of(st.none(), codings.map(lambda cs: {"coding": cs}), st.just({"text": "x"}))
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 200), st.floats(allow_nan=False), st.text(max_size=5)
)
quantities = st.fixed_dictionaries(
    {"value": scalars, "system": st.sampled_from([C.UCUM, "x"]),
     "code": st.sampled_from(["%", "mm", "cm", "1", "{ratio}", "a", "Gy", "cGy", "kg"])}
)  # fmt: skip


@st.composite
def resources(draw: Any) -> dict[str, Any]:
    rtype = draw(st.sampled_from(["Observation", "Condition", "Patient", "Procedure", "Foo"]))
    res: dict[str, Any] = {"resourceType": rtype, "id": draw(st.text("abc123", min_size=1))}
    if rtype == "Observation":
        res["status"] = draw(st.sampled_from(["final", "preliminary", "amended"]))
        res["code"] = draw(concepts) or {"coding": []}
        value = draw(st.sampled_from(["valueCodeableConcept", "valueQuantity", "valueInteger",
                                      "valueString", None]))  # fmt: skip
        if value == "valueCodeableConcept":
            res[value] = draw(concepts)
        elif value == "valueQuantity":
            res[value] = draw(quantities)
        elif value is not None:
            res[value] = draw(scalars)
        if draw(st.booleans()):
            res["method"] = draw(concepts)
        if draw(st.booleans()):
            res["interpretation"] = [c for c in [draw(concepts)] if c]
    elif rtype == "Condition":
        res["code"] = draw(concepts)
        if draw(st.booleans()):
            res["meta"] = {"profile": [draw(st.sampled_from(
                [C.PROFILE_PRIMARY_CANCER, C.PROFILE_SECONDARY_CANCER]))]}  # fmt: skip
        res["subject"] = {"reference": "Patient/p"}
    elif rtype == "Patient":
        res["gender"] = draw(st.sampled_from(["female", "male", "unknown", "other"]))
        res["birthDate"] = draw(st.sampled_from(["1960-01-01", "1960", "2030-01-01"]))
    elif rtype == "Procedure":
        res["status"] = "completed"
        res["code"] = draw(concepts) or {"coding": []}
        res["subject"] = {"reference": "Patient/p"}
    return {k: v for k, v in res.items() if v is not None}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries=st.lists(resources(), max_size=8))
def test_the_mapper_never_crashes_and_lists_what_it_does_not_read(
    entries: list[dict[str, Any]],
) -> None:
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": r} for r in entries]}  # fmt: skip
    result = bundle_to_case(bundle, assessment_date=dt.date(2024, 1, 1))
    assert all(u.reason for u in result.unmapped)
    with contextlib.suppress(CaseValidationError):  # contradictions are reported, not a crash
        parse_case(result.case, today=dt.date(2024, 1, 1))
