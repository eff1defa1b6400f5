"""STP's self-play algorithm as its own code runs it (kfdong/STP, `RL/`), one difference of issue 15 per test, each on
a small round checked by hand. The comment on each test names the STP file and lines it pins."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from stp_prover.conjecturer.prompts import (
    stp_conjecture_prompt,
    stp_conjecture_target,
    stp_conjecture_training_prompt,
    stp_no_lemma,
    stp_parse_conjecture,
)
from stp_prover.itp import Theorem
from stp_prover.selfplay import load_config, stp
from stp_prover.selfplay.prompts import proof_target, stp_proof_prompt
from stp_prover.selfplay.stp import NO_LEMMA, ConjectureExample, ConjectureInput, InputSettings, ProofRecord
from tests.conftest import ROOT


def P(name, proof="p", ok=True, count=1, premises=(), original=True, statement=None, seconds=0.0, rnd=0):
    return ProofRecord(
        name, statement or f"theorem {name} : True", proof, count, ok, seconds, tuple(premises), rnd, original
    )


# -- difference 1: the conjecturer's lemmas are the premises the proof assistant reports ----------------------------
# STP: RL/utils/prover/lean/verifier.py:37-42, 239-249 (`invokes` of every complete proof); RL/utils/RL_utils.py:396-415
# (each invoked lemma is an input, shown by its statement; "no lemma" added with p = 0.5).
def test_premises_of_a_verified_coq_proof_come_from_coq(coq_env):
    t = Theorem(
        "prem_t", "coq", "Require Import Arith.\n", "Theorem prem_t (a b c : nat) (h0 : c = 0) : a + b * 1 = b + a."
    )
    proof = (
        "Proof.\n  intros. rewrite Nat.mul_1_r. (* Nat.mul_comm is only in a comment *)\n"
        "  apply PeanoNat.Nat.add_comm.\nQed."
    )
    assert coq_env.check(t, proof).ok
    premises = coq_env.premises(t, proof)
    # Two lemmas, by their kernel names; `h0` (a hypothesis), `rewrite`, `apply` and the comment are not premises.
    assert list(premises) == ["Coq.Arith.PeanoNat.Nat.mul_1_r", "Coq.Arith.PeanoNat.Nat.add_comm"]
    assert premises["Coq.Arith.PeanoNat.Nat.add_comm"] == "Theorem Nat.add_comm : forall n m : nat, n + m = m + n."
    # A definition (transparent) is not a premise; the session still checks proofs afterwards.
    assert coq_env.premises(t, "Proof. unfold Nat.add. lia. Qed.") == {}
    assert coq_env.check(t, proof).ok


def test_lean_premises_are_read_from_the_repl_messages():
    from stp_prover.itp.lean.premises import candidate_names, parse_premises, premises_command

    names = candidate_names("by\n  -- uses mul_comm? no\n  rw [Nat.add_comm a b] at h₀\n  exact h₀", "thm")
    assert names == ["Nat.add_comm", "a", "b", "h₀"]
    cmd = premises_command(["Nat.add_comm"])
    assert "[`Nat.add_comm]" in cmd and "resolveGlobalConstNoOverload" in cmd and ".thmInfo" in cmd
    response = {
        "messages": [
            {"severity": "info", "data": "STP_PREMISE Nat.add_comm : ∀ (n m : ℕ), n + m = m + n"},
            {"severity": "info", "data": "something else"},
        ]
    }
    assert parse_premises(response) == {"Nat.add_comm": "theorem Nat.add_comm : ∀ (n m : ℕ), n + m = m + n"}


def test_every_invoked_premise_is_its_own_conjecture_input():
    # N = 20 targets; A's proof invokes L1 and L2, B's invokes L1. Draws (seeded) decide "no lemma".
    history = [P("A", "pa", premises=("L1", "L2")), P("B", "pb", premises=("L1", "L3"))]
    statements = {"L1": "theorem L1 : x", "L2": "theorem L2 : y"}  # L3 has no known statement: skipped (:402)
    rates = {"A": 0.5, "B": 0.5}
    rng = np.random.default_rng(0)
    draws = np.random.default_rng(0)
    order = [1, 0]  # latest first (reversed history, :388) ...
    draws.shuffle(order)  # ... then shuffled (:392), then one draw per proof (:398)
    no_lemma = [draws.random() < 0.5 for _ in order]
    inputs = stp.conjecture_inputs(history, rates, statements, 20, rng, InputSettings(), "theorem true: True")
    expected = []
    for i, drew in zip(order, no_lemma):
        lemmas = list(history[i].premises) + ([NO_LEMMA] if drew else [])
        expected += [(history[i].name, x) for x in lemmas if x != "L3"]
    assert [(x.seed, x.lemma) for x in inputs] == expected
    shown = {x.lemma: x.lemma_statement for x in inputs}
    assert shown["L1"] == "theorem L1 : x" and shown.get(NO_LEMMA, "theorem true: True") == "theorem true: True"


# -- difference 2: stage 1 (Notebooks/construct_sft.ipynb, conjecture_examples loop; run_SFT.sh) -------------------
def test_stage1_conjecture_examples_pair_earlier_theorems_sharing_a_lemma(tmp_path):
    from stp_prover.selfplay.stage1 import conjecture_examples, library_proof_examples, library_theorems

    def thm(name, line, premises):
        return {
            "full_name": f"M.{name}",
            "file_path": "m.v",
            "start": line,
            "end": line + 2,
            "statement": f"Lemma {name} : True.",
            "traced_tactics": [{"tactic": "exact I.", "premises": premises}],
        }

    (tmp_path / "corpus.jsonl").write_text(json.dumps({"path": "m.v", "logical_name": "M", "premises": []}) + "\n")
    rows = [thm("p", 1, []), thm("e1", 5, ["M.p"]), thm("e2", 9, ["M.p", "Other.x"]), thm("t", 13, ["M.p", "M.e1"])]
    (tmp_path / "theorems.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows + [thm("held", 17, ["M.p"])]))
    # Only the train part of the split is read: a test theorem never becomes training data.
    split = tmp_path / "splits" / "random"
    split.mkdir(parents=True)
    (split / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (split / "test.jsonl").write_text(json.dumps(thm("held", 17, ["M.p"])) + "\n")
    lib = library_theorems(tmp_path, "coq")
    assert "held" not in {t.theorem.name for t in lib}
    examples = conjecture_examples(lib)
    # e2 uses p (e1 did before: one example); t uses p (e2 then e1, latest first) and e1 (nobody used e1 before).
    # The shared-lemma examples come first; STP's no-lemma examples (the theorems just before each) follow them.
    got = [(e.prompt.split("<easy theorem>\n")[1].split()[1], e.completion.split()[1]) for e in examples[:3]]
    assert got == [("e1", "e2"), ("e2", "t"), ("e1", "t")]
    assert all("<lemma>\nLemma p : True.\n" in e.prompt and e.role == "conjecturer" for e in examples[:3])
    assert all("<lemma>\nLemma true: True\n" in e.prompt for e in examples[3:])  # RL_step2_train.py:55
    assert examples[0].completion == "\nLemma e2 : True.\n</hard theorem>"
    proofs = library_proof_examples(lib, "stp")
    # STP's stage-1 prover format (construct_sft.ipynb): without the source, the statement and its tactics.
    assert len(proofs) == 4 and proofs[0].completion.startswith("Lemma p : True.\nProof.")


# -- difference 3: prover data (RL_step2_train.py:22-50, 136-151) --------------------------------------------------
def test_prover_data_is_every_proof_of_the_window_at_rate_at_most_half():
    window = [
        P("A", "a1", ok=True, count=1, seconds=2.0, rnd=0),  # A: 1 correct of 4 in round 0 ...
        P("A", "bad", ok=False, count=3, rnd=0),
        P("A", "bad", ok=False, count=4, rnd=2),  # ... and 0 of 4 in round 2: rate 1/8 over the window
        P("B", "b1", ok=True, count=3, rnd=2),  # B: 3 of 4: too easy
        P("B", "bad", ok=False, count=1, rnd=2),
        P("C", "c1", ok=True, count=1, original=False, rnd=2),  # a conjecture, selected or not: 2 of 4
        P("C", "c22", ok=True, count=1, original=False, rnd=2),
        P("C", "bad", ok=False, count=2, original=False, rnd=2),
    ]
    out = stp.prover_examples(window, lambda r: r.statement, lambda r: r.proof)
    assert [x.target for x in out] == ["c22", "c1", "a1"]  # latest first
    w = {x.target: x.weight for x in out}
    assert w["a1"] == pytest.approx(math.exp(-0.001 * 2 - 0.01 * 2.0) / 1)
    assert w["c1"] == pytest.approx(math.exp(-0.001 * 2) / 2) and w["c22"] == pytest.approx(math.exp(-0.003) / 2)
    # A (prompt, target) pair already known (the replay buffer) is not repeated.
    again = stp.prover_examples(window, lambda r: r.statement, lambda r: r.proof, known={("theorem A : True", "a1")})
    assert [x.target for x in again] == ["c22", "c1"]


# -- difference 4: the final model (RL_step3_final_model.py:26-47, 67-93, 174-197) ---------------------------------
def test_final_data_targets_at_any_rate_conjectures_at_a_quarter_16_random_proofs():
    r0 = [P("T", f"proof{i:02d}" + "x" * i) for i in range(20)]  # target: 20 distinct proofs, rate 1
    r0 += [P("C", "c", original=False), P("C", "n", ok=False, count=3, original=False)]  # conjecture at 1/4: kept
    r0 += [P("D", "d", original=False), P("D", "n", ok=False, original=False)]  # conjecture at 1/2: dropped
    r1 = [P("T", "proof00")]  # the same proof again in another round: once
    out = stp.final_examples([r0, r1], lambda r: r.statement, lambda r: r.proof, np.random.default_rng(2333))
    targets = [x.target for x in out if x.prompt == "theorem T : True"]
    assert len(targets) == 16 and len(set(targets)) == 16
    shortest = sorted((p.proof for p in r0[:20]), key=len)[:16]
    assert sorted(targets) != sorted(shortest)  # random, not the shortest
    assert [x.target for x in out if x.prompt == "theorem C : True"] == ["c"]
    assert not [x for x in out if x.prompt == "theorem D : True"]
    assert all(x.weight == pytest.approx(math.exp(-0.001 * len(x.target))) for x in out)  # no division, no time
    # Expert iteration: targets only.
    ei = stp.final_examples([r0], lambda r: r.statement, lambda r: r.proof, np.random.default_rng(0), False)
    assert {x.prompt for x in ei} == {"theorem T : True"}


# -- difference 5: seeds and scheduling (RL_utils.py:383-462) -------------------------------------------------------
def test_seeds_are_originals_above_035_and_caps_follow_n():
    history = [
        P("A", premises=("L",)),
        P("B", premises=("L",)),
        P("C", premises=("L",)),
        P("X", premises=("L",), original=False),  # a conjecture never seeds
        P("S", premises=("L",)),  # rate 0.35: not above the threshold
    ]
    rates = {"A": 1.0, "B": 0.5, "C": 0.4, "X": 1.0, "S": 0.35}
    settings = InputSettings(no_lemma_probability=0.0)
    inputs = stp.conjecture_inputs(history, rates, {"L": "theorem L : x"}, 40, np.random.default_rng(1), settings, "t")
    assert sorted(x.seed for x in inputs) == ["A", "B", "C"]
    # Each lemma serves at most 10% of N: N = 20 allows two inputs for L, N = 10 one.
    inputs = stp.conjecture_inputs(history, rates, {"L": "theorem L : x"}, 20, np.random.default_rng(1), settings, "t")
    assert len(inputs) == 2
    inputs = stp.conjecture_inputs(history, rates, {"L": "theorem L : x"}, 10, np.random.default_rng(1), settings, "t")
    assert len(inputs) == 1
    # "No lemma" too is capped at 10% of N, and there are at most N inputs.
    everything = InputSettings(no_lemma_probability=1.0)
    inputs = stp.conjecture_inputs(history, rates, {}, 10, np.random.default_rng(1), everything, "t")
    assert [x.lemma for x in inputs] == [NO_LEMMA]
    # max(1, min(3N // inputs, 8)) conjectures per input.
    assert stp.conjectures_per_input(20, 3, InputSettings()) == 8
    assert stp.conjectures_per_input(20, 15, InputSettings()) == 4
    assert stp.conjectures_per_input(20, 70, InputSettings()) == 1


def test_conjecture_pool_is_deduplicated_and_capped_at_n():
    targets = [("H", "theorem t1 : 1 = 1 := by")]
    conjectures = [
        ("H", "theorem t1 :  1 = 1 := by"),
        ("H", "theorem c : 2 = 2 := by"),
        ("H", "theorem c : 2 = 2\n:= by"),
    ]
    conjectures += [("H", f"theorem k{i} : {i} = {i} := by") for i in range(5)]
    kept = stp.conjecture_pool(conjectures, targets, 3, np.random.default_rng(0))
    assert len(kept) == 3 and 0 not in kept and not {1, 2} <= set(kept)
    assert len(stp.conjecture_pool(conjectures, targets, 100, np.random.default_rng(0))) == 6


def test_solved_targets_are_sampled_again_below_035_or_one_time_in_twenty():
    names = [f"t{i}" for i in range(200)]
    solved = set(names[:150])
    rates = {n: (0.2 if i < 50 else 0.9) for i, n in enumerate(names[:150])}
    todo = stp.targets_to_sample(names, solved, rates, np.random.default_rng(3), True)
    again = set(todo) & solved
    assert set(names[150:]) <= set(todo) and set(names[:50]) <= again  # unsolved, and solved below 0.35
    assert 0 < len(again - set(names[:50])) < 20  # about 5% of the 100 others
    assert stp.targets_to_sample(names, solved, rates, np.random.default_rng(3), False) == names  # no inputs: all


# -- difference 6: selection (RL_utils.py:464-500, 79-101, 607-638) -------------------------------------------------
def test_conjectures_not_using_their_lemma_are_relabelled_not_dropped():
    inputs = {
        "c1": ConjectureInput("A", "theorem A : True", "pa", "L", "theorem L : x"),
        "c2": ConjectureInput("A", "theorem A : True", "pa", "L", "theorem L : x"),
        "c3": ConjectureInput("A", "theorem A : True", "pa", "L", "theorem L : x"),
    }
    recs = [
        P("c1", "q", premises=("L",), original=False),
        P("c1", "z", ok=False, count=7, original=False),  # 1/8, uses L
        P("c2", "q", premises=("M",), original=False),
        P("c2", "z", ok=False, count=7, original=False),  # 1/8, no L
        P("c3", "q", premises=("L",), original=False),
        P("c3", "z", ok=False, count=3, original=False),  # 1/4: too easy
    ]
    out = stp.conjecture_examples(recs, inputs)
    assert [(e.name, e.lemma) for e in out] == [("c1", "L"), ("c2", NO_LEMMA)]
    assert [e.name for e in stp.conjecture_examples(recs, inputs, relabel_unused_lemma=False)] == ["c1"]


def test_elegance_filter_drops_the_lowest_fifth_per_lemma_group():
    ex = [ConjectureExample(f"c{i}", "s" * 10 + str(i), "A", "", "", "L", "") for i in range(5)]
    proofs = [P(f"c{i}", "p" * (i + 1), statement="s" * 10 + str(i), original=False) for i in range(5)]
    kept = stp.elegance_filter(ex, proofs)
    assert [e.name for e in kept] == ["c1", "c2", "c3", "c4"]  # cutoff = ratios[int(5 * 0.2)]: c0 alone below
    assert len(stp.elegance_filter(ex[:1], proofs)) == 1  # a group of one is kept


def test_matching_gives_each_target_to_its_nearest_conjecture_and_masks_at_four():
    # 2 conjectures, 6 targets all nearest to conjecture 0. N/M = 2/6 per target; conjecture 0 would reach 2 alone.
    sim = np.array([[0.9] * 6, [0.1] * 6])
    assert stp.matching_weights(sim, [1] * 6) == pytest.approx([2.0, 0.0])
    # With a cap of 1, conjecture 0 is masked after 3 targets and the rest go to conjecture 1.
    assert stp.matching_weights(sim, [1] * 6, cap=1.0) == pytest.approx([1.0, 1.0])
    ex = [ConjectureExample("a", "s", "A", "", "", "", ""), ConjectureExample("b", "s", "A", "", "", "", "")]
    assert [e.name for e in stp.with_weights(ex, [2.0, 0.0])] == ["a"]  # unmatched: dropped


# -- difference 7: optimisation (RL_utils.py:641-682, RL_base.yaml, weighted_lm.py:281-313, model_utils.py:125) ------
def test_defaults_are_stps_optimisation_and_sampling():
    from stp_prover.selfplay.config import SelfPlayConfig

    c = SelfPlayConfig()
    assert (c.sft.learning_rate, c.sft.lr_scheduler, c.sft.warmup_steps, c.sft.min_steps) == (
        5e-5,
        "constant_with_warmup",
        5,
        5,
    )
    assert c.sft.token_weighted_loss and (c.sft.adam_beta2, c.sft.adam_epsilon, c.sft.weight_decay) == (0.95, 1e-5, 0)
    assert (c.prover.temperature, c.prover.top_p, c.prover.verify_timeout) == (1.0, 1.0, 200.0)
    from stp_prover.training.sft import planned_steps

    assert planned_steps(10000, 1, 2048, 5) == 5 and planned_steps(20480, 1, 2048, 5) == 10


def test_loss_is_weighted_per_token(tmp_path):
    import torch

    from stp_prover.training import TinyModelConfig, init_model
    from stp_prover.training.sft import _weighted_trainer_class

    path = init_model(tmp_path / "m", TinyModelConfig(width=32, layers=1, heads=2, context=64))
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(path).eval()
    ids = torch.tensor([[5, 6, 7, 8, 9, 10], [5, 6, 7, 8, 9, 10]])
    labels = torch.tensor([[-100, -100, 7, 8, 9, 10], [-100, -100, -100, -100, 9, 10]])  # 4 and 2 completion tokens
    weights = torch.tensor([1.0, 3.0])
    inputs = {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": labels}
    with torch.no_grad():
        logits = model(input_ids=ids).logits[:, :-1]
        tok = torch.nn.functional.cross_entropy(
            logits.transpose(1, 2), labels[:, 1:], ignore_index=-100, reduction="none"
        )
        m = (labels[:, 1:] != -100).float()
        per_token = (tok * m * weights[:, None]).sum() / (m * weights[:, None]).sum()
        per_example = (((tok * m).sum(1) / m.sum(1)) * weights).mean()
        got_token = _weighted_trainer_class(True).compute_loss(None, model, {**inputs, "weight": weights})
        got_example = _weighted_trainer_class(False).compute_loss(None, model, {**inputs, "weight": weights})
    assert float(got_token) == pytest.approx(float(per_token), rel=1e-5)
    assert float(got_example) == pytest.approx(float(per_example), rel=1e-5)
    assert abs(float(per_token) - float(per_example)) > 1e-4  # the two are different losses


def test_min_steps_trains_exactly_stps_number_of_steps(tmp_path):
    from stp_prover.training import SFTSettings, TinyModelConfig, TrainingExample, init_model, train_sft

    base = init_model(tmp_path / "m", TinyModelConfig(width=32, layers=1, heads=2, context=128))
    examples = [TrainingExample(f"p{i}", " q", 1.0) for i in range(6)]
    s = SFTSettings(batch_size=4, min_steps=5, warmup_steps=5, lr_scheduler="constant_with_warmup", logging_steps=1)
    assert train_sft(examples, base, tmp_path / "out", s).steps == 5  # 6 // 4 = 1 < 5: the minimum, data cycled


# -- difference 8: prompts byte for byte (RL/utils/model_utils.py:17-45, RL_step2_train.py:26-32, 52-76) -------------
LEAN_HEADER = (
    "import Mathlib\nimport Aesop\nset_option maxHeartbeats 400000\nopen BigOperators Real Nat Topology Rat\n\n"
)


# RL/utils/model_utils.py:22, verbatim; our configs carry its header part (prover.prompt_header).
STP_PROVER_PROMPT = (
    "Complete the following Lean 4 code:\n\n```lean4\nimport Mathlib\nimport Aesop\nset_option maxHeartbeats 0\n"
    "open BigOperators Real Nat Topology Rat\n"
)
STP_FIXED_HEADER = STP_PROVER_PROMPT[len("Complete the following Lean 4 code:\n\n```lean4\n") :]


def test_stp_prompts_byte_for_byte():
    seed = Theorem("s", "lean", LEAN_HEADER, "theorem s (x : ℝ) (h₀ : x = 2) : x + 1 = 3 := by")
    proof = "\n  subst h₀\n  norm_num"
    lemma = "theorem add_comm (a b : α) : a + b = b + a"
    # Generation uses the training prompt (RL_step2_train.py:67-69), not model_utils.py:33-38's header-less variant
    # ending in "\n theorem": the model is asked exactly what it learnt.
    assert stp_conjecture_prompt(seed, proof, lemma) == stp_conjecture_training_prompt(seed, proof, lemma)
    assert stp_no_lemma("theorem") == "theorem true: True"
    assert stp_conjecture_training_prompt(seed, proof, lemma) == (
        "Complete the following Lean 4 code:\n\n```lean4\n" + LEAN_HEADER + "\n<lemma>\ntheorem add_comm (a b : α) : "
        "a + b = b + a\n<easy theorem>\ntheorem s (x : ℝ) (h₀ : x = 2) : x + 1 = 3 := by\n  subst h₀\n  norm_num\n"
        "<hard theorem>"
    )
    assert (
        stp_conjecture_target("theorem h (y : ℝ) : y = y := by") == "\ntheorem h (y : ℝ) : y = y := by\n</hard theorem>"
    )
    assert (
        stp_parse_conjecture(" h (y : ℝ) : y = y := by\n  rfl\n</hard theorem>", seed)
        == "theorem h (y : ℝ) : y = y := by"
    )
    # STP's two branches (RL/utils/model_utils.py:40-43), written as STP writes them: a record with a header, and one
    # without (STP's Lean Workbook / miniF2F files), which gets PROVER_PROMPT (model_utils.py:22) and a blank line.
    test_info = {"header": seed.header, "statement": seed.statement}
    stp_with_header = (
        "Complete the following Lean 4 code:\n\n```lean4\n" + test_info["header"] + test_info["statement"].strip()
    )
    assert stp_proof_prompt(seed) == stp_with_header
    stp_no_header = f'{STP_PROVER_PROMPT}\n{test_info["statement"].strip()}'
    assert stp_proof_prompt(seed, STP_FIXED_HEADER) == stp_no_header
    assert proof_target(proof + "\n", "stp") == proof  # EOS is appended by the trainer (see the next assertion)
    from transformers import ByT5Tokenizer

    from stp_prover.training import TrainingExample
    from stp_prover.training.sft import _encode

    tok = ByT5Tokenizer()
    row = _encode(tok, TrainingExample(stp_proof_prompt(seed), proof_target(proof, "stp")), False, 4096)
    assert row["input_ids"][-1] == tok.eos_token_id and tok.decode(row["input_ids"][:-1]).endswith(proof)


# -- difference 9 and 10: expert iteration as STP ran it; our additions off by default ------------------------------
def test_gpu_config_is_stps_defaults_and_our_additions_are_off():
    gpu = load_config(ROOT / "configs" / "selfplay_gpu_lean.yaml")
    from stp_prover.selfplay.config import SelfPlayConfig

    default = SelfPlayConfig()
    for c in (gpu, default):
        # run_RL_steps.sh / run_RL_expert_iter.sh: 64 then 32 samples; expert iteration 64 every round
        assert (c.prover.samples_round0, c.prover.samples, c.prover.samples_expert_iteration) == (64, 32, 64)
        assert (c.conjecturer.seed_min_pass_rate, c.conjecturer.no_lemma_probability, c.conjecturer.lemma_cap) == (
            0.35,
            0.5,
            0.1,
        )
        assert (c.selection.max_pass_rate, c.selection.weight_cap, c.selection.elegance_drop) == (0.25, 4.0, 0.2)
        assert (c.selection.matching, c.selection.embedder, c.selection.require_lemma_use) == ("stp", "policy", False)
        assert (c.training.max_pass_rate, c.training.window_rounds, c.training.final_max_proofs) == (0.5, 3, 16)
        assert (c.training.final_learning_rate, c.training.final_min_steps) == (1e-4, 10)
        assert c.prover.prompt == "stp" and c.stage1.enabled
        # Our additions are off: no checks before sampling, no mutations, no disprove channel, no portfolio.
        assert not c.conjecturer.checks_enabled and c.conjecturer.mutations_per_seed == 0
        assert c.conjecturer.disprove_per_seed == 0 and c.conjecturer.disprove_mutations_per_seed == 0
        assert c.prover.portfolio_samples == 0 and c.conjecturer.max_seeds is None
    assert gpu.sft.batch_size * gpu.sft.extra["gradient_accumulation_steps"] == 2048  # BATCH_SIZE (RL_utils.py:26)
    # The GPU's batch shape and its parallelism (8 FSDP workers); everything else is STP's default.
    differ = {"batch_size", "max_length", "extra", "workers", "sharding"}
    assert all(getattr(gpu.sft, k) == v for k, v in default.sft.__dict__.items() if k not in differ)
