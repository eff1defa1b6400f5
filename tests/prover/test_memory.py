"""The Tactician-style tactic memory and the mixture policy, on real Coq and real traced data."""

from __future__ import annotations

import math

from stp_prover.itp import Theorem
from stp_prover.itp.replay import proof_tactics
from stp_prover.policy import Candidate, TacticPolicy
from stp_prover.prover import PortfolioTacticPolicy
from stp_prover.prover.memory import MemoryEntry, MemoryTacticPolicy, TacticMemory, traced_entries
from stp_prover.prover.mixture import MixturePart, MixtureTacticPolicy, calibrated
from stp_prover.search import BestFirstConfig, BestFirstSearch

LISTS = "Require Import List.\n"


class FixedPolicyDouble(TacticPolicy):
    """TEST DOUBLE: the same candidates for every state."""

    def __init__(self, candidates):
        self.candidates = [Candidate(t, lp) for t, lp in candidates]

    def suggest(self, state, n):
        return self.candidates[:n]


def test_proof_tactics_reads_a_coq_proof():
    assert proof_tactics("coq", "Proof. intros l. (* c *) apply rev_involutive. Qed.") == [
        "intros l.",
        "apply rev_involutive.",
    ]
    assert proof_tactics("coq", "Proof. unfinished") is None
    assert proof_tactics("lean", "  simp") is None


def test_memory_recalls_the_tactic_of_the_most_similar_state(tmp_path):
    memory = TacticMemory(tmp_path / "memory.jsonl")
    memory.add(
        [
            MemoryEntry("l : list bool\n============================\nrev (rev l) = l", "apply rev_involutive."),
            MemoryEntry("n : nat\n============================\nn + 0 = n", "lia."),
            MemoryEntry("n : nat\n============================\nn + 0 = n", "lia."),  # a repeat is not stored twice
        ]
    )
    assert len(memory) == 2
    [(best, _), *_] = memory.query("xs : list nat\n============================\nrev (rev xs) = xs")
    assert best == "apply rev_involutive."
    memory.close()
    reopened = TacticMemory(tmp_path / "memory.jsonl")  # persisted: a new process starts where the last stopped
    assert len(reopened) == 2 and reopened.query("m : nat\n====\nm + 0 = m")[0][0] == "lia."
    assert TacticMemory().query("anything") == []


def test_memory_starts_from_the_train_part_of_traced_data(traced_dir):
    entries = traced_entries(traced_dir)
    assert entries and all(e.source == "traced" and e.tactic and e.state for e in entries)
    memory = TacticMemory()
    assert memory.add(entries) > 0
    probe = entries[0]
    assert probe.tactic in [t for t, _ in memory.query(probe.state, k=8)]


def test_calibrated_mixture_merges_and_ranks_agreement_higher():
    assert calibrated([]) == {}
    shares = calibrated([Candidate("a", -1.0), Candidate("b", -1.0)])
    assert math.isclose(shares["a"], 0.5)
    model = FixedPolicyDouble([("apply foo", -0.1), ("lia", -0.5)])
    portfolio = FixedPolicyDouble([("lia", math.log(1 / 2)), ("auto", math.log(1 / 3))])
    mixed = MixtureTacticPolicy([MixturePart(model), MixturePart(portfolio)]).suggest(None, 8)
    assert [c.text for c in mixed] == ["lia", "apply foo", "auto"]  # both propose lia
    assert math.isclose(sum(math.exp(c.logprob) for c in mixed), 1.0)
    # Each part is asked for n; past the merged top n only a `keep` part's candidates stay (the portfolio's).
    top = MixtureTacticPolicy([MixturePart(model), MixturePart(portfolio)]).suggest(None, 1)
    assert [c.text for c in top] == ["apply foo"]
    kept = MixtureTacticPolicy([MixturePart(model), MixturePart(portfolio, keep=True)]).suggest(None, 1)
    assert [c.text for c in kept] == ["apply foo", "lia"]


def test_a_proof_learnt_online_lets_the_mixture_prove_what_the_portfolio_cannot(coq_env, tmp_path):
    learnt = Theorem("rev_rev_bool", "coq", LISTS, "Theorem rev_rev_bool : forall l : list bool, rev (rev l) = l.")
    target = Theorem("rev_rev_nat", "coq", LISTS, "Theorem rev_rev_nat : forall xs : list nat, rev (rev xs) = xs.")
    config = BestFirstConfig(budget_seconds=20, max_expansions=3)
    portfolio = PortfolioTacticPolicy(coq_env)
    assert not BestFirstSearch(coq_env, portfolio, config).search(target).proved
    memory = TacticMemory(tmp_path / "memory.jsonl")
    proof = "Proof. intros l. apply rev_involutive. Qed."
    assert coq_env.check(learnt, proof).ok
    assert memory.learn_proof(coq_env, learnt, proof) == 2  # the moment it is verified: no retraining
    mixture = MixtureTacticPolicy([MixturePart(MemoryTacticPolicy(memory)), MixturePart(portfolio)])
    result = BestFirstSearch(coq_env, mixture, config).search(target)
    assert result.proved and "rev_involutive" in result.proof


def test_prove_with_a_memory_learns_and_reuses_a_proof_from_the_command_line(tmp_path):
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT

    memory = tmp_path / "memory.jsonl"

    def prove(name: str, typ: str, *extra: str) -> dict:
        statement = f"Theorem {name} : forall l : list {typ}, rev (rev l) = l."
        cmd = [sys.executable, "-m", "stp_prover.cli.prove", "--statement", statement, "--header", LISTS, "--budget", "20"]
        done = subprocess.run(cmd + ["--json", *extra], capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert done.returncode in (0, 1), done.stderr
        return json.loads(done.stdout)

    # The portfolio alone does not find it; the memory has nothing yet to add.
    assert not prove("a", "nat", "--memory", str(memory))["proved"]
    assert not memory.exists() or memory.read_text() == ""
    # A user's proof of a sibling enters the memory the moment it is verified (through the one entry point).
    from stp_prover.itp import make_env
    from stp_prover.prover.memory import TacticMemory

    with make_env("coq") as env:
        learnt = Theorem("b", "coq", LISTS, "Theorem b : forall l : list bool, rev (rev l) = l.")
        mem = TacticMemory(memory)
        assert mem.learn_proof(env, learnt, "Proof. intros l. apply rev_involutive. Qed.") == 2
        mem.close()
    out = prove("c", "nat", "--memory", str(memory))
    assert out["proved"] and out["policy"] == "mixture" and "rev_involutive" in out["proof"]
    assert prove("d", "nat", "--memory", str(memory), "--policy", "portfolio")["proved"] is False
    bad = subprocess.run(
        [sys.executable, "-m", "stp_prover.cli.prove", "--theorem", "examples/add_zero_right", "--policy", "model"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 2 and "--policy model needs --model" in bad.stderr
