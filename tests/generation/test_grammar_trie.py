"""The allowed-token computation walks a trie of the vocabulary against the checker (pruning dead prefixes, taking a
subtree whole where its characters keep the state): it must give exactly what stepping every token's text gives."""

from __future__ import annotations

import random

import pytest

from stp_prover.conjecturer.grammar import conjecture_grammar
from stp_prover.generation.grammar import (
    Grammar,
    GrammarLogitsProcessor,
    next_states,
    next_states_by_stepping,
)

STATEMENTS = {
    "coq": [
        "Theorem t (x : R) (h : 2 * x = 6) : x = 3.",
        "Lemma map_cons (x:A)(l:list A) : map (x::l) = (f x) :: (map l).",
        "Theorem u : forall n : nat, Nat.add n 0 = n /\\ (n <= n)%nat.",
        "Theorem w x hx (h₀ : 0 < x) : Rabs (x * x) = x * x.",
    ],
    "lean": [
        "theorem t (x : ℝ) (h₀ : 0 < x) : 0 < x ^ 2 := by",
        "theorem t {n : ℕ} [Fact (1 < n)] : ∀ m : ℕ, m ∣ n → m ≤ n := by",
    ],
}
NAMES = ["x", "R", "ℝ", "ℕ", "nat", "Nat.add", "map", "f", "Rabs", "A", "list", "Fact", "h₀"]


def vocabulary(rng: random.Random, size: int) -> list[str]:
    """Pieces of real statements (as BPE cuts them: words, spaced words, symbol runs) and random strings over their
    characters, some repeated, some empty (special tokens)."""
    text = "\n".join(s for group in STATEMENTS.values() for s in group) + "\n</hard theorem>"
    alphabet = sorted(set(text)) + ["z", "9", "é"]
    out = ["", "", "x", "xx", "xxxx", "ab(", " (", "hx", "h₀₀", ":= by", "\n</hard", " theorem>"]
    while len(out) < size:
        if rng.random() < 0.6:
            i = rng.randrange(len(text))
            out.append(text[i : i + rng.randint(1, 8)])
        else:
            out.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))))
    return out


def states(g: Grammar, system: str, rng: random.Random, count: int):
    """Live states at random cuts of the statements (the kinds a decoder meets), with some mutated text."""
    found = []
    while len(found) < count:
        s = rng.choice(STATEMENTS[system])
        text = "\n" + s[: rng.randrange(len(s) + 1)]
        if rng.random() < 0.2:
            text += rng.choice(["x", "xy", " ", "(", "h₀"])
        state = g.step(g.start(), text)
        if state:
            found.append(state)
    return found


@pytest.mark.parametrize("system, names", [("coq", ()), ("coq", NAMES), ("lean", ()), ("lean", NAMES)])
def test_the_trie_walk_gives_exactly_what_stepping_every_token_gives(system, names):
    rng = random.Random(f"{system}{len(names)}")
    g = Grammar(conjecture_grammar(system, names))
    texts = vocabulary(rng, 800)
    checked = set()
    for state in states(g, system, rng, 80):
        fast, slow = next_states(g, state, texts), next_states_by_stepping(g, state, texts)
        assert fast == slow
        checked |= {i for i, _ in fast}
    assert len(checked) > 100  # the comparison saw many live tokens, not only empty sets


def test_the_processor_masks_by_the_walk_and_the_budget():
    g = Grammar('root ::= "(" root ")" | "x"\n')
    texts = ["", "(", "((", "x", "x)", ")", "xx", "(x)"]
    p = GrammarLogitsProcessor(g, texts, eos_id=0, start=0)
    s = g.step(g.start(), "(")
    assert sorted(p.allowed(s, 10)) == [1, 2, 3, 4, 7]
    # With 2 tokens left the next must leave at most one character to write: `((` or `(` would leave more.
    assert sorted(p.allowed(s, 2)) == [3, 4, 7]
    done = g.step(g.start(), "(x)")
    assert p.allowed(done, 10) == [0]  # a whole sentence: only end of sequence
