"""The knowledge YAML reader: libyaml's parser and the parse cache give what ``yaml.safe_load``
gives."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import pytest
import yaml

from breastcds.knowledge import loader
from breastcds.knowledge.loader import parse_yaml


def _knowledge_files() -> list[str]:
    root = resources.files("breastcds.knowledge")
    out: list[str] = []

    def walk(node: object, prefix: str) -> None:
        for child in node.iterdir():  # type: ignore[attr-defined]
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif child.name.endswith(".yaml"):
                out.append(f"{prefix}{child.name}")

    walk(root, "")
    return sorted(out)


@pytest.mark.parametrize("name", _knowledge_files())
def test_every_knowledge_file_parses_as_safe_load_does(name: str) -> None:
    text = resources.files("breastcds.knowledge").joinpath(name).read_text(encoding="utf-8")
    assert parse_yaml(text) == yaml.safe_load(text)


def test_unsafe_tags_are_refused() -> None:
    with pytest.raises(yaml.YAMLError):
        parse_yaml("!!python/object/apply:os.system ['true']")


def test_parsed_knowledge_is_cached_beside_the_bytecode_and_read_back_equal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "_CACHE_DIR", tmp_path / "__pycache__")
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    text = "rules:\n  - id: a\n    threshold: 1.5\n    values: [1, 2, null]\n"
    first = parse_yaml(text)
    cached = list((tmp_path / "__pycache__").glob("knowledge-*.pickle"))
    assert len(cached) == 1
    assert parse_yaml(text) == first == yaml.safe_load(text)
    # an edited file has another key: parsed again, not served from the old entry
    assert parse_yaml(text.replace("1.5", "2.5"))["rules"][0]["threshold"] == 2.5
    assert len(list((tmp_path / "__pycache__").glob("knowledge-*.pickle"))) == 2
    # a damaged entry is parsed again
    cached[0].write_bytes(b"not a pickle")
    assert parse_yaml(text) == first


def test_no_cache_is_written_when_python_writes_no_bytecode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "_CACHE_DIR", tmp_path / "__pycache__")
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert parse_yaml("a: 1\n") == {"a": 1}
    assert not (tmp_path / "__pycache__").exists()
