"""``breastcds assess`` prints every section readably (no raw JSON), in English and Chinese."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from breastcds import examples
from breastcds.cli.main import app
from breastcds.cli.render import render_generic

runner = CliRunner()
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_reirradiation_section_is_a_table_with_verdicts(lang: str) -> None:
    out = runner.invoke(
        app, ["assess", "--example", "chest-wall-recurrence-reirradiation", "--lang", lang],
        env={"COLUMNS": "160"},
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert '"classification"' not in out.output and '"organs"' not in out.output  # not JSON
    if lang == "zh":
        for word in (
            "再程放疗",
            "1型再程放疗",
            "臂丛神经",
            "脊髓",
            "在限值内",
            "无法评估",
            "无文献限值",
        ):
            assert word in out.output, word
    else:
        for word in ("re-irradiation type 1", "brachial plexus", "within limit", "cannot assess"):
            assert word in out.output, word


@pytest.mark.parametrize("name", examples.names())
def test_every_section_of_every_example_prints_without_json(name: str) -> None:
    out = runner.invoke(app, ["assess", "--example", name, "--lang", "zh"],
                        env={"COLUMNS": "160"})  # fmt: skip
    assert out.exit_code == 0, out.output
    assert not re.search(r'^\s*"[a-z_]+": ', out.output, re.M)  # no JSON key lines


def test_an_unknown_section_prints_as_a_tree_of_named_fields() -> None:
    from io import StringIO

    from rich.console import Console

    buf = StringIO()
    section = {"status": "needs_data", "fertility_wish": None, "text_en": "refer early",
               "text_zh": "尽早转诊", "options": [{"name": "oocyte cryopreservation"}]}  # fmt: skip
    render_generic("fertility", section, Console(file=buf, width=120), "zh")
    shown = buf.getvalue()
    assert "尽早转诊" in shown and "refer early" not in shown
    assert "需补充资料" in shown and "未记录" in shown
    assert not SNAKE.search(shown)
