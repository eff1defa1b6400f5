"""One list of search methods (issue 14, part 4): the registry that `prove`, `stp eval`, the server and self-play
share, and `prove_theorem` dispatching through it."""

from __future__ import annotations

import pytest

from stp_prover.cli.prove import build_parser
from stp_prover.itp import Theorem
from stp_prover.policy import Candidate, ProofPolicy, TacticPolicy
from stp_prover.prover.prove import ProveConfig, prove_theorem
from stp_prover.prover.server import ProveRequest
from stp_prover.search import SEARCHES, Search, SearchContext, SearchResult, get_search, register, search_names


class NoTactics(TacticPolicy):
    """TEST DOUBLE: suggests nothing."""

    def suggest(self, state, n):
        return []


class NoProofs(ProofPolicy):
    """TEST DOUBLE: samples nothing."""

    def sample(self, theorem, n, prefix=""):
        return []


def test_the_registry_lists_each_method_once_and_every_entry_point_offers_it():
    assert search_names()[:3] == ("best-first", "sample", "rmaxts")
    assert {get_search(n).uses for n in search_names()} <= {"tactic", "proof"}
    parser_choices = next(a.choices for a in build_parser()._actions if a.dest == "search")
    assert tuple(parser_choices) == search_names()
    assert ProveRequest(goal="1 = 1", method="rmaxts").method == "rmaxts"


def test_an_unknown_method_is_a_clear_error():
    with pytest.raises(ValueError, match="choose one of best-first, sample, rmaxts"):
        get_search("beam")


def test_a_new_method_is_one_class_and_one_registry_line(coq_env):
    @register
    class GiveUpDouble(Search):
        """TEST DOUBLE search: looks at nothing and reports that it gave up."""

        name = "give-up-double"
        uses = "tactic"

        def run(self, ctx: SearchContext) -> SearchResult:
            return SearchResult(ctx.theorem.name, False, method=self.name, status="exhausted")

    try:
        thm = Theorem("t", "coq", "", "Theorem t : True.")
        result = prove_theorem(thm, coq_env, NoTactics(), NoProofs(), ProveConfig(method="give-up-double"))
        assert result.method == "give-up-double" and result.status == "exhausted"
    finally:
        SEARCHES.pop("give-up-double")


def test_prove_theorem_runs_each_registered_method_on_real_coq(coq_env):
    thm = Theorem("easy", "coq", "", "Theorem easy : True.")

    class Closer(ProofPolicy):
        """TEST DOUBLE: proposes the one proof `exact I`, continuing any prefix."""

        def sample(self, theorem, n, prefix=""):
            return [Candidate((prefix or "Proof.\n") + "  exact I.\nQed.", 0.0)][:n]

    class ExactI(TacticPolicy):
        """TEST DOUBLE: the closer as a tactic."""

        def suggest(self, state, n):
            return [Candidate("exact I", 0.0)]

    for method in ("best-first", "sample", "rmaxts"):
        result = prove_theorem(thm, coq_env, ExactI(), Closer(), ProveConfig(method=method, budget_seconds=30))
        assert result.proved and result.method == method, result
