"""One lookup for knowledge ids (``breastcds.knowledge.index``) and ``breastcds kb rule ID``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from breastcds.cli.main import app
from breastcds.knowledge.index import all_ids, knowledge_files, lookup
from tests.knowledge.ids import FILES, ids_in


def test_every_knowledge_file_is_indexed() -> None:
    """The index walks the whole knowledge folder, sub-folders included (no list of files)."""
    assert knowledge_files() == FILES
    assert "systemic/hr_positive.yaml" in FILES and "rt_omission.yaml" in FILES


@pytest.mark.parametrize("file", FILES)
def test_every_id_in_the_file_is_found_with_its_file(file: str) -> None:
    for rid in sorted(ids_in(file)):
        matches = lookup(rid)
        assert any(m.file == file for m in matches), (file, rid)
        for m in matches:
            assert m.kind and m.path
            assert rid in (str(m.entry.get("id")), m.entry.get("code"))


@pytest.mark.parametrize("file", FILES)
def test_cli_kb_rule_finds_every_id_in_the_file(file: str) -> None:
    runner = CliRunner()
    for rid in sorted(ids_in(file)):
        res = runner.invoke(app, ["kb", "rule", rid, "--format", "json"])
        assert res.exit_code == 0, (rid, res.output)
        assert file in {m["file"] for m in json.loads(res.stdout)}, rid


def test_kinds_name_the_collection() -> None:
    (rule,) = lookup("her2pos.post_neoadjuvant.tdm1")
    assert (rule.file, rule.kind) == ("systemic/her2_positive.yaml", "rules")
    (ab,) = lookup("brachial_plexus")
    assert (ab.file, ab.kind, ab.entry["id"]) == ("alpha_beta.yaml", "entries", "brachial_plexus")
    assert all(not i.startswith(" ") for i in all_ids())


def test_cli_kb_rule_text_shows_any_entry_and_its_file() -> None:
    res = CliRunner().invoke(app, ["kb", "rule", "brachial_plexus"])
    assert res.exit_code == 0, res.output
    assert "alpha_beta.yaml" in res.output and "entries" in res.output


def test_cli_kb_rule_unknown_id_is_a_clean_error() -> None:
    res = CliRunner().invoke(app, ["kb", "rule", "no.such.rule"])
    assert res.exit_code == 2
    assert "no knowledge entry with id 'no.such.rule'" in res.output
    assert "Traceback" not in res.output
    assert lookup("no.such.rule") == ()
