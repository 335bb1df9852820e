"""The validated-knowledge cache (model/validated_cache.py): read back between runs, keyed by the
knowledge files and the code, harmless when it cannot be written, never stale."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import breastcds
from breastcds.model import validated_cache as vc
from breastcds.model.overridable import Overridable

PACKAGE = Path(breastcds.__file__).parent


class Builds:
    """A loader that counts its runs."""

    def __init__(self, value: object) -> None:
        self.value = value
        self.runs = 0

    def __call__(self) -> object:
        self.runs += 1
        return self.value


def built_at_every_call(name: str) -> None:
    """``cached(name, ...)`` runs its loader at every call: nothing is read back."""
    build = Builds("value")
    assert vc.cached(name, build) == "value"
    assert vc.cached(name, build) == "value"
    assert build.runs == 2


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable cache folder of its own, with bytecode (and so the cache) written."""
    folder = tmp_path / "__pycache__"
    monkeypatch.setattr(vc, "CACHE_DIR", folder)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.delenv(vc.SWITCH, raising=False)
    return folder


def test_a_loader_runs_once_and_a_later_run_reads_its_value_back(cache_dir: Path) -> None:
    build = Builds({"rules": [1, 2, {"id": "a"}]})
    assert vc.cached("test.loader", build) == build.value
    assert build.runs == 1
    assert [p.name for p in cache_dir.iterdir()] == [
        f"validated-test.loader-{vc.fingerprint()}.pickle"
    ]
    # what a later process does: the same call, served from the file
    assert vc.cached("test.loader", build) == build.value
    assert build.runs == 1


def test_a_damaged_file_or_one_written_for_another_loader_is_validated_again(
    cache_dir: Path,
) -> None:
    build = Builds("value")
    vc.cached("test.damaged", build)
    path = vc.cache_path("test.damaged")
    path.write_bytes(b"not a pickle")
    assert vc.cached("test.damaged", build) == "value"
    assert build.runs == 2
    shutil.copy(vc.cache_path("test.damaged"), vc.cache_path("test.other"))
    other = Builds("other value")
    assert vc.cached("test.other", other) == "other value"
    assert other.runs == 1


