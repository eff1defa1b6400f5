"""Stage A: conjecture inputs from earlier rounds' proofs, conjectures written by the model (and our mutations),
checked, pooled as STP pools them; and our disprove channel. A batch of inputs is one generation call per policy
actor, all at once, and the proof-assistant checks and refutations run in parallel over the context's check
environments."""

from __future__ import annotations

import random
from collections import Counter
from typing import Optional

import numpy as np

from stp_prover.conjecturer import (
    Conjecture,
    ConjectureChecker,
    disprove_prompt,
    mutation_conjectures,
    normalize,
    parse_false_variant,
)
from stp_prover.conjecturer.generate import ConjectureInput as GenInput
from stp_prover.conjecturer.generate import model_conjectures_batch
from stp_prover.conjecturer.prompts import declaration_keyword, stp_no_lemma
from stp_prover.data import ResultLog
from stp_prover.data.counterexamples import CounterexampleSettings, false_variant_candidates, refute
from stp_prover.data.variants import Variant
from stp_prover.itp import Theorem
from stp_prover.itp.dialect import rename

from .. import stp
from ..context import Context
from ..logs import read_proofs
from ..records import CheckedConjecture, ConjectureRound, GeneratedInput, PooledConjecture, Refutations


def conjecture_inputs(ctx: Context, r: int, rates: dict[str, float], rng: np.random.Generator) -> list:
    """STP's conjecture inputs from the verified proofs of original statements in rounds < r."""
    c = ctx.cfg.conjecturer
    history = [p for q in range(r) for p in ctx.round_proofs(q) if p.original]
    if c.max_seeds is not None:  # our option: only the first max_seeds seed statements (by name)
        keep = set(sorted({p.name for p in history if p.ok})[: c.max_seeds])
        history = [p for p in history if p.name in keep]
    lemma_statements: dict[str, str] = {}
    for q in range(r):
        for rows in read_proofs(ctx.run.round(q), "targets", ok_only=True).values():
            for p in rows:
                lemma_statements.update(p.premises or {})
    settings = stp.InputSettings(
        c.seed_min_pass_rate, c.no_lemma_probability, c.lemma_cap, c.multiplier, c.max_per_input
    )
    keyword = declaration_keyword(ctx.targets[0].theorem.statement) if ctx.targets else "theorem"
    weights = {t.theorem.name: ctx.cfg.targets.matching_weight for t in ctx.targets}
    return stp.conjecture_inputs(
        history, rates, lemma_statements, len(ctx.targets), rng, settings, stp_no_lemma(keyword), weights
    )


INPUTS_PER_BATCH = 64  # conjecture inputs generated and checked together; a killed run redoes at most one batch


