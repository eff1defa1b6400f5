"""Issue 27, "STP as published": the self-play loop's token budget, prover prompt, lemma pool, drop of proved
conjectures and final replay against kfdong/STP's own code. Each test writes STP's construction as STP's source
writes it (the file:line is named beside it) and compares ours with it."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from stp_prover.itp import Theorem
from stp_prover.itp.dialect import dialect
from stp_prover.selfplay import load_config, stp
from stp_prover.selfplay.budget import TokenBudget, load_budget, proof_request_builder, text_request_builder
from stp_prover.selfplay.config import ProverSettings, SelfPlayConfig
from stp_prover.selfplay.prompts import proof_prompt, stp_proof_prompt
from stp_prover.selfplay.stages.conjecture import library_lemmas, proved_before
from stp_prover.selfplay.stp import ProofRecord
from tests.conftest import ROOT

# RL/utils/model_utils.py:22, verbatim.
PROVER_PROMPT = (
    "Complete the following Lean 4 code:\n\n```lean4\nimport Mathlib\nimport Aesop\nset_option maxHeartbeats 0\n"
    "open BigOperators Real Nat Topology Rat\n"
)
FIXED_HEADER = PROVER_PROMPT[len("Complete the following Lean 4 code:\n\n```lean4\n") :]
MAX_LENGTH = 1024  # RL/RL_step1_generate.py:18 (max_tokens of every proof and conjecture request)
MAX_MODEL_LEN = 1024  # RL/utils/model_utils.py:80 (LLM(..., max_model_len = 1024))
OUR_HEADER = (
    "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\nopen BigOperators Real Nat Topology Rat\n\n"
)


def lean(name: str, statement: str) -> Theorem:
    return Theorem(name, "lean", OUR_HEADER, statement)


def stp_get_prompt(test_info: dict) -> str:
    """RL/utils/model_utils.py:40-43, the prover branch of get_prompt, as written there."""
    if ("header" in test_info) and (test_info["header"] is not None):
        return (
            "Complete the following Lean 4 code:\n\n```lean4\n" + test_info["header"] + test_info["statement"].strip()
        )
    return f"{PROVER_PROMPT}\n{test_info['statement'].strip()}"


# -- 2: the prover prompt's bytes ----------------------------------------------------------------------------------
def test_prover_prompt_is_stps_for_header_less_records():
    t = lean("mathd_algebra_182", "theorem mathd_algebra_182 (y : ℂ) : 7 * (3 * y + 2) = 21 * y + 14 := by\n")
    # STP's miniF2F / Lean Workbook records have no header (RL_utils.py:723 reads raw.get('header', None)).
    stp_bytes = stp_get_prompt({"header": None, "statement": t.statement})
    assert proof_prompt(t, "stp", FIXED_HEADER) == stp_bytes
    assert "Rat\n\ntheorem" in stp_bytes  # the blank line of model_utils.py:43
    # A record with a header of its own (ProofNet's): STP's first branch, the header straight before the statement.
    assert proof_prompt(t, "stp") == stp_get_prompt({"header": t.header, "statement": t.statement})
    # Training and the final model format prompts the same way (RL_step2_train.py:26-30, RL_step3_final_model.py:29-33).
    assert stp_proof_prompt(t, FIXED_HEADER) == f"{PROVER_PROMPT}\n{t.statement.strip()}"


def test_the_lean_run_config_carries_stps_header_and_budget():
    gpu = load_config(ROOT / "configs" / "selfplay_gpu_lean.yaml")
    assert gpu.prover.prompt_header == FIXED_HEADER
    assert gpu.prover.token_budget == MAX_MODEL_LEN and gpu.prover.engine.max_model_len == MAX_MODEL_LEN
    assert gpu.prover.engine.max_input_tokens == 1024  # prompt_length, RL/utils/RL_utils.py:27
    assert gpu.prover.max_new_tokens == MAX_LENGTH and gpu.conjecturer.max_new_tokens == MAX_LENGTH
    assert (
        SelfPlayConfig().prover.token_budget == MAX_MODEL_LEN and SelfPlayConfig().conjecturer.lemma_pool == "library"
    )


# -- 1: the token budget -------------------------------------------------------------------------------------------
def _tiny(tmp_path):
    from stp_prover.training import TinyModelConfig, init_model

    return str(init_model(tmp_path / "m", TinyModelConfig(width=32, layers=1, heads=2, context=2048)))


def test_proof_and_conjecture_requests_share_stps_1024_token_context(tmp_path):
    model = _tiny(tmp_path)
    budget = load_budget(model, 1024)
    tok = budget.tokenizer
    prover = ProverSettings(prompt_header=FIXED_HEADER)
    t = lean("t", "theorem t (a b : ℕ) (h₀ : a = b) : b = a := by")
    (req,) = proof_request_builder(prover, budget)([t], 4)
    prompt = stp_get_prompt({"header": None, "statement": t.statement})
    # What vLLM is given: the tokenizer's leading specials (DeepSeek's BOS; the byte tokenizer has none) and the text.
    n_prompt = len(tok(prompt, add_special_tokens=False)["input_ids"])
    # vLLM stops a sequence at max_model_len (model_utils.py:80) though it asks max_tokens=MAX_LENGTH
    # (RL_utils.py:47): the completion gets what the prompt leaves.
    assert req.prompt == prompt and req.n == 4 and req.stop == ("```",)
    assert req.max_tokens == min(MAX_LENGTH, MAX_MODEL_LEN - n_prompt) and n_prompt + req.max_tokens == 1024
    # A conjecture prompt (RL_utils.py:57-59: the same budget).
    conj = "Complete the following Lean 4 code:\n\n```lean4\n<lemma>\ntheorem true: True\n<easy theorem>\n"
    (creq,) = text_request_builder(prover, MAX_LENGTH, budget)([conj], 2)
    assert creq.max_tokens == min(MAX_LENGTH, MAX_MODEL_LEN - len(tok(conj, add_special_tokens=False)["input_ids"]))
    # Without a budget: our old one, max_new_tokens on top of the prompt.
    (old,) = proof_request_builder(ProverSettings(token_budget=None), None)([t], 1)
    assert old.max_tokens == 1024
    # The engine keeps the whole prompt (nothing cut), so prompt + completion stay within 1024.
    from stp_prover.generation import EngineSettings, make_engine

    engine = make_engine(model, EngineSettings(engine="hf", device="cpu"))
    small = TokenBudget(tok, n_prompt + 3)  # three tokens left: a short real generation
    (got,) = engine.generate(proof_request_builder(prover, small)([t], 2))
    assert got.prompt_cut == 0 and len(got) == 2 and all(c.tokens <= 3 for c in got)


# -- 3: the lemma pool -------------------------------------------------------------------------------------------------
def test_lemma_pool_is_stps_theorem_dict_of_library_source_text(tmp_path):
    records = [
        {
            "full_name": "Nat.add_comm'",
            "file_path": "Mathlib/A.lean",
            "statement": "theorem add_comm' (n m : ℕ) :\n    n + m = m + n := by\n  omega",
        },
        {
            "full_name": "Nat.le_refl'",
            "file_path": "Mathlib/B.lean",
            "statement": "lemma le_refl' (n : ℕ) : n ≤ n := le_rfl",
        },
    ]
    (tmp_path / "theorems.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    # Notebooks/construct_sft.ipynb (theorem_dict cell): full_name -> (file, source text); RL_utils.py:334-336.
    theorem_dict = {r["full_name"]: (r["file_path"], r["statement"]) for r in records}
    avaliable_lemmas = {k: v[1].split(":=")[0].strip() for k, v in theorem_dict.items()}
    assert library_lemmas(str(tmp_path), "lean") == avaliable_lemmas
    assert library_lemmas(None, "lean") == {}
    # A premise outside the pool is no input (RL_utils.py:402); "no lemma" is always one.
    seed = ProofRecord("s", "theorem s : True := by", "\n  trivial", 4, True, 0.0, ("Nat.add_comm'", "Foo.bar"))
    inputs = stp.conjecture_inputs(
        [seed],
        {"s": 1.0},
        avaliable_lemmas,
        10,
        np.random.default_rng(0),
        stp.InputSettings(no_lemma_probability=1.0),
        "theorem true: True",
    )
    assert [(i.lemma, i.lemma_statement) for i in inputs] == [
        ("Nat.add_comm'", "theorem add_comm' (n m : ℕ) :\n    n + m = m + n"),
        ("", "theorem true: True"),
    ]


def test_coq_library_lemmas_end_where_the_statement_ends(tmp_path):
    rec = {"full_name": "Coq.Arith.X.t", "statement": "Lemma t (n : nat) : let m := n in m = n.", "file_path": "X.v"}
    (tmp_path / "theorems.jsonl").write_text(json.dumps(rec) + "\n")
    # Coq has no `:=` ending a statement: its dialect's statement end (a full stop) stands for STP's split.
    assert library_lemmas(str(tmp_path), "coq") == {"Coq.Arith.X.t": "Lemma t (n : nat) : let m := n in m = n"}
    assert dialect("coq").statement_end.pattern


# -- 4: conjectures proved in earlier rounds are not sampled again -----------------------------------------------------
def test_conjectures_proved_in_an_earlier_round_are_dropped_before_sampling():
    earlier = ["theorem a : 1 = 1 := by", "theorem b : 2 = 2 := by", "theorem c : 3 = 3 := by"]
    proved_earlier = {earlier[0], earlier[2]}
    pool_now = [
        "theorem c : 3 = 3 := by",
        "theorem d : 4 = 4 := by",
        "theorem a : 1 = 1 := by",
        "theorem e : 5 = 5 := by",
    ]
    # STP: lemma ids keyed by the statement (model_utils.py:289-299), succ_lemmas the ids ever proved
    # (RL_utils.py:76-77), and the round's statements filtered at RL_utils.py:456.
    lemma_mapping: dict = {}

    def insert_lemma(test_info):
        key = test_info["statement"]
        if key not in lemma_mapping:
            lemma_mapping[key] = len(lemma_mapping)
        test_info["lemma_id"] = lemma_mapping[key]

    generated_proofs = [{"statement": s, "complete": s in proved_earlier} for s in earlier]
    for x in generated_proofs:
        insert_lemma(x)
    succ_lemmas = set(x["lemma_id"] for x in generated_proofs if x.get("complete", False))
    conjecture_lemmas_dedup = [{"statement": s} for s in pool_now]
    for x in conjecture_lemmas_dedup:
        insert_lemma(x)
    ret = [x["statement"] for x in conjecture_lemmas_dedup if x["lemma_id"] not in succ_lemmas]
    assert [pool_now[i] for i in stp.drop_proved(pool_now, proved_before_of(earlier, proved_earlier))] == ret


def proved_before_of(written: list[str], proved: set[str]) -> set[str]:
    """`proved_before` on a round-0 record set: conjectures named c0.., the statement renamed, the text as written."""
    records = [
        ProofRecord(f"c{i}", f"theorem c{i} : True := by", "p", 1, w in proved, original=False)
        for i, w in enumerate(written)
    ]
    logs = [
        {"conjectures": [{"name": f"c{i}", "statement": f"theorem c{i} : True := by", "written": w}]}
        for i, w in enumerate(written)
    ]
    ctx = SimpleNamespace(round_proofs=lambda q: records, records=lambda q, name: logs)
    return proved_before(ctx, 1)


# -- 5: the final replay -------------------------------------------------------------------------------------------
def test_final_replay_is_stps_merge_filter_cap_and_weights():
    # One round's deduplicated proofs, in the order STP stores them (generated_proofs.json).
    rows = [
        ("T1", "theorem t1 : True := by", "\n  trivial", 3, True, True),
        ("T1", "theorem t1 : True := by", "\n  exact trivial", 1, True, True),
        ("T2", "theorem t2 : True := by", "\n  simp", 1, False, True),
        ("C1", "theorem k : 1 = 1 := by", "\n  rfl", 1, True, False),
        ("C1", "theorem k : 1 = 1 := by", "\n  bad", 7, False, False),  # pass rate 1/8: kept
        ("C2", "theorem j : 2 = 2 := by", "\n  rfl", 2, True, False),  # pass rate 2/2: dropped
    ] + [("T3", "theorem t3 : 3 = 3 := by", f"\n  rfl -- {i}", 1, True, True) for i in range(20)]
    records = [ProofRecord(n, s, p, c, ok, original=o) for n, s, p, c, ok, o in rows]
    training_examples = {s for n, s, _, _, _, o in rows if o}
    # RL_step3_final_model.py:68-83, 174-190, 29-47, as written there (one round; cleanup_info drops the header).
    generated_proofs_this_round = [
        {"statement": s, "proof": p, "multiplicity": c, "complete": ok} for _, s, p, c, ok, _ in rows
    ]
    all_test_results: dict = {}
    for test_info in generated_proofs_this_round:
        key = test_info["statement"]
        for _ in range(test_info.get("multiplicity", 1)):
            all_test_results.setdefault(key, []).append(test_info.get("complete", False))
    valid_proofs = [t for t in reversed(generated_proofs_this_round) if t.get("complete", False)]
    generated_proofs = [
        t
        for t in valid_proofs
        if (np.mean(all_test_results[t["statement"]]) <= 0.25) or (t["statement"] in training_examples)
    ]
    rng = np.random.default_rng(2333)
    rng.shuffle(generated_proofs)
    proof_dedup, proof_count, train_examples = set(), {}, []
    for test_info in generated_proofs:
        key = test_info["statement"]
        dedup_key = (test_info["statement"], test_info["proof"])
        if dedup_key in proof_dedup:
            continue
        proof_dedup.add(dedup_key)
        if proof_count.get(key, 0) < 16:
            proof_count[key] = proof_count.get(key, 0) + 1
            train_examples.append(test_info)
    expected = [
        (f"{PROVER_PROMPT}\n{t['statement'].strip()}", t["proof"], float(np.exp(-0.001 * len(t["proof"]))))
        for t in train_examples
    ]
    theorems = {n: lean(n, s) for n, s, *_ in rows}
    got = stp.final_examples(
        [records],
        lambda r: stp_proof_prompt(theorems[r.name], FIXED_HEADER),
        lambda r: r.proof,
        np.random.default_rng(2333),
    )
    assert [(e.prompt, e.target) for e in got] == [(p, t) for p, t, _ in expected]
    assert [e.weight for e in got] == pytest.approx([w for _, _, w in expected], rel=1e-12)
    assert sum("t3" in e.prompt for e in got) == 16 and not any("j :" in e.prompt for e in got)


def test_conjecture_prompt_with_the_fixed_header_is_stps_training_prompt():
    """RL/RL_step2_train.py:67-69, written as STP writes it, with PROVER_PROMPT (RL/utils/model_utils.py:22)."""
    from stp_prover.conjecturer import stp_conjecture_prompt
    from stp_prover.selfplay.prompts import conjecture_seed

    prover_prompt = "Complete the following Lean 4 code:\n\n```lean4\n" + FIXED_HEADER
    seed = Theorem("s", "lean", "import Mathlib\n\n", "theorem s (x : ℝ) (h₀ : x = 2) : x + 1 = 3 := by")
    easy_proof, lemma = "\n  subst h₀\n  norm_num", "theorem add_comm (a b : α) : a + b = b + a"
    stp = (
        f"{prover_prompt}\n"
        f"<lemma>\n{lemma.strip()}\n<easy theorem>\n"
        f"{(seed.statement + easy_proof).strip()}\n<hard theorem>"
    )
    assert stp_conjecture_prompt(conjecture_seed(seed, FIXED_HEADER), easy_proof, lemma) == stp
