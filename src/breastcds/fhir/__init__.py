"""FHIR R4 / mCODE STU4 adapter: Bundle <-> case model (pure functions, no I/O).

- :func:`bundle_to_case` reads an mCODE Bundle into a case dict for :func:`breastcds.assess`,
  reporting everything it could not map in ``MappingResult.unmapped``.
- :func:`case_to_bundle` writes a case as an mCODE collection Bundle.

Codes and their sources: :mod:`breastcds.fhir.codes` and docs/fhir.md.
"""

from breastcds.fhir.builder import case_to_bundle, not_carried
from breastcds.fhir.mapper import InvalidBundle, MappingResult, Unmapped, bundle_to_case

__all__ = [
    "InvalidBundle",
    "MappingResult",
    "Unmapped",
    "bundle_to_case",
    "case_to_bundle",
    "not_carried",
]
