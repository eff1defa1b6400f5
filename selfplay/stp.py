"""STP's self-play algorithm as its own code runs it (kfdong/STP, `RL/`), stage by stage, on typed records.

Each function is one step of STP's round and names the file and lines it follows. They are pure (records in, records
out, randomness from a numpy Generator seeded like STP's), so a small round can be checked by hand in the tests; the
loop (`selfplay/loop.py`) feeds them the run folder's records and runs the proof assistant and the model around them.

Vocabulary: a *statement* is a target (an original problem) or a conjecture; a *proof record* is one distinct proof
of one statement sampled in one round, with how many samples produced it, whether it verified, how long the check
took and the premises (library lemmas) the proof assistant says it invokes."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Optional, Sequence

import numpy as np

NO_LEMMA = ""  # STP's shared_lemma for "no lemma" (RL/utils/RL_utils.py:336, 400)


@dataclass(frozen=True)
class ProofRecord:
    """One distinct proof of one statement in one round (STP's deduplicated test_info with its `multiplicity`)."""

    name: str  # the statement's identity (STP: lemma_id, keyed by the statement text)
    statement: str
    proof: str
    count: int  # multiplicity: samples that produced this text
    ok: bool  # STP's `complete`
    seconds: float = 0.0  # STP's `verify_time`
    premises: tuple[str, ...] = ()  # STP's `invokes`
    round: int = 0
    original: bool = True  # a target (conjecture level 0) or a conjecture
    header: str = ""


@dataclass(frozen=True)
class ConjectureInput:
    """A seed proof and one lemma it invokes (or none): one prompt for the conjecturer (RL_utils.py:414-415)."""

    seed: str
    statement: str
    proof: str
    lemma: str  # NO_LEMMA or a premise's full name
    lemma_statement: str


@dataclass(frozen=True)
class ConjectureExample:
    """A conjecture worth training the conjecturer on: the input that produced it and the conjecture it wrote."""

    name: str
    statement: str
    seed: str
    seed_statement: str
    seed_proof: str
    lemma: str  # after relabelling: NO_LEMMA when the proofs do not invoke the lemma
    lemma_statement: str
    weight: float = 1.0


# -- success rates (RL_utils.py:318-324, 76-77) -------------------------------------------------------------------
def round_rates(records: Iterable[ProofRecord], by_text: bool = False) -> dict[str, float]:
    """Per statement (its name; `by_text`: its text, as RL_step3_final_model.py:71-73 keys them), its pass rate
    among this round's samples (multiplicities counted)."""
    hits: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in records:
        key = r.statement if by_text else r.name
        hits[key][0] += r.count * int(r.ok)
        hits[key][1] += r.count
    return {n: c / t for n, (c, t) in hits.items() if t}


def update_rates(rates: dict[str, float], solved: set[str], records: Sequence[ProofRecord]) -> None:
    """STP keeps, per statement, the best pass rate of any round (`succ_rates`) and the set ever proved."""
    for name, rate in round_rates(records).items():
        rates[name] = max(rate, rates.get(name, 0.0))
    solved |= {r.name for r in records if r.ok}


# -- which statements a round samples (RL_utils.py:383-462) --------------------------------------------------------
@dataclass
class InputSettings:
    seed_min_pass_rate: float = 0.35  # CONJECTURE_THRESHOLD + 0.1, exclusive (RL_utils.py:389)
    no_lemma_probability: float = 0.5  # RL_utils.py:398
    lemma_cap: float = 0.1  # of N, each lemma and "no lemma" alike (RL_utils.py:405-408)
    multiplier: int = 1  # --conjecture_multiplier (RL_step1_generate.py:31, run_RL_steps.sh:72)
    max_per_input: int = 8  # RL_utils.py:424


def conjecture_inputs(
    history: Sequence[ProofRecord],
    rates: dict[str, float],
    lemma_statements: dict[str, str],
    n_targets: int,
    rng: np.random.Generator,
    settings: InputSettings,
    no_lemma_statement: str,
    matching_weight: Optional[dict[str, int]] = None,
) -> list[ConjectureInput]:
    """Seeds and their lemmas: every verified proof of an original statement whose best pass rate is above the
    threshold (latest first, then shuffled) offers each premise it invokes, plus "no lemma" with probability p; each
    lemma serves at most lemma_cap * N inputs, a (statement, lemma) pair once, and there are at most N inputs."""
    possible = [
        r for r in reversed(history) if r.ok and r.original and rates.get(r.name, 0.0) > settings.seed_min_pass_rate
    ]
    rng.shuffle(possible)  # RL_utils.py:392 (the sort by conjecture level that follows is stable: all are level 0)
    seen: set[tuple[str, str]] = set()
    used: dict[str, int] = defaultdict(int)
    out: list[ConjectureInput] = []
    for r in possible:
        lemmas = list(r.premises)
        if rng.random() < settings.no_lemma_probability:  # drawn for every proof, as at RL_utils.py:398
            lemmas.append(NO_LEMMA)
        for lemma in lemmas:
            if lemma != NO_LEMMA and lemma not in lemma_statements:
                continue  # STP skips premises outside its theorem dictionary (RL_utils.py:402)
            if used[lemma] >= settings.lemma_cap * n_targets:
                continue
            if (r.statement, lemma) in seen:
                continue
            seen.add((r.statement, lemma))
            used[lemma] += 1
            text = no_lemma_statement if lemma == NO_LEMMA else lemma_statements[lemma]
            # an input is repeated by its statement's matching weight (the dataset config's `weight`, :414)
            out += [ConjectureInput(r.name, r.statement, r.proof, lemma, text)] * (matching_weight or {}).get(r.name, 1)
    return out[:n_targets]  # RL_utils.py:416


def lemma_text(source: str, statement_end: re.Pattern) -> str:
    """A library theorem's entry in STP's lemma pool: its source text up to where the statement ends, stripped
    (`v[1].split(':=')[0].strip()`, RL/utils/RL_utils.py:335; the dialect's `statement_end` is `:=` in Lean)."""
    return statement_end.split(source, 1)[0].strip()


def drop_proved(keys: Sequence[str], proved: set[str]) -> list[int]:
    """Indices of the pooled conjectures to sample: STP drops every statement already proved in an earlier round
    (its lemma_id, keyed by the statement as written, is in succ_lemmas: RL_utils.py:456; model_utils.py:289-299)."""
    return [i for i, k in enumerate(keys) if k not in proved]


def conjectures_per_input(n_targets: int, n_inputs: int, settings: InputSettings) -> int:
    """max(multiplier, min(3N // inputs, 8)) conjectures from each input (RL_utils.py:424)."""
    if n_inputs == 0:
        return 0
    return max(settings.multiplier, min(n_targets * 3 // n_inputs, settings.max_per_input))


def dedup_key(header: str, statement: str) -> tuple[str, str]:
    """STP's conjecture dedup key: the header and the statement as written, spaces and newlines removed
    (RL_utils.py:429-431)."""
    return (header or "", statement.replace(" ", "").replace("\n", ""))


def conjecture_pool(
    conjectures: Sequence[tuple[str, str]],
    targets: Sequence[tuple[str, str]],
    n_targets: int,
    rng: np.random.Generator,
) -> list[int]:
    """Indices of the conjectures (header, statement as written) kept: shuffled, new against the targets and each
    other, then at most N of them, chosen at random (RL_utils.py:427-454)."""
    order = list(range(len(conjectures)))
    rng.shuffle(order)
    seen = {dedup_key(h, s) for h, s in targets}
    kept = []
    for i in order:
        key = dedup_key(*conjectures[i])
        if key not in seen:
            seen.add(key)
            kept.append(i)
    if len(kept) > n_targets:
        rng.shuffle(kept)
        kept = kept[:n_targets]
    return kept


def targets_to_sample(
    targets: Sequence[str],
    solved: set[str],
    rates: dict[str, float],
    rng: np.random.Generator,
    have_conjectures: bool,
    resample_below: float = 0.35,
    resample_probability: float = 0.05,
) -> list[str]:
    """Unsolved targets; and each solved one again when its best rate is below 0.35 or with probability 5% (the draw
    comes first, for every solved target). With no conjecture input at all STP samples every target
    (RL_utils.py:419-421, 456-461)."""
    if not have_conjectures:
        return list(targets)
    out = [t for t in targets if t not in solved]
    for t in targets:
        if t in solved and (rng.random() < resample_probability or rates.get(t, 0.0) < resample_below):
            out.append(t)
    return out


# -- selection (RL_utils.py:464-500, 79-101, 370-381, 607-638) ----------------------------------------------------
def conjecture_examples(
    records: Sequence[ProofRecord],
    inputs: dict[str, ConjectureInput],
    max_pass_rate: float = 0.25,
    min_pass_rate: float = 0.0,
    relabel_unused_lemma: bool = True,
) -> list[ConjectureExample]:
    """Conjectures proved in this round with pass rate below 0.25: those whose proof invokes their lemma first (one
    example per statement), then the others relabelled "no lemma" (at most max(20 x the first kind, 4096))."""
    rates = round_rates(records)
    proved = [r for r in records if r.ok and r.name in inputs and min_pass_rate < rates[r.name] < max_pass_rate]
    out: list[ConjectureExample] = []
    seen: set[str] = set()

    def example(r: ProofRecord, lemma: str, lemma_statement: str) -> ConjectureExample:
        i = inputs[r.name]
        return ConjectureExample(r.name, r.statement, i.seed, i.statement, i.proof, lemma, lemma_statement)

    for r in proved:
        lemma = inputs[r.name].lemma
        if lemma != NO_LEMMA and lemma in r.premises and r.statement not in seen:
            out.append(example(r, lemma, inputs[r.name].lemma_statement))
            seen.add(r.statement)
    if not relabel_unused_lemma:
        return out
    cap = max(len(out) * 20, 4096)
    relabelled = 0
    for r in proved:
        if r.statement not in seen and relabelled < cap:
            relabelled += 1
            out.append(example(r, NO_LEMMA, NO_LEMMA))
            seen.add(r.statement)
    return out


def elegance_filter(
    examples: Sequence[ConjectureExample], proofs: Sequence[ProofRecord], drop: float = 0.2
) -> list[ConjectureExample]:
    """Per lemma group, drop the examples whose shortest proof/statement length ratio is below the `drop` quantile
    (ties kept; groups of one kept) (RL_utils.py:79-101, called at 373)."""
    best: dict[str, float] = defaultdict(lambda: 1e5)
    for r in proofs:
        if r.ok:
            best[r.statement] = min(best[r.statement], len(r.proof) / max(1, len(r.statement)))
    groups: dict[str, list[ConjectureExample]] = defaultdict(list)
    for e in examples:
        groups[e.lemma].append(e)
    out = []
    for group in groups.values():
        ratios = sorted(best[e.statement] for e in group)
        cutoff = ratios[int(len(ratios) * drop)]
        out += [e for e in group if best[e.statement] >= cutoff or len(group) < 2]
    return out


def matching_weights(similarity: np.ndarray, target_weights: Sequence[int], cap: float = 4.0) -> list[float]:
    """STP's "Wasserstein" matching (RL_utils.py:607-638). `similarity[i, j]`: conjecture i vs unsolved target j (in
    the shuffled target order). Each target in turn gives N/M to its nearest conjectures (its matching weight many)
    among those not yet masked; a conjecture is masked once its weight reaches `cap`. Returns each conjecture's
    weight; 0 means unmatched (dropped)."""
    n = similarity.shape[0]
    weights = [0.0] * n
    if n == 0:
        return weights
    mask = np.ones(n)
    m = sum(target_weights)
    for j, w in enumerate(target_weights):
        top_k = min(w, n)
        for i in np.argpartition(similarity[:, j] * mask, -top_k)[-top_k:]:
            weights[i] += n / m
            if weights[i] >= cap:
                mask[i] = 0
    return weights


# -- training data (RL_step2_train.py:22-50, 134-155; RL_step3_final_model.py:26-47, 58-93, 174-197) -------------
@dataclass(frozen=True)
class Example:
    prompt: str
    target: str
    weight: float
    role: str = "prover"


def prover_examples(
    window: Sequence[ProofRecord],
    prompt: Callable[[ProofRecord], str],
    target: Callable[[ProofRecord], str],
    max_pass_rate: float = 0.5,
    length_coef: float = 0.001,
    time_coef: float = 0.01,
    known: Iterable[tuple[str, str]] = (),
) -> list[Example]:
    """Every verified proof in the window (the last 3 rounds; targets and all conjectures), latest first, of a
    statement whose pass rate over the window is <= 0.5; weight exp(-0.001 len - 0.01 seconds) divided by the
    statement's number of verified proof records in the window; (prompt, target) pairs once."""
    samples: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    n_correct: dict[str, int] = defaultdict(int)
    for r in window:
        samples[r.statement][0] += r.count * int(r.ok)
        samples[r.statement][1] += r.count
        n_correct[r.statement] += int(r.ok)
    seen = set(known)
    out = []
    for r in reversed(window):
        c, t = samples[r.statement]
        if not r.ok or c / t > max_pass_rate:
            continue
        w = math.exp(-length_coef * len(r.proof) - time_coef * r.seconds) / n_correct[r.statement]
        pair = (prompt(r), target(r))
        if pair not in seen:
            seen.add(pair)
            out.append(Example(pair[0], pair[1], w))
    return out


def final_examples(
    rounds: Sequence[Sequence[ProofRecord]],
    prompt: Callable[[ProofRecord], str],
    target: Callable[[ProofRecord], str],
    rng: np.random.Generator,
    include_conjectures: bool = True,
    conjecture_max_pass_rate: float = 0.25,
    max_proofs: int = 16,
    length_coef: float = 0.001,
    known: Iterable[tuple[str, str]] = (),
) -> list[Example]:
    """The final model's proofs (RL_step3_final_model.py:67-93, 174-197): per round, verified proofs of targets at
    any pass rate and of conjectures whose pass rate in that round (keyed by statement text) is <= 0.25 (none
    without `include_conjectures`: expert iteration); all rounds shuffled together; a (statement, proof) once; at
    most 16 random proofs per statement; weight exp(-0.001 len). STP concatenates the rounds in the order its Ray
    workers finish them (:117-124) before the seeded shuffle; here in round order, so a run is reproducible."""
    pool: list[ProofRecord] = []
    for records in rounds:
        rates = round_rates(records, by_text=True)
        for r in reversed(records):
            if not r.ok:
                continue
            if r.original or (include_conjectures and rates[r.statement] <= conjecture_max_pass_rate):
                pool.append(r)
    order = list(range(len(pool)))
    rng.shuffle(order)
    seen_pair: set[tuple[str, str]] = set()
    per_statement: dict[str, int] = defaultdict(int)
    chosen = []
    for i in order:
        r = pool[i]
        if (r.statement, r.proof) in seen_pair:
            continue
        seen_pair.add((r.statement, r.proof))
        if per_statement[r.statement] < max_proofs:
            per_statement[r.statement] += 1
            chosen.append(r)
    seen = set(known)
    out = []
    for r in chosen:
        pair = (prompt(r), target(r))
        if pair not in seen:
            seen.add(pair)
            out.append(Example(pair[0], pair[1], math.exp(-length_coef * len(r.proof))))
    return out


def with_weights(examples: Sequence[ConjectureExample], weights: Sequence[float]) -> list[ConjectureExample]:
    """The matched examples with their weights; unmatched ones (weight 0) are dropped (RL_utils.py:633-637)."""
    return [replace(e, weight=w) for e, w in zip(examples, weights) if w > 0]
