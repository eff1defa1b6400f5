"""Conjecture-shaped training pairs: exact pairs on a hand-made library, and a real trace of Coq's standard
library (the session's `traced_dir`) giving both kinds, every target inside the conjecturer's grammar."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from stp_prover.conjecturer.generate import ConjectureInput
from stp_prover.conjecturer.grammar import parses
from stp_prover.conjecturer.pairs import PairSettings, conjecture_pairs
from stp_prover.itp import Theorem


@dataclass(frozen=True)
class Lib:
    theorem: Theorem
    proof: str
    premises: frozenset
    file: str
    line: int


def lib(name: str, statement: str, premises=(), file="A.v", line=0) -> Lib:
    return Lib(Theorem(name, "coq", "", statement, source=name), "Proof. auto. Qed.", frozenset(premises), file, line)


LIBRARY = [
    lib("p", "Lemma p : True.", line=1),
    lib("e1", "Lemma e1 : 1 = 1.", ["p"], line=2),
    lib("e2", "Lemma e2 : 2 = 2.", ["p"], line=3),
    lib("e3", "Lemma e3 : 3 = 3.", ["p"], line=4),
    lib("t", "Lemma t : 4 = 4.", ["p"], line=5),
    lib("other", "Lemma other : 5 = 5.", ["p"], file="B.v", line=1),
]


def test_pairs_share_a_lemma_in_one_file_and_neighbours_pair_without_one():
    pairs = conjecture_pairs(LIBRARY, PairSettings(per_lemma=2, window=1))
    shared = [(p.seed.name, p.target) for p in pairs if p.kind == "shared-lemma" and p.target == "Lemma t : 4 = 4."]
    assert shared == [("e3", "Lemma t : 4 = 4."), ("e2", "Lemma t : 4 = 4.")]  # latest first, capped at per_lemma
    no_lemma = [(p.seed.name, p.target) for p in pairs if p.kind == "no-lemma"]
    assert ("e3", "Lemma t : 4 = 4.") in no_lemma and not any(t == "Lemma other : 5 = 5." for _, t in no_lemma)
    assert all(p.lemma_statement == "Lemma true: True" for p in pairs if p.kind == "no-lemma")
    # The prompt is the one generation sends, byte for byte.
    for p in pairs:
        lemma = "" if p.lemma is None else p.lemma_statement
        assert p.prompt() == ConjectureInput(p.seed, p.seed_proof, p.lemma, lemma, "c").prompt()
    assert len({(p.prompt(), p.completion()) for p in pairs}) == len(pairs)
    assert not conjecture_pairs(LIBRARY, PairSettings(window=0, no_lemma=False, per_lemma=0))


def test_a_traced_standard_library_gives_both_kinds_inside_the_grammar(traced_dir):
    from stp_prover.selfplay.stage1 import library_theorems

    theorems = library_theorems(traced_dir, "coq")
    pairs = conjecture_pairs(theorems)
    kinds = Counter(p.kind for p in pairs)
    print(f"{len(theorems)} traced theorems -> {len(pairs)} pairs {dict(kinds)}")
    assert kinds["no-lemma"] > 0 and kinds["shared-lemma"] > 0 and len(pairs) > len(theorems)
    targets = {p.target for p in pairs}
    assert all(parses("coq", t) for t in targets), [t for t in targets if not parses("coq", t)]
