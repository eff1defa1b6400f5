"""Policies with real components: the portfolio on real Coq goals, and tiny Hugging Face models built from a
config (seq2seq like ReProver, causal like DeepSeek-Prover). Their suggestions need not be good; the plumbing is
real."""

from __future__ import annotations

import math

import pytest

from stp_prover.itp import Theorem
from stp_prover.prover import PolicyUnavailable, PortfolioProofPolicy, PortfolioTacticPolicy, make_policies
from stp_prover.prover.hf import GenerationConfig, HFModel, HFProofPolicy, HFTacticPolicy
from stp_prover.prover.policy_settings import PolicySettings

MODEL_ONLY = PolicySettings(policy="model")

THM = Theorem(
    "t",
    "coq",
    "From Coq Require Import Lia Lra.\nRequire Import Arith.\n",
    "Theorem t (a b : nat) (h : a = b) : a + 0 = b.",
)


def test_portfolio_ranks_the_backends_own_automation(coq_env):
    state = coq_env.start(THM)
    cands = PortfolioTacticPolicy(coq_env).suggest(state, 8)
    assert len(cands) == 8 and cands[0].text == "lia"
    assert all(a.logprob > b.logprob for a, b in zip(cands, cands[1:]))
    with_premises = PortfolioTacticPolicy(coq_env, premises=lambda s: ["Nat.add_0_r"]).suggest(state, 200)
    assert "rewrite Nat.add_0_r" in [c.text for c in with_premises]
    proofs = PortfolioProofPolicy(coq_env).sample(THM, 3)
    assert proofs[0].text == "Proof.\n  intros.\n  lia.\nQed."
    assert coq_env.check(THM, proofs[0].text).ok


@pytest.mark.parametrize("kind", ["t5", "gpt"])
def test_hf_tactic_policy_beam_search_with_scores(tiny_models, coq_env, kind):
    model = HFModel(str(tiny_models / kind), device="cpu", config=GenerationConfig(max_new_tokens_tactic=12))
    assert model.seq2seq == (kind == "t5")
    cands = HFTacticPolicy(model, premises=lambda s: ["Nat.add_0_r : forall n, n + 0 = n"]).suggest(
        coq_env.start(THM), 4
    )
    assert 1 <= len(cands) <= 4
    assert all(math.isfinite(c.logprob) and c.logprob <= 0 for c in cands)
    assert [c.logprob for c in cands] == sorted((c.logprob for c in cands), reverse=True)


def test_hf_proof_policy_samples_n_whole_proofs(tiny_models):
    model = HFModel(str(tiny_models / "gpt"), device="cpu", config=GenerationConfig(max_new_tokens_proof=16))
    samples = HFProofPolicy(model).sample(THM, 5)
    assert len(samples) == 5 and all(math.isfinite(s.logprob) for s in samples)


def test_make_policies_loads_a_checkpoint_once_for_all_workers(tiny_models, coq_env):
    shared: dict = {}
    a, p = make_policies(coq_env, str(tiny_models / "t5"), shared=shared, policy=MODEL_ONLY)
    b, _ = make_policies(coq_env, str(tiny_models / "t5"), shared=shared, policy=MODEL_ONLY)
    assert a.service is b.service is p.service and len(shared) == 1
    mixed, _ = make_policies(coq_env, str(tiny_models / "t5"), shared=shared)  # a model's default: the mixture
    assert [part.name for part in mixed.parts] == ["portfolio", "model"] and mixed.parts[1].policy.service is a.service
    # The model is the deferred part, asked for a small beam only where the portfolio's candidates are spent.
    assert mixed.parts[1].deferred and mixed.parts[1].limit == GenerationConfig().tactic_beam
    assert not mixed.parts[0].deferred and mixed.parts[0].keep


def test_missing_model_or_engine_is_a_clear_error(coq_env, tmp_path):
    with pytest.raises(PolicyUnavailable, match="cannot load model"):
        make_policies(coq_env, str(tmp_path / "no-such-model"))
    try:
        import vllm  # noqa: F401
    except ImportError:
        with pytest.raises(PolicyUnavailable, match="vLLM is not installed"):
            make_policies(coq_env, "vllm:some/model")


def test_search_and_sampling_run_end_to_end_with_a_tiny_model(tiny_models, coq_env):
    from stp_prover.itp import PoolConfig, VerifierPool
    from stp_prover.search import BestFirstConfig, BestFirstSearch, SamplingConfig, sample_proofs

    model = HFModel(
        str(tiny_models / "t5"), device="cpu", config=GenerationConfig(max_new_tokens_tactic=8, max_new_tokens_proof=24)
    )
    result = BestFirstSearch(
        coq_env, HFTacticPolicy(model), BestFirstConfig(candidates=4, max_expansions=2, budget_seconds=60)
    ).search(THM)
    assert result.expansions >= 1 and result.policy_seconds > 0 and result.env_seconds > 0
    assert result.proved == (result.proof is not None)
    pool = VerifierPool(lambda: coq_env, PoolConfig(workers=1), owns_envs=False)
    sampled = sample_proofs(THM, HFProofPolicy(model), pool, SamplingConfig(samples=4, batch=2, ks=(1, 4)))
    assert sampled.samples == 4 and set(sampled.pass_at) == {"pass@1", "pass@4"}
    assert pool.stats.submitted <= 4  # every distinct sample went through the verifier


def test_concurrent_searches_share_one_engine_and_their_requests_are_batched(tiny_models, coq_env):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    shared: dict = {}
    policies = [make_policies(coq_env, str(tiny_models / "t5"), shared=shared, policy=MODEL_ONLY) for _ in range(4)]
    service = policies[0][0].service
    assert all(t.service is service and p.service is service for t, p in policies)
    state = coq_env.start(THM)
    before = service.stats.engine_calls
    with ThreadPoolExecutor(5) as pool:
        with service.held():  # the four searches ask while the engine is busy: their requests wait together
            futures = [pool.submit(t.suggest, state, 2) for t, _ in policies]
            futures.append(pool.submit(policies[0][1].sample, THM, 2, "Proof.\n"))
            while service.pending() < 5:
                threading.Event().wait(0.01)
        suggestions = [f.result() for f in futures[:4]]
        proofs = futures[4].result()
    assert all(1 <= len(s) <= 2 for s in suggestions)
    assert len(proofs) == 2 and all(p.text.startswith("Proof.\n") for p in proofs)  # whole proofs with the prefix
    assert service.stats.engine_calls - before == 1  # five requests, one engine call


def test_engine_flags_are_checked(tmp_path):
    from stp_prover.cli.prove import main

    assert main(["--statement", "Theorem t : True.", "--engine-arg", "nonsense"]) == 2
    assert main(["--statement", "Theorem t : True.", "--engine-arg", "max_batch=0"]) == 2
