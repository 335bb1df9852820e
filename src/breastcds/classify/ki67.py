"""Ki-67 groups.

Source: International Ki67 in Breast Cancer Working Group (Nielsen et al., J Natl Cancer Inst
2021;113:808): <= 5 % low and >= 30 % high are the only ranges reliable enough to guide
adjuvant chemotherapy in ER+/HER2- T1-2 N0-1 disease; values between are "intermediate"
(not reliable). The rule is the decision table ``knowledge/classification/ki67.yaml``, also
compiled for the cohort engine.
"""

from __future__ import annotations

from typing import cast

from breastcds.knowledge.rule_tables import active, decide
from breastcds.model.assessment import Ki67Group, Ki67Result


def classify(percent: float | None) -> Ki67Result:
    table = active()["ki67_group"]
    d = decide(table, {"percent": percent})
    return Ki67Result(
        percent=percent,
        group=cast(Ki67Group, d.outputs["group"]),
        reasons=[r.en for r in d.reasons],
        source=table.source,
    )
