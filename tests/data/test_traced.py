"""Tracing for real: Coq standard-library files replayed in coqtop; Lean through the REPL test double."""

from __future__ import annotations

import json

from data.leandojo import read_corpus, read_split
from data.traced import load_traced, read_jsonl, tactic_examples, to_hf_dataset, trace_library
from itp import ItpConfig, LeanConfig, trace_source
from tests.conftest import repl_double_command

from tests.conftest import TRACED_FILES as FILES


def test_tracing_records_goals_tactics_and_premises(traced_dir):
    files = load_traced(traced_dir)
    assert sorted(f.path for f in files) == FILES
    between = next(f for f in files if f.path.endswith("Between.v"))
    assert between.logical_name == "Coq.Arith.Between" and between.imports
    theorems = read_jsonl(traced_dir / "theorems.jsonl")
    assert len(theorems) > 40
    t = next(t for t in theorems if t["full_name"] == "Coq.Arith.Between.in_int_Sp_q")
    first = t["traced_tactics"][0]
    assert "============================" in first["state_before"] and first["tactic"].endswith(".")
    uses = [p for tac in t["traced_tactics"] for p in tac["premises"]]
    assert "Coq.Arith.Between.in_int_intro" in uses  # a premise declared earlier in the same file


def test_corpus_and_splits(traced_dir):
    corpus = read_jsonl(traced_dir / "corpus.jsonl")
    assert {c["path"] for c in corpus} == set(FILES)
    assert all({"full_name", "code", "kind", "line"} <= set(p) for c in corpus for p in c["premises"])
    for split in ("random", "novel_files"):
        parts = {part: read_jsonl(traced_dir / "splits" / split / f"{part}.jsonl") for part in ("train", "val", "test")}
        names = [t["full_name"] for part in parts.values() for t in part]
        assert len(names) == len(set(names)) == len(read_jsonl(traced_dir / "theorems.jsonl"))
    novel = {
        part: {t["file_path"] for t in read_jsonl(traced_dir / "splits" / "novel_files" / f"{part}.jsonl")}
        for part in ("train", "val", "test")
    }
    assert not (novel["train"] & novel["test"]) and not (novel["train"] & novel["val"])  # whole files held out


def test_tracing_resumes_and_converts_to_a_hf_dataset(traced_dir):
    before = (traced_dir / "traced_files.jsonl").read_text()
    trace_library("coq", traced_dir, FILES)  # nothing left to do
    assert (traced_dir / "traced_files.jsonl").read_text() == before
    ds = to_hf_dataset(tactic_examples(read_jsonl(traced_dir / "theorems.jsonl")))
    assert {"state", "tactic", "premises"} <= set(ds.column_names) and len(ds) > 100


def test_lean_files_are_traced_from_all_tactics():
    config = ItpConfig(lean=LeanConfig(repl_command=repl_double_command("all_tactics"), repl_cwd=None))
    traced = trace_source("lean", "def f : Nat := by have t := 37; exact t", "F.lean", "F", config)
    [thm] = traced.theorems
    assert [t.tactic for t in thm.tactics] == ["have t := 37", "exact t"]
    assert thm.tactics[0].state_after == "t : Nat\n⊢ Nat" and thm.tactics[1].state_after == "no goals"
    assert "instOfNatNat" in thm.tactics[0].mentions


def test_leandojo_benchmark_records_are_read(tmp_path):
    # A two-record sample in LeanDojo Benchmark 4's documented layout, written by this test.
    (tmp_path / "corpus.jsonl").write_text(
        json.dumps(
            {
                "path": "Mathlib/A.lean",
                "imports": ["Init/Prelude.lean"],
                "premises": [
                    {
                        "full_name": "Nat.foo",
                        "code": "theorem foo : True",
                        "start": [3, 1],
                        "end": [3, 20],
                        "kind": "theorem",
                    }
                ],
            }
        )
        + "\n"
    )
    (tmp_path / "random").mkdir()
    (tmp_path / "random" / "train.json").write_text(
        json.dumps(
            [
                {
                    "url": "https://github.com/leanprover-community/mathlib4",
                    "commit": "abc",
                    "file_path": "Mathlib/A.lean",
                    "full_name": "Nat.bar",
                    "start": [5, 1],
                    "end": [6, 10],
                    "traced_tactics": [
                        {
                            "tactic": "exact foo",
                            "annotated_tactic": [
                                "exact <a>foo</a>",
                                [{"full_name": "Nat.foo", "def_path": "Mathlib/A.lean"}],
                            ],
                            "state_before": "⊢ True",
                            "state_after": "no goals",
                        }
                    ],
                }
            ]
        )
    )
    [c] = list(read_corpus(tmp_path))
    assert c["premises"][0]["full_name"] == "Nat.foo" and c["premises"][0]["line"] == 3
    [t] = list(read_split(tmp_path, "random", "train"))
    assert t["traced_tactics"][0]["premises"] == ["Nat.foo"] and t["start"] == 5