def _generate_many(ctx: Context):
    """generate_many(prompts, n): the prompts split over the policy actors, one generation call each, all at once."""
    def generate_many(prompts: list[str], n: int) -> list[list[str]]:
        actors = ctx.workers.policies
        if not prompts:
            return []
        size = -(-len(prompts) // len(actors))
        refs = [a.generate.remote(prompts[i * size : (i + 1) * size], n) for i, a in enumerate(actors)]
        return [texts for part in ctx.workers.get(refs, "conjectures from the policy actors") for texts in part]

    return generate_many


def _check_all(
    ctx: Context, made: list[list[Conjecture]], seeds: list[Theorem], seen: Optional[set[str]]
) -> list[list[CheckedConjecture]]:
    """Each conjecture's check. Duplicates are found in the driver in input order (so the verdicts do not depend on
    thread timing); the proof-assistant checks of the rest run in parallel."""
    if seen is None:
        return [[CheckedConjecture.of(x, "ok") for x in group] for group in made]
    settings = ctx.cfg.conjecturer.checks
    todo: list[tuple[int, int, Theorem]] = []
    checks: dict[tuple[int, int], str] = {}
    for g, (group, seed) in enumerate(zip(made, seeds)):
        for j, x in enumerate(group):
            key = normalize(x.statement)
            if key in seen:
                checks[(g, j)] = "duplicate"
            else:
                seen.add(key)
                todo.append((g, j, x.theorem(seed)))

    def check(env, item) -> str:
        # A checker with nothing seen: the duplicates were settled above.
        return ConjectureChecker(env, (), settings).check(item[2])

    for (g, j, _), verdict in zip(todo, ctx.checks.map(check, todo)):
        checks[(g, j)] = verdict
    return [[CheckedConjecture.of(x, checks[(g, j)]) for j, x in enumerate(group)] for g, group in enumerate(made)]


def generate_conjectures(ctx: Context, r: int, inputs: list, rng: np.random.Generator) -> ConjectureRound:
    """Generate conjectures for every input (one record per input, appended), then STP's pool: deduplicated
    against the targets and each other, at most N. With `checks_enabled` each is checked first (our addition)."""
    c = ctx.cfg.conjecturer
    rd = ctx.run.round(r)
    k = stp.conjectures_per_input(
        len(ctx.targets), len(inputs), stp.InputSettings(multiplier=c.multiplier, max_per_input=c.max_per_input)
    )
    seen = {normalize(t.statement) for t in ctx.theorems.values()} if c.checks_enabled else None
    with ResultLog(rd / "conjectures.jsonl", key="input") as log:
        done = log.done()
        for rec in log.records():
            if seen is not None:
                seen |= {normalize(x["statement"]) for x in rec["conjectures"]}
        todo = [(str(i), inp) for i, inp in enumerate(inputs) if str(i) not in done]
        generate_many = _generate_many(ctx)
        for b in range(0, len(todo), INPUTS_PER_BATCH):
            part = todo[b : b + INPUTS_PER_BATCH]
            prompts = [
                GenInput(ctx.theorems[inp.seed], inp.proof, inp.lemma or None, inp.lemma_statement, f"conj_r{r}_i{key}")
                for key, inp in part
            ]
            made = model_conjectures_batch(prompts, generate_many, k)
            seeds = [ctx.theorems[inp.seed] for _, inp in part]
            checked = _check_all(ctx, [m for m, _ in made], seeds, seen)
            for (key, inp), (_, unparsable), group in zip(part, made, checked):
                log.append(GeneratedInput.of(key, inp, unparsable, group).to_dict())
        if c.mutations_per_seed:  # our addition: textual variants of each seed, no lemma
            names = [s for s in sorted({inp.seed for inp in inputs}) if f"mutations:{s}" not in done]
            made, seeds, mut_inputs = [], [], []
            for s_name in names:
                seed = ctx.theorems[s_name]
                proof = next((x.proof for x in inputs if x.seed == s_name), "")
                mut_rng = random.Random(f"{ctx.cfg.seed}-mutations-{r}-{s_name}")
                made.append(mutation_conjectures(seed, c.mutations_per_seed, f"conj_r{r}_{s_name}", mut_rng))
                seeds.append(seed)
                mut_inputs.append(
                    stp.ConjectureInput(
                        s_name, seed.statement, proof, stp.NO_LEMMA, stp_no_lemma(declaration_keyword(seed.statement))
                    )
                )
            for s_name, inp, group in zip(names, mut_inputs, _check_all(ctx, made, seeds, seen)):
                log.append(GeneratedInput.of(f"mutations:{s_name}", inp, 0, group).to_dict())
        generated = [GeneratedInput.from_dict(x) for x in log.records()]
    order = {str(i): i for i in range(len(inputs))}
    generated.sort(key=lambda x: (order.get(x.input, len(inputs)), x.input))
    candidates = [
        PooledConjecture(x.name, x.statement, x.written, g.seed, g.lemma, x.source, g.proof, g.lemma_statement)
        for g in generated
        for x in g.conjectures
        if x.check == "ok"
    ]
    targets = [(t.theorem.header, t.theorem.statement) for t in ctx.targets]
    headers = [ctx.theorems[x.seed].header for x in candidates]
    kept = stp.conjecture_pool([(h, x.written) for h, x in zip(headers, candidates)], targets, len(ctx.targets), rng)
    pool = [candidates[i] for i in kept]
    ctx.run.write_json(rd / "pool.json", {"conjectures_per_input": k, "pool": [x.name for x in pool]})
    ctx.run.mark_done(rd, "conjectures")
    return ConjectureRound(inputs, generated, pool, [], k)


def disprove(ctx: Context, r: int, seed_names: list[str]) -> list[Refutations]:
    """Our disprove channel (off by default): per seed, false variants (the model's, then mutations) refuted by
    proving their negation at a witness, the refutations in parallel; one record per seed, appended."""
    c = ctx.cfg.conjecturer
    rd = ctx.run.round(r)
    if not (c.disprove_per_seed or c.disprove_mutations_per_seed):
        return []
    settings = CounterexampleSettings(step_timeout=c.checks.step_timeout)
    seen = {
        normalize(x["statement"])
        for q in range(r + 1)
        for rec in ctx.records(q, "counterexamples.jsonl")
        for x in rec["counterexamples"]
    }
    with ResultLog(rd / "counterexamples.jsonl", key="seed") as log:
        done = log.done()
        todo = [n for n in seed_names if n not in done]
        prompts = [disprove_prompt(ctx.theorems[n]) for n in todo]
        texts = _generate_many(ctx)(prompts, c.disprove_per_seed) if c.disprove_per_seed else [[] for _ in todo]
        jobs: list[tuple[int, Theorem, Variant]] = []
        rejected = [Counter() for _ in todo]
        for s, (name, outs) in enumerate(zip(todo, texts)):
            seed = ctx.theorems[name]
            candidates: list[Variant] = []
            for i, text in enumerate(outs):
                statement = parse_false_variant(text, seed.system)
                if statement is not None:
                    candidates.append(Variant(rename(statement, f"{name}_r{r}_dis{i}"), "model"))
            if c.disprove_per_seed - len(candidates):
                rejected[s]["unparsable"] = c.disprove_per_seed - len(candidates)
            candidates += false_variant_candidates(seed, c.disprove_mutations_per_seed)
            for variant in candidates:
                if normalize(variant.statement) in seen:
                    rejected[s]["duplicate"] += 1
                    continue
                seen.add(normalize(variant.statement))
                jobs.append((s, seed, variant))
        results = ctx.checks.map(lambda env, job: refute(env, job[1], job[2], settings), jobs)
        found: list[list[dict]] = [[] for _ in todo]
        for (s, _, _), (record, reason) in zip(jobs, results):
            if record:
                found[s].append(record.to_dict())
            else:
                rejected[s][reason] += 1
        for s, name in enumerate(todo):
            log.append(Refutations(name, found[s], dict(rejected[s])).to_dict())
        records = [Refutations(**x) for x in log.records()]
    ctx.run.mark_done(rd, "disprove")
    return records


def run_conjecture_stage(ctx: Context, r: int, rates: dict[str, float], rng: np.random.Generator) -> ConjectureRound:
    """Stage A as a whole: inputs, conjectures and their pool, refutations of the seeds' false variants."""
    inputs = conjecture_inputs(ctx, r, rates, rng)
    out = generate_conjectures(ctx, r, inputs, rng)
    out.refutations = disprove(ctx, r, sorted({i.seed for i in inputs}))
    return out
