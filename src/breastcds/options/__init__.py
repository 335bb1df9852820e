"""Guideline treatment options per decision point (systemic therapy, surgery/axilla, follow-up).

Knowledge lives in ``knowledge/systemic/*.yaml`` (one file per pathway) and
``knowledge/drugs.yaml``; :mod:`breastcds.options.schema` validates it at load time,
:mod:`breastcds.options.engine` is the pure engine and :mod:`breastcds.options.section`
is the section :mod:`breastcds.capabilities` lists.
"""

from breastcds.options.engine import evaluate_options
from breastcds.options.schema import KnowledgeBase, load_kb

__all__ = ["KnowledgeBase", "evaluate_options", "load_kb"]
