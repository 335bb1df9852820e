"""The knowledge YAML reader: libyaml's parser gives what ``yaml.safe_load`` gives."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

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
