"""Load packaged knowledge files; every file is validated against its schema by its owner."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

# libyaml's parser when PyYAML was built with it (the wheels are): the same safe schema as
# yaml.safe_load, about ten times faster on the knowledge files, which assess reads at start-up.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """``yaml.safe_load`` of ``text`` (raises ``yaml.YAMLError``), with libyaml when present."""
    return yaml.load(text, Loader=_SafeLoader)


class KnowledgeError(RuntimeError):
    """A knowledge file is missing or does not match its schema."""


def read_text(name: str) -> str:
    """Text of a packaged knowledge file (``name`` relative to breastcds/knowledge)."""
    try:
        resource = resources.files("breastcds.knowledge").joinpath(name)
        return str(resource.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KnowledgeError(f"knowledge file {name!r} not found in the package") from exc


@cache
def load_yaml(name: str) -> Any:
    """Parsed YAML of a packaged knowledge file (cached; treat as read-only)."""
    try:
        return parse_yaml(read_text(name))
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"knowledge file {name!r} is not valid YAML: {exc}") from exc


def knowledge_version() -> str:
    """The knowledge base version string (knowledge/manifest.yaml)."""
    manifest = load_yaml("manifest.yaml")
    version = manifest.get("version") if isinstance(manifest, dict) else None
    if not isinstance(version, str):
        raise KnowledgeError("knowledge/manifest.yaml must define a string 'version'")
    return version
