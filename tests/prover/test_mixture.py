"""The mixture's deferred part: a costly policy (a model) is asked only once a node's cheap candidates are spent, and
never repeats them; threads of a Hugging Face engine are pinned beside the proof assistant."""

from __future__ import annotations

import pytest

from stp_prover.generation import EngineSettings
from stp_prover.itp import State, Theorem
from stp_prover.policy import Candidate, TacticPolicy
from stp_prover.prover.factory import pinned
from stp_prover.prover.mixture import MixturePart, MixtureTacticPolicy

THM = Theorem("t", "coq", "", "Theorem t : True.")


class CountingPolicyDouble(TacticPolicy):
    """TEST DOUBLE: fixed candidates, counting how often and for how many it is asked."""

    def __init__(self, texts):
        self.texts = texts
        self.asked: list[int] = []

    def suggest(self, state, n):
        self.asked.append(n)
        return [Candidate(t, -float(i)) for i, t in enumerate(self.texts)][:n]


def test_a_deferred_part_answers_only_suggest_more_without_repeating_the_cheap_candidates():
    cheap = CountingPolicyDouble(["lia", "auto"])
    model = CountingPolicyDouble(["auto", "apply foo", "lra", "nra"])
    mixture = MixtureTacticPolicy([MixturePart(cheap, keep=True), MixturePart(model, deferred=True, limit=3)])
    state = State(THM, "goal")
    assert [c.text for c in mixture.suggest(state, 32)] == ["lia", "auto"]
    assert model.asked == []  # not asked while the cheap candidates are untried
    more = mixture.suggest_more(state, 32)
    assert model.asked == [3]  # its small beam, not the search's 32
    assert [c.text for c in more] == ["apply foo", "lra"]  # "auto" was already given for this state
    # Another state: what was given for the first does not filter it.
    assert [c.text for c in mixture.suggest_more(State(THM, "other goal"), 32)] == ["auto", "apply foo", "lra"]


def test_without_a_deferred_part_there_is_nothing_more_and_all_deferred_is_refused():
    cheap = CountingPolicyDouble(["lia"])
    assert MixtureTacticPolicy([MixturePart(cheap)]).suggest_more(State(THM, "g"), 8) == []
    with pytest.raises(ValueError, match="not deferred"):
        MixtureTacticPolicy([MixturePart(cheap, deferred=True)])


def test_hf_threads_are_pinned_to_half_the_cores_unless_set(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert pinned(EngineSettings()).threads == 4
    assert pinned(EngineSettings(threads=7)).threads == 7
    assert pinned(EngineSettings(engine="vllm")).threads is None


def test_only_a_mixture_with_a_deferred_part_has_more():
    cheap = CountingPolicyDouble(["lia"])
    assert not MixtureTacticPolicy([MixturePart(cheap)]).has_more  # best-first never queues a node again for it
    assert MixtureTacticPolicy([MixturePart(cheap), MixturePart(cheap, deferred=True)]).has_more
    assert not cheap.has_more  # a policy that does not override suggest_more
