"""Lean Workbook as published (internlm/Lean-Workbook: a JSON list, or JSON lines) read into Theorems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stp_prover.data import DataError
from stp_prover.data.leanworkbook import DEFAULT_HEADER, HUB_URL, load_lean_workbook, read_records

SAMPLE = Path(__file__).parent / "fixtures" / "lean_workbook_sample.json"


def test_published_json_list_becomes_theorems_under_stps_header():
    theorems = load_lean_workbook(SAMPLE, "lean", dedup=False)
    assert [t.name for t in theorems] == ["lean_workbook_plus_1", "lean_workbook_plus_2", "lean_workbook_3"]
    first = theorems[0]
    assert first.statement == "theorem lean_workbook_plus_1 (x : ℝ) : x ^ 2 ≥ 0 := by"  # `sorry` cut (RL_utils.py:721)
    assert first.header.endswith(DEFAULT_HEADER) and first.split == "lean_workbook_plus"
    assert first.informal_statement.startswith("Prove that")
    assert theorems[2].statement.endswith("a + b = b + a := by") and "sorry" not in theorems[2].statement


def test_same_statement_under_another_id_is_dropped_and_status_filters():
    assert [t.name for t in load_lean_workbook(SAMPLE, "lean")] == ["lean_workbook_plus_1", "lean_workbook_3"]
    proved = load_lean_workbook(SAMPLE, "lean", status=["open"])
    assert [t.name for t in proved] == ["lean_workbook_plus_2"]


def test_json_lines_read_like_the_list(tmp_path):
    records = json.loads(SAMPLE.read_text())
    jsonl = tmp_path / "lw.jsonl"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    assert list(read_records(jsonl)) == records


def test_missing_or_foreign_file_says_where_to_download(tmp_path):
    for path in (None, tmp_path / "lean_workbook.json"):
        with pytest.raises(DataError, match="download lean_workbook.json from " + HUB_URL.replace(".", r"\.")):
            load_lean_workbook(path, "lean")
    other = tmp_path / "other.json"
    other.write_text(json.dumps([{"statement": "x"}]))
    with pytest.raises(DataError, match="no `formal_statement`"):
        load_lean_workbook(other, "lean")
    with pytest.raises(DataError, match="written in Lean 4"):
        load_lean_workbook(SAMPLE, "coq")
