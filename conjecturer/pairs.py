"""Conjecture-shaped training pairs from a traced library, in STP's format (a lemma, an easy theorem with its proof,
then the hard theorem to write: RL/RL_step2_train.py:52-76): related statements of one file.

* shared lemma: T's proof uses p, and so does an earlier theorem E of T's file -> (p, E with its proof) -> T (STP's
  SFT notebook, Notebooks/construct_sft.ipynb); at most `per_lemma` of the latest such E per (T, p), so one popular
  lemma does not fill the set.
* no lemma: E is one of the `window` theorems just before T in its file -> (STP's `theorem true: True`, E) -> T.
  STP samples the no-lemma prompt during self-play (RL_utils.py:336), so the conjecturer must learn it too."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Optional, Protocol

from stp_prover.itp import Theorem

from .prompts import declaration_keyword, stp_conjecture_prompt, stp_conjecture_target, stp_no_lemma


class Traced(Protocol):
    """A traced library theorem (selfplay.stage1.LibraryTheorem has this shape)."""

    theorem: Theorem
    proof: str
    premises: frozenset[str]  # full names of the traced theorems its proof uses
    file: str
    line: int


@dataclass(frozen=True)
class PairSettings:
    per_lemma: int = 4  # latest earlier theorems sharing one lemma with the target
    window: int = 2  # preceding theorems of the file paired with the target without a lemma (0: none)
    no_lemma: bool = True


@dataclass(frozen=True)
class ConjecturePair:
    """One example: the seed (easy theorem) with its proof, the lemma (None: STP's no-lemma text), the target."""

    seed: Theorem
    seed_proof: str
    lemma: Optional[str]
    lemma_statement: str
    target: str
    kind: str  # "shared-lemma" | "no-lemma"

    def prompt(self) -> str:
        return stp_conjecture_prompt(self.seed, self.seed_proof, self.lemma_statement)

    def completion(self) -> str:
        return stp_conjecture_target(self.target)


def conjecture_pairs(theorems: Iterable[Traced], settings: PairSettings = PairSettings()) -> list[ConjecturePair]:
    """Every pair, the shared-lemma ones first, each kind with files in name order and theorems in file order,
    without repeated (prompt, target) (STP drops those: RL_step2_train.py:71-72)."""
    items = list(theorems)
    statement_of = {t.theorem.source: t.theorem.statement for t in items}
    statement_of.update({t.theorem.name: t.theorem.statement for t in items if t.theorem.name not in statement_of})
    by_file: dict[str, list[Traced]] = defaultdict(list)
    for t in items:
        by_file[t.file].append(t)
    out: list[ConjecturePair] = []
    seen: set[tuple[str, str]] = set()

    def add(pair: ConjecturePair) -> None:
        key = (pair.prompt(), pair.completion())
        if key not in seen and pair.seed.statement.strip() != pair.target.strip():
            seen.add(key)
            out.append(pair)

    for file in sorted(by_file):
        earlier: list[Traced] = []
        for t in sorted(by_file[file], key=lambda x: x.line):
            for p in sorted(t.premises):
                if p not in statement_of:
                    continue
                users = [e for e in reversed(earlier) if p in e.premises][: settings.per_lemma]
                for e in users:
                    add(ConjecturePair(e.theorem, e.proof, p, statement_of[p], t.theorem.statement, "shared-lemma"))
            if settings.no_lemma:
                for e in earlier[::-1][: settings.window]:
                    # The seed's keyword, as generation writes STP's no-lemma text (ConjectureInput.prompt).
                    none = stp_no_lemma(declaration_keyword(e.theorem.statement))
                    add(ConjecturePair(e.theorem, e.proof, None, none, t.theorem.statement, "no-lemma"))
            earlier.append(t)
    # STP's kind first, in STP's notebook order; the no-lemma pairs after it.
    return [p for p in out if p.kind == "shared-lemma"] + [p for p in out if p.kind == "no-lemma"]
