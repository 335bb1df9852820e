"""The Chinese of the knowledge files' own reader-facing text, keyed by its English.

Every reader-facing English text of a knowledge file carries its reviewed Simplified Chinese
beside it, in the same mapping: a field ``x`` has ``x_zh`` (a list of texts has a list of the
same length), and a bilingual text is written ``{en: ..., zh: ...}``. The capabilities report
the English (the API stays as it is); a renderer asking :func:`breastcds.i18n.text` for Chinese
gets the knowledge's own Chinese for any text that comes verbatim from a knowledge file.

:func:`bilingual_pairs` walks one parsed file and yields every (where, English, Chinese) pair,
with Chinese ``None`` where it is missing; the knowledge tests fail on such a gap, naming the
file, the rule and the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

from breastcds.knowledge.bilingual import ZH
from breastcds.knowledge.loader import load_yaml

__all__ = ["ZH", "bilingual_pairs", "glossary", "knowledge_files", "where"]


def knowledge_files() -> list[str]:
    """Every knowledge YAML file, relative to the knowledge package (``systemic/x.yaml``)."""
    root = resources.files("breastcds.knowledge")
    names = [f.name for f in root.iterdir() if f.name.endswith(".yaml")]
    systemic = root.joinpath("systemic")
    names += [f"systemic/{f.name}" for f in systemic.iterdir() if f.name.endswith(".yaml")]
    return sorted(names)


def where(node: Mapping[str, Any], path: str) -> str:
    """A readable location: the enclosing rule / set / criterion id or name, else the path."""
    for key in ("id", "code", "name", "organ"):
        v = node.get(key)
        if isinstance(v, str):
            return f"{path} ({key} {v!r})"
    return path


def bilingual_pairs(data: Any, path: str = "") -> Iterator[tuple[str, str, str | None]]:
    """(location, English, Chinese or None) for every bilingual text in parsed YAML ``data``.

    A pair is a key ``x`` whose mapping has ``x_zh`` (strings, or lists zipped item by item),
    or a mapping with ``en`` and ``zh``. A key ``x_zh`` without its ``x`` is not a pair.
    """
    if isinstance(data, Mapping):
        here = where(data, path or "(file)")
        if "en" in data and "zh" in data and isinstance(data["en"], str):
            zh = data["zh"] if isinstance(data["zh"], str) and data["zh"].strip() else None
            yield f"{here}.en", data["en"], zh
        for key, v in data.items():
            zkey = f"{key}{ZH}"
            if isinstance(key, str) and zkey in data:
                yield from _zip(f"{here}.{zkey}", v, data[zkey])
            if isinstance(v, Mapping | list):
                yield from bilingual_pairs(v, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from bilingual_pairs(v, f"{path}[{i}]")


def _zip(loc: str, en: Any, zh: Any) -> Iterator[tuple[str, str, str | None]]:
    if isinstance(en, str):
        yield loc, en, zh if isinstance(zh, str) and zh.strip() else None
    elif isinstance(en, list):
        zhs = zh if isinstance(zh, list) else []
        for i, e in enumerate(en):
            z = zhs[i] if i < len(zhs) else None
            if isinstance(e, str):
                yield f"{loc}[{i}]", e, z if isinstance(z, str) and z.strip() else None


def _normal(s: str) -> str:
    return " ".join(s.split())


@cache
def glossary() -> dict[str, str]:
    """English -> Chinese of every bilingual text of every knowledge file (whitespace
    normalised). When one English text has two Chinese renderings the first file's wins; the
    knowledge tests require them to agree."""
    out: dict[str, str] = {}
    for name in knowledge_files():
        for _loc, en, zh in bilingual_pairs(load_yaml(name)):
            if zh is not None:
                out.setdefault(_normal(en), zh.strip())
    return out


_SLOT = re.compile(r"\\\{(\w+)\\\}")


@cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    """Knowledge texts with slots the capability fills (``pregnancy{gestation}``, ``ECOG
    {ecog}``, knowledge/guards.yaml) as patterns, with their Chinese."""
    out = []
    for en, zh in glossary().items():
        if "{" in en:
            pattern = _SLOT.sub(lambda m: f"(?P<{m.group(1)}>.*?)", re.escape(en))
            out.append((re.compile(f"^{pattern}$"), zh))
    return out


def _slot_zh(v: str) -> str:
    weeks = re.fullmatch(r", (\d+(?:\.\d+)?) weeks", v)
    if weeks:
        return f"（孕{weeks.group(1)}周）"
    return "未记录" if v == "not recorded" else v


def lookup(text: str) -> str | None:
    """The knowledge's own Chinese for ``text``, or None when it is not a knowledge text."""
    s = _normal(text)
    hit = glossary().get(s)
    if hit is not None or "{" in s:
        return hit
    for pattern, zh in _templates():
        m = pattern.match(s)
        if m:
            out = zh
            for slot, v in m.groupdict().items():
                out = out.replace("{" + slot + "}", _slot_zh(v))
            return out
    return None
