"""The ids a knowledge file defines, read straight from the YAML (independently of the index)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

import breastcds.knowledge

KNOWLEDGE_DIR = Path(breastcds.knowledge.__file__).parent
#: every knowledge YAML file on disk, relative to the knowledge folder (sub-folders included)
FILES = sorted(p.relative_to(KNOWLEDGE_DIR).as_posix() for p in KNOWLEDGE_DIR.rglob("*.y*ml"))


def ids_in(file: str) -> set[str]:
    """Every ``id`` of a mapping in the file, and every ``code`` of a vocabulary list."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("id"), str | int) and not isinstance(node["id"], bool):
                found.add(str(node["id"]))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            if node and all(isinstance(x, dict) and isinstance(x.get("code"), str) for x in node):
                found.update(x["code"] for x in node)
            for v in node:
                walk(v)

    walk(yaml.safe_load((KNOWLEDGE_DIR / file).read_text(encoding="utf-8")))
    return found