def test_nothing_is_written_when_python_writes_no_bytecode(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    built_at_every_call("test.nobytecode")
    assert not cache_dir.exists()


def test_an_unwritable_cache_folder_or_an_unpicklable_value_is_harmless(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setattr(vc, "CACHE_DIR", blocker / "__pycache__")  # cannot be created
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    built_at_every_call("test.readonly")
    monkeypatch.setattr(vc, "CACHE_DIR", tmp_path / "__pycache__")
    assert vc.cached("test.unpicklable", lambda: lambda: None)() is None
    assert list((tmp_path / "__pycache__").iterdir()) == []  # no file, no temporary left


def test_the_cache_can_be_turned_off(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(vc.SWITCH, "0")
    built_at_every_call("test.off")
    assert not cache_dir.exists()


def test_the_key_changes_with_a_knowledge_file_and_with_the_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "breastcds"
    (package / "knowledge" / "systemic").mkdir(parents=True)
    rules = package / "knowledge" / "systemic" / "rules.yaml"
    rules.write_text("rules: []\n", encoding="utf-8")
    schema = package / "schema.py"
    schema.write_text("X = 1\n", encoding="utf-8")
    monkeypatch.setattr(vc, "PACKAGE", package)
    monkeypatch.setattr(vc, "KNOWLEDGE", package / "knowledge")

    def key() -> str:
        vc.fingerprint.cache_clear()
        return vc.fingerprint()

    try:
        first = key()
        assert key() == first
        rules.write_text("rules: [{id: a}]\n", encoding="utf-8")
        second = key()
        assert second != first
        st = schema.stat()
        os.utime(schema, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        assert key() not in {first, second}
        # bytecode caches do not count
        (package / "__pycache__").mkdir()
        (package / "__pycache__" / "schema.cpython-311.pyc").write_bytes(b"")
        third = key()
        (package / "__pycache__" / "other.pyc").write_bytes(b"")
        assert key() == third
    finally:
        vc.fingerprint.cache_clear()


def test_two_loaders_may_not_share_a_cache_file() -> None:
    vc.loader_name("test.unique")
    with pytest.raises(ValueError, match="used twice"):
        vc.loader_name("test.unique")
    with pytest.raises(ValueError, match="used twice"):
        Overridable(lambda: 1, name="test.unique")


def test_an_override_is_never_cached_and_the_packaged_value_returns(cache_dir: Path) -> None:
    build = Builds("packaged")
    knowledge = Overridable(build, name="test.overridable")
    assert knowledge.active() == "packaged"
    with knowledge.overriding("from another directory"):
        assert knowledge.active() == "from another directory"
    assert knowledge.active() == "packaged"
    assert build.runs == 1
    assert [p.name.split("-")[1] for p in cache_dir.iterdir()] == ["test.overridable"]


# ---------------------------------------------------------------------------------------------
# End to end, on a copy of the installed package
# ---------------------------------------------------------------------------------------------

_ASSESS = "from breastcds.cli.main import run; run()"

# After a run that wrote the cache: the packaged tables come from it, and knowledge_from still
# switches to another directory (its Ki-67 fall-through row says "high") and back.
_OVERRIDE = """
import json, sys
from pathlib import Path
from breastcds.model import validated_cache as vc
cached = vc.cache_path("breastcds.knowledge.rule_tables.load_tables").exists()
from breastcds.classify import ki67
from breastcds.knowledge.rule_tables import knowledge_from
before = ki67.classify(8.0).group
with knowledge_from(Path(sys.argv[1])):
    inside = ki67.classify(8.0).group
print(json.dumps([cached, before, inside, ki67.classify(8.0).group]))
"""


def _run(copy: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", vc.SWITCH)}
    env["PYTHONPATH"] = str(copy)
    run = subprocess.run(
        [sys.executable, "-c", *args], capture_output=True, text=True, env=env, timeout=300
    )
    assert run.returncode == 0, run.stderr
    return re.sub(r'"assessed_at": "[^"]*"', '"assessed_at": ""', run.stdout)


def _validated(copy: Path) -> set[str]:
    return {p.name for p in (copy / "breastcds/knowledge/__pycache__").glob("validated-*")}


def test_an_edited_knowledge_file_in_a_copy_of_the_package_is_validated_again(
    tmp_path: Path,
) -> None:
    copy = tmp_path / "site"
    shutil.copytree(PACKAGE, copy / "breastcds", ignore=shutil.ignore_patterns("__pycache__"))
    assess = (_ASSESS, "assess", "--example", "her2-low-metastatic", "--format", "json")

    first = _run(copy, *assess)  # validates and writes the cache
    written = _validated(copy)
    assert {"options.kb", "breastcds.knowledge.rule_tables.load_tables"} <= {
        n.split("-")[1] for n in written
    }
    assert _run(copy, *assess) == first  # read back: the same answer, byte for byte
    assert _validated(copy) == written

    # a reviewer edits an option rule's regimen text in the copy
    rules = copy / "breastcds/knowledge/systemic/her2_low.yaml"
    text = rules.read_text(encoding="utf-8")
    old = 'regimen: "trastuzumab deruxtecan (T-DXd)"'
    assert old in text
    rules.write_text(text.replace(old, 'regimen: "T-DXd (edited)"'), encoding="utf-8")
    edited = _run(copy, *assess)
    regimens = {
        o["regimen"]
        for dp in json.loads(edited)["sections"]["options"]["decision_points"]
        for o in dp["options"]
    }
    assert "T-DXd (edited)" in regimens
    assert "trastuzumab deruxtecan (T-DXd)" not in regimens
    # every loader's file was replaced by one under the new key
    now = _validated(copy)
    assert now.isdisjoint(written)
    assert {n.split("-")[1] for n in now} == {n.split("-")[1] for n in written}

    # the override mechanism still reads another directory, over the cached packaged tables
    other = tmp_path / "knowledge"
    shutil.copytree(copy / "breastcds/knowledge", other, ignore=shutil.ignore_patterns("*.py"))
    ki67 = other / "classification/ki67.yaml"
    table = ki67.read_text(encoding="utf-8")
    row = "- then: {group: intermediate}"
    assert table.count(row) == 1
    ki67.write_text(table.replace(row, "- then: {group: high}"), encoding="utf-8")
    cached, before, inside, after = json.loads(_run(copy, _OVERRIDE, str(other)))
    assert cached is True
    assert (before, inside, after) == ("intermediate", "high", "intermediate")


def test_knowledge_edited_while_a_process_builds_it_is_not_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkout or update under a running process: the key was taken from the old files, the
    loader read the new ones, so the result must not be stored under the old key."""
    package = tmp_path / "breastcds"
    (package / "knowledge").mkdir(parents=True)
    rules = package / "knowledge" / "rules.yaml"
    rules.write_text("rules: []\n", encoding="utf-8")
    folder = package / "knowledge" / "__pycache__"
    monkeypatch.setattr(vc, "PACKAGE", package)
    monkeypatch.setattr(vc, "KNOWLEDGE", package / "knowledge")
    monkeypatch.setattr(vc, "CACHE_DIR", folder)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.delenv(vc.SWITCH, raising=False)
    vc.fingerprint.cache_clear()
    try:
        vc.fingerprint()  # the key is taken at the process's first use

        def build_after_an_edit() -> str:
            rules.write_text("rules: [{id: a}]\n", encoding="utf-8")
            return "read from the edited file"

        assert vc.cached("test.edited", build_after_an_edit) == "read from the edited file"
        assert not folder.exists() or list(folder.iterdir()) == []
        # a later process (new key) builds and stores as usual
        vc.fingerprint.cache_clear()
        assert vc.cached("test.edited", Builds("value")) == "value"
        assert [p.name for p in folder.iterdir()] == [
            f"validated-test.edited-{vc.fingerprint()}.pickle"
        ]
    finally:
        vc.fingerprint.cache_clear()
