"""Bundled example cases (JSON, case model 1.0)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def _is_case(text: str) -> bool:
    from breastcds.model.case import Case

    data = json.loads(text)
    return isinstance(data, dict) and set(data) <= set(Case.model_fields)


def names() -> list[str]:
    """Names of the bundled example cases (file stems; other example files are skipped)."""
    return sorted(
        p.name.removesuffix(".json")
        for p in resources.files("breastcds.examples").iterdir()
        if p.name.endswith(".json") and _is_case(p.read_text("utf-8"))
    )


def text(name: str) -> str:
    """JSON text of one example; KeyError naming the choices if unknown."""
    if name not in names():
        raise KeyError(f"unknown example {name!r}; choose one of: {', '.join(names())}")
    return str(resources.files("breastcds.examples").joinpath(f"{name}.json").read_text("utf-8"))


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text(name))
    return data
