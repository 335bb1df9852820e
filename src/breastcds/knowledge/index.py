"""One lookup for knowledge ids: every id-bearing entry of every packaged knowledge file.

Used by ``breastcds kb rule ID`` and ``GET /knowledge/rules/{id}``. The index is generic over
the knowledge folder (every ``*.yaml`` file, sub-folders included), so a file added later is
indexed without a change here. An entry is *id-bearing* when it is a mapping with a string (or
integer) ``id`` — option rules, RT-omission criteria sets, fractionation regimens and sets,
re-irradiation constraints, alpha/beta entries, AJCC table rows and footnotes, drug groups — or
an item of a vocabulary list whose items each carry a distinct ``code`` (e.g. ``actions.yaml``).
Entries are read as they are in the file (each file is validated by its own schema elsewhere).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from breastcds.knowledge.loader import load_yaml

_YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class KnowledgeEntry:
    """An id-bearing knowledge entry and where it is defined."""

    id: str
    #: the knowledge file, relative to the knowledge folder (e.g. ``systemic/hr_positive.yaml``)
    file: str
    #: what the entry is: the key of the collection holding it (``rules``, ``sets``,
    #: ``constraints``, ``entries``, ``actions``...; nested keys joined by ``.``)
    kind: str
    #: where in the file, e.g. ``rules[3]``
    path: str
    #: the entry as written (YAML anchors resolved)
    entry: Any


def knowledge_files() -> list[str]:
    """Every packaged knowledge YAML file, relative to the knowledge folder, sorted."""
    names: list[str] = []

    def visit(node: Traversable, prefix: str) -> None:
        for item in node.iterdir():
            if item.is_dir() and not item.name.startswith(("_", ".")):
                visit(item, f"{prefix}{item.name}/")
            elif item.is_file() and item.name.endswith(_YAML_SUFFIXES):
                names.append(f"{prefix}{item.name}")

    visit(resources.files("breastcds.knowledge"), "")
    return sorted(names)


def _vocabulary_codes(items: list[Any]) -> bool:
    """True when every item is a mapping with a string ``code`` and the codes are distinct."""
    codes = [x.get("code") if isinstance(x, dict) else None for x in items]
    return (
        bool(codes)
        and all(isinstance(c, str) for c in codes)
        and len(set(codes)) == len(codes)
        and not any(isinstance(x, dict) and "id" in x for x in items)
    )


def entries_of(data: Any, file: str) -> Iterator[KnowledgeEntry]:
    """The id-bearing entries of one parsed knowledge file, in document order."""
    seen: set[int] = set()  # a YAML alias repeats the same object: indexed once

    def walk(node: Any, path: str, kind: str) -> Iterator[KnowledgeEntry]:
        if isinstance(node, dict):
            rid = node.get("id")
            if isinstance(rid, str | int) and not isinstance(rid, bool) and id(node) not in seen:
                seen.add(id(node))
                yield KnowledgeEntry(str(rid), file, kind or "entry", path, node)
            for key, value in node.items():
                sub = f"{path}.{key}" if path else str(key)
                yield from walk(value, sub, f"{kind}.{key}" if kind else str(key))
        elif isinstance(node, list):
            codes = _vocabulary_codes(node)
            for i, value in enumerate(node):
                if codes and id(value) not in seen:
                    seen.add(id(value))
                    where = f"{path}[{i}]"
                    yield KnowledgeEntry(value["code"], file, kind or "entry", where, value)
                yield from walk(value, f"{path}[{i}]", kind)

    yield from walk(data, "", "")


@cache
def _index() -> dict[str, tuple[KnowledgeEntry, ...]]:
    index: dict[str, list[KnowledgeEntry]] = {}
    for name in knowledge_files():
        for entry in entries_of(load_yaml(name), name):
            index.setdefault(entry.id, []).append(entry)
    return {k: tuple(v) for k, v in index.items()}


def lookup(entry_id: str) -> tuple[KnowledgeEntry, ...]:
    """Every knowledge entry with this id (usually one; empty when there is none)."""
    return _index().get(entry_id, ())


def all_ids() -> list[str]:
    """Every id in the packaged knowledge, sorted."""
    return sorted(_index())
