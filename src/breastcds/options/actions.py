"""The action vocabulary (knowledge/actions.yaml): local, supportive and counselling actions.

Each action is defined once with its class (surgery | axilla | radiotherapy | reirradiation |
brain | recurrence_workup | counselling) and its en/zh labels; option rules name actions by
code (TEAM.md contract 4; vocabulary of shared/reference/domain/README.md).
"""

from __future__ import annotations

from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from breastcds.knowledge.bilingual import EnZh
from breastcds.knowledge.loader import KnowledgeError, parse_yaml, read_text
from breastcds.model.validated_cache import packaged

ActionClass = Literal[
    "surgery", "axilla", "radiotherapy", "reirradiation", "brain", "recurrence_workup",
    "counselling",
]  # fmt: skip


class Action(EnZh):
    """One action: its code, its class and its label (``en`` / ``zh``, :class:`EnZh`)."""

    model_config = ConfigDict(populate_by_name=True)

    code: str = Field(pattern=r"^[a-z0-9_]+$")
    action_class: ActionClass = Field(alias="class")


class ActionCatalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    version: int
    actions: list[Action] = Field(min_length=1)

    def by_code(self) -> dict[str, Action]:
        return {a.code: a for a in self.actions}


def parse_actions(text: str, origin: str) -> ActionCatalogue:
    try:
        cat = ActionCatalogue.model_validate(parse_yaml(text))
    except (yaml.YAMLError, ValidationError) as exc:
        raise KnowledgeError(f"{origin}: {exc}") from exc
    codes = [a.code for a in cat.actions]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise KnowledgeError(f"{origin}: duplicate action(s) {dupes}")
    return cat


@packaged("options.actions")
def load_actions() -> ActionCatalogue:
    """The packaged action vocabulary, validated (cached)."""
    return parse_actions(read_text("actions.yaml"), "knowledge/actions.yaml")
