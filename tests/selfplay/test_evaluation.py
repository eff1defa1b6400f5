"""The round's conjecture funnel: how far each conjecture got, per source, from the checks' verdicts."""

from __future__ import annotations

from stp_prover.selfplay.records import CheckedConjecture, GeneratedInput
from stp_prover.selfplay.stages.evaluation import conjecture_funnel


def _made(name: str, source: str, check: str) -> CheckedConjecture:
    return CheckedConjecture(name, f"Theorem {name} : True.", "seed", None, source, check=check)


def test_funnel_counts_each_stage_per_source_and_unparsable_generations_as_written():
    model = [
        _made("a", "model", "ok"),
        _made("b", "model", "ok"),
        _made("c", "model", "trivial"),
        _made("d", "model", "does_not_elaborate"),
        _made("e", "model", "duplicate"),
        _made("f", "model", "contradictory"),
    ]
    mutations = [_made("m1", "mutation", "ok"), _made("m2", "mutation", "error")]
    generated = [
        GeneratedInput("0", "seed", "", "", "", "", 4, model),
        GeneratedInput("mutations:seed", "seed", "", "", "", "", 0, mutations),
    ]
    funnel = conjecture_funnel(generated, {"b", "m1"})
    assert funnel["model"] == {"written": 10, "parsed": 6, "elaborated": 4, "passing": 2, "selected": 1}
    assert funnel["mutation"] == {"written": 2, "parsed": 2, "elaborated": 1, "passing": 1, "selected": 1}
    assert conjecture_funnel([GeneratedInput("0", "s", "", "", "", "", 3, [])], set())["model"]["written"] == 3
