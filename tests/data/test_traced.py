"""Tracing for real: Coq standard-library files replayed in coqtop; Lean through the REPL test double."""

from __future__ import annotations

import json
import random

from stp_prover.data.leandojo import read_corpus, read_split
from stp_prover.data.traced import (
    SPLITS,
    load_traced,
    read_jsonl,
    split_theorems,
    tactic_examples,
    to_hf_dataset,
    trace_library,
    training_part,
)
from stp_prover.itp import ItpConfig, LeanConfig, trace_source
from stp_prover.retrieval import PremiseCorpus
from tests.conftest import TRACED_FILES as FILES
from tests.conftest import repl_double_command


def test_tracing_records_goals_tactics_and_premises(traced_dir):
    files = load_traced(traced_dir)
    assert sorted(f.path for f in files) == FILES
    between = next(f for f in files if f.path.endswith("Between.v"))
    assert between.logical_name == "Coq.Arith.Between"
    assert between.imports == ["Coq.Arith.PeanoNat", "Coq.Arith.Le", "Coq.Arith.Lt"]
    theorems = read_jsonl(traced_dir / "theorems.jsonl")
    assert len(theorems) > 40
    t = next(t for t in theorems if t["full_name"] == "Coq.Arith.Between.in_int_Sp_q")
    first = t["traced_tactics"][0]
    assert "============================" in first["state_before"] and first["tactic"].endswith(".")
    uses = [p for tac in t["traced_tactics"] for p in tac["premises"]]
    assert "Coq.Arith.Between.in_int_intro" in uses  # a premise declared earlier in the same file
    # `transitivity (S p); auto.` after `apply in_int_intro; auto.` (Between.v, lines 120-125, asked of coqtop)
    assert [tac["premises"] for tac in t["traced_tactics"]][1:] == [
        ["Coq.Arith.Between.in_int_intro"],
        ["Coq.Init.Datatypes.S"],
    ]


def test_training_reads_the_train_part_only(traced_dir):
    train, statements = training_part(traced_dir)
    test = read_jsonl(traced_dir / "splits" / "random" / "test.jsonl")
    assert train == read_jsonl(traced_dir / "splits" / "random" / "train.jsonl")
    assert not {t["full_name"] for t in train} & {t["full_name"] for t in test}
    assert statements["Coq.Arith.Between.in_int_intro"].startswith("Lemma in_int_intro : forall p q r")
    novel, _ = training_part(traced_dir / "splits" / "novel_premises")
    assert novel == read_jsonl(traced_dir / "splits" / "novel_premises" / "train.jsonl")


def test_corpus_and_splits(traced_dir):
    corpus = read_jsonl(traced_dir / "corpus.jsonl")
    paths = [c["path"] for c in corpus]
    assert set(FILES) <= set(paths) and paths == sorted(paths)
    assert all({"full_name", "code", "kind", "line"} <= set(p) for c in corpus for p in c["premises"])
    # Premises the proofs used from untraced files (Coq.Init, PeanoNat's functor-made names) have their owner's record.
    owners = {c["path"]: c for c in corpus}
    assert {p["full_name"] for p in owners["theories/Init/Logic.v"]["premises"]} == {"Coq.Init.Logic.proj1"}
    assert "theories/Init/Logic.v" in owners["theories/Arith/Between.v"]["imports"]  # the prelude is loaded first
    theorems = read_jsonl(traced_dir / "theorems.jsonl")
    for split in SPLITS:
        parts = {part: read_jsonl(traced_dir / "splits" / split / f"{part}.jsonl") for part in ("train", "val", "test")}
        names = [t["full_name"] for part in parts.values() for t in part]
        assert len(names) == len(set(names)) == len(theorems)
        assert parts["test"] and parts["val"]


def test_novel_premises_holds_out_premises_never_used_in_training(traced_dir):
    theorems = read_jsonl(traced_dir / "theorems.jsonl")
    for seed in (0, 1):
        parts = split_theorems(theorems, "novel_premises", seed)
        used = {p for t in parts["train"] for tac in t["traced_tactics"] for p in tac["premises"]}
        for t in parts["val"] + parts["test"]:
            mine = {p for tac in t["traced_tactics"] for p in tac["premises"]}
            assert mine - used, t["full_name"]  # at least one premise no training proof uses
        assert 0.05 < (len(parts["val"]) + len(parts["test"])) / len(theorems) < 0.2


