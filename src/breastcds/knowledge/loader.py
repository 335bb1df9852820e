"""Load packaged knowledge files; every file is validated against its schema by its owner."""

from __future__ import annotations

import hashlib
import pickle
from functools import cache
from importlib import resources
from typing import Any

import yaml

from breastcds.model.validated_cache import CACHE_DIR, store

# libyaml's parser when PyYAML was built with it (the wheels are): the same safe schema as
# yaml.safe_load, several times faster on the knowledge files, which assess reads at start-up.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Parsed knowledge is kept beside the package's bytecode, as Python keeps .pyc files: a file
# named by the SHA-256 of the YAML text (so an edited file is parsed again), written only when
# Python writes bytecode (not under PYTHONDONTWRITEBYTECODE / -B) and silently skipped when the
# directory is read-only. Reading it back is ~50x faster than parsing the YAML. The validated
# knowledge built from it is cached in the same folder (breastcds.model.validated_cache).
_CACHE_DIR = CACHE_DIR
_CACHE_FORMAT = f"yaml{yaml.__version__}-pickle{pickle.HIGHEST_PROTOCOL}"


def parse_yaml(text: str) -> Any:
    """``yaml.safe_load`` of ``text`` (raises ``yaml.YAMLError``); see the cache note above."""
    key = hashlib.sha256(f"{_CACHE_FORMAT}\n{text}".encode()).hexdigest()[:40]
    cached = _CACHE_DIR / f"knowledge-{key}.pickle"
    try:
        with cached.open("rb") as fh:
            return pickle.load(fh)
    except Exception:  # not cached yet, or unreadable: parsed again (and replaced)
        pass
    data = yaml.load(text, Loader=_SafeLoader)
    store(cached, data)
    return data


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
