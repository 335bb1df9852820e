"""One computation per assessment: results of (case, classification) shared by its sections.

Within one assessment several sections read the same derived values of the same (frozen) case
and classification: every fact (the options and the RT-omission sections), the decision point
inferred from the course (a fact and the options engine), the RT-omission summary (a fact and the
radiotherapy section). Inside :func:`one_assessment` a function decorated with
:func:`once_per_assessment` runs once per (case, classification) and later calls return the same
result object, so results must be immutable (frozen models) or copied by the caller. Outside the
block every call computes anew. The memo holds the case and classification themselves, so an id
in it cannot be reused by another object while the block lives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, TypeVar

from breastcds.model.assessment import Classification
from breastcds.model.case import Case

T = TypeVar("T")

_Memo = dict[tuple[Callable[..., Any], int, int], tuple[Case, Classification, Any]]
_MEMO: ContextVar[_Memo | None] = ContextVar("breastcds_assessment_memo", default=None)


@contextmanager
def one_assessment() -> Iterator[None]:
    """Compute each memoised (case, classification) function once inside this block."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def once_per_assessment(
    fn: Callable[[Case, Classification], T],
) -> Callable[[Case, Classification], T]:
    """``fn`` run once per (case, classification) inside :func:`one_assessment`."""

    @wraps(fn)
    def memoised(case: Case, classification: Classification) -> T:
        memo = _MEMO.get()
        if memo is None:
            return fn(case, classification)
        key = (fn, id(case), id(classification))
        hit = memo.get(key)
        if hit is None or hit[0] is not case or hit[1] is not classification:
            hit = (case, classification, fn(case, classification))
            memo[key] = hit
        result: T = hit[2]
        return result

    return memoised