def test_splits_do_not_depend_on_the_order_files_were_traced(traced_dir):
    theorems = read_jsonl(traced_dir / "theorems.jsonl")
    shuffled = theorems[:]
    random.Random(7).shuffle(shuffled)
    for split in SPLITS:
        assert split_theorems(shuffled, split, 3) == split_theorems(theorems, split, 3)
        assert split_theorems(theorems, split, 3)["test"] != split_theorems(theorems, split, 4)["test"]


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


def _leandojo_sample(root):
    """Three files in LeanDojo Benchmark 4's documented layout: C <- B <- A by direct imports; one theorem of A uses a
    premise of C (two imports away), one uses a premise of A itself."""
    files = [
        ("C.lean", [], [("Nat.c_lemma", "theorem c_lemma : True", 3)]),
        ("B.lean", ["C.lean"], [("Nat.b_lemma", "theorem b_lemma : True", 4)]),
        ("A.lean", ["B.lean"], [("Nat.a_lemma", "theorem a_lemma : True", 2), ("Nat.a_late", "theorem a_late", 40)]),
    ]
    (root / "corpus.jsonl").write_text(
        "".join(
            json.dumps(
                {
                    "path": path,
                    "imports": imports,
                    "premises": [
                        {"full_name": n, "code": code, "start": [line, 1], "end": [line, 20], "kind": "theorem"}
                        for n, code, line in premises
                    ],
                }
            )
            + "\n"
            for path, imports, premises in files
        )
    )

    def theorem(name, premise, line):
        return {
            "url": "https://github.com/leanprover-community/mathlib4",
            "commit": "abc",
            "file_path": "A.lean",
            "full_name": name,
            "start": [line, 1],
            "end": [line + 1, 10],
            "traced_tactics": [
                {
                    "tactic": f"exact {premise}",
                    "annotated_tactic": [f"exact <a>{premise}</a>", [{"full_name": premise, "def_path": "C.lean"}]],
                    "state_before": "⊢ True",
                    "state_after": "no goals",
                }
            ],
        }

    parts = {
        "train": [theorem("Nat.t1", "Nat.a_lemma", 10)],
        "val": [theorem("Nat.t2", "Nat.b_lemma", 20)],
        "test": [theorem("Nat.t3", "Nat.c_lemma", 30)],
    }
    for split in ("random", "novel_premises"):
        (root / split).mkdir()
        for part, records in parts.items():
            (root / split / f"{part}.json").write_text(json.dumps(records))


def test_leandojo_benchmark_is_read_with_transitive_imports(tmp_path):
    _leandojo_sample(tmp_path)
    [c, b, a] = list(read_corpus(tmp_path))
    assert c["premises"][0]["full_name"] == "Nat.c_lemma" and c["premises"][0]["line"] == 3
    assert a["imports"] == ["B.lean"]  # LeanDojo's imports are direct ones
    [t] = list(read_split(tmp_path, "random", "test"))
    assert t["traced_tactics"][0]["premises"] == ["Nat.c_lemma"] and t["start"] == 30
    corpus = PremiseCorpus([c, b, a])
    names = {corpus.premises[i].full_name for i in corpus.accessible("A.lean", 30)}
    assert names == {"Nat.c_lemma", "Nat.b_lemma", "Nat.a_lemma"}  # C is two imports away; a_late comes later


def test_leandojo_benchmark_reaches_retrieval_eval_from_the_command_line(tmp_path):
    from tests.cli.test_cli import stp

    bench = tmp_path / "bench4"
    bench.mkdir()
    _leandojo_sample(bench)
    proc = stp("data", "import-leandojo", bench, "--out", tmp_path / "ours")
    assert proc.returncode == 0, proc.stderr
    assert "random/test: 1" in proc.stdout
    proc = stp("retrieval", "eval", "--data", tmp_path / "ours", "--split", "novel_premises", "--no-packaged", "--json")
    assert proc.returncode == 0, proc.stderr
    [bm25] = json.loads(proc.stdout)
    assert bm25["queries"] == 1 and bm25["recall@100"] == 1.0  # the premise two imports away is a candidate
    bad = stp("data", "import-leandojo", tmp_path / "nothing-here", "--out", tmp_path / "x")
    assert bad.returncode == 2 and "is not LeanDojo Benchmark 4" in bad.stderr
