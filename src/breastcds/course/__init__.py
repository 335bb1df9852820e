"""The patient's course of care: history facts and the decision point inferred from it.

Reference: shared/reference/domain/clinical_course.md (sections 1-3).
"""
