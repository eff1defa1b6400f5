"""Stage A: conjecture inputs from earlier rounds' proofs, conjectures written by the model (and our mutations),
checked, pooled as STP pools them; and our disprove channel. A batch of inputs is one generation call per policy
actor, all at once, and the proof-assistant checks and refutations run in parallel over the context's check
environments."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from stp_prover.conjecturer import (
    Conjecture,
    ConjectureChecker,
    disprove_prompt,
    mutation_conjectures,
    normalize,
    parse_false_variant,
)
from stp_prover.conjecturer.difficulty import DifficultySettings, difficulty
from stp_prover.conjecturer.generate import ConjectureInput as GenInput
from stp_prover.conjecturer.generate import constrain, model_conjectures_batch
from stp_prover.conjecturer.prompts import declaration_keyword, stp_no_lemma
from stp_prover.data import ResultLog, read_jsonl
from stp_prover.data.counterexamples import CounterexampleSettings, false_variant_candidates, refute
from stp_prover.data.variants import Variant
from stp_prover.itp import Theorem, system_of
from stp_prover.itp.dialect import dialect, rename

from .. import stp
from ..context import Context
from ..logs import read_proofs
from ..prompts import conjecture_seed
from ..records import CheckedConjecture, ConjectureRound, GeneratedInput, PooledConjecture, Refutations


def conjecture_inputs(ctx: Context, r: int, rates: dict[str, float], rng: np.random.Generator) -> list:
    """STP's conjecture inputs from the verified proofs of original statements in rounds < r."""
    c = ctx.cfg.conjecturer
    history = [p for q in range(r) for p in ctx.round_proofs(q) if p.original]
    if c.max_seeds is not None:  # our option: only the first max_seeds seed statements (by name)
        keep = set(sorted({p.name for p in history if p.ok})[: c.max_seeds])
        history = [p for p in history if p.name in keep]
    lemma_statements = lemma_pool(ctx, r)
    settings = stp.InputSettings(
        c.seed_min_pass_rate, c.no_lemma_probability, c.lemma_cap, c.multiplier, c.max_per_input
    )
    keyword = declaration_keyword(ctx.targets[0].theorem.statement) if ctx.targets else "theorem"
    weights = {t.theorem.name: t.weight for t in ctx.targets}  # each source's STP weight (RL_utils.py:414)
    return stp.conjecture_inputs(
        history, rates, lemma_statements, len(ctx.targets), rng, settings, stp_no_lemma(keyword), weights
    )


def library_lemmas(folder: Optional[str], system: str) -> dict[str, str]:
    """STP's theorem_dict as a lemma pool: every traced library theorem, full name -> its source text up to where
    the statement ends (Notebooks/construct_sft.ipynb theorem_dict cell; RL_utils.py:334-335). {} without a traced
    library."""
    if not folder or not (Path(folder) / "theorems.jsonl").is_file():
        return {}
    end = dialect(system).statement_end
    records = read_jsonl(Path(folder) / "theorems.jsonl")
    return {rec["full_name"]: stp.lemma_text(rec["statement"], end) for rec in records}


def lemma_pool(ctx: Context, r: int) -> dict[str, str]:
    """The lemmas round r's conjecture inputs may name (`conjecturer.lemma_pool`): the traced library (STP), else
    every premise of a verified target proof of rounds < r, as the proof assistant prints it (ours)."""
    if ctx.cfg.conjecturer.lemma_pool == "library":
        pool = library_lemmas(ctx.cfg.stage1.traced or ctx.traced_folder, system_of(ctx.cfg.backend))
        if pool:
            return pool
    statements: dict[str, str] = {}
    for q in range(r):
        for rows in read_proofs(ctx.run.round(q), "targets", ok_only=True).values():
            for p in rows:
                statements.update(p.premises or {})
    return statements


def proved_before(ctx: Context, r: int) -> set[str]:
    """The conjectures proved in rounds < r, as their statements were written (STP's lemma key: model_utils.py:289-
    290, the statement as the conjecturer wrote it, RL_utils.py:62-66)."""
    out: set[str] = set()
    for q in range(r):
        proved = {p.name for p in ctx.round_proofs(q) if p.ok and not p.original}
        for rec in ctx.records(q, "conjectures.jsonl"):
            out |= {x["written"] or x["statement"] for x in rec["conjectures"] if x["name"] in proved}
    return out


INPUTS_PER_BATCH = 64  # conjecture inputs generated and checked together; a killed run redoes at most one batch


def _generate_many(ctx: Context, inputs: Sequence[GenInput] = ()):
    """generate_many(prompts, n): the prompts split over the policy actors, one generation call each, all at once;
    each request within STP's token budget (`prover.token_budget`: RL_utils.py:57-59 samples conjectures under the
    prover's max_model_len). A prompt of one of `inputs` is constrained to the statement grammar when
    `conjecturer.constrained` is on (ours; STP samples unconstrained)."""
    requests = ctx.text_requests()
    by_prompt = {inp.prompt(): inp for inp in inputs} if ctx.cfg.conjecturer.constrained else {}

    def build(prompts: list[str], n: int) -> list:
        return [constrain(q, by_prompt[q.prompt]) if q.prompt in by_prompt else q for q in requests(prompts, n)]

    def generate_many(prompts: list[str], n: int) -> list[list[str]]:
        actors = ctx.workers.policies
        if not prompts or n <= 0:
            return [[] for _ in prompts]
        size = -(-len(prompts) // len(actors))
        parts = [prompts[i * size : (i + 1) * size] for i in range(len(actors))]
        refs = [a.generate_requests.remote(build(part, n)) for a, part in zip(actors, parts) if part]
        got = ctx.workers.get(refs, "conjectures from the policy actors")
        refused = [cs.error for part in got for cs in part if getattr(cs, "error", "")]
        if refused:  # a refused request (e.g. a grammar the engine rejects) must not look like a model that wrote nothing
            ctx.say(f"conjectures: the engine refused {len(refused)} of {len(prompts)} requests: {refused[0]}")
        return [[c.text for c in cs] for part in got for cs in part]

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


def _in_window(
    ctx: Context, checked: list[list[CheckedConjecture]], made: list[list[Conjecture]], seeds: list[Theorem]
) -> list[list[CheckedConjecture]]:
    """The passing mutations re-labelled with their difficulty ("too_easy", "too_hard") when outside the window a
    deterministic prover gives (conjecturer/difficulty.py); the others keep their check."""
    settings = DifficultySettings(search_seconds=ctx.cfg.conjecturer.mutation_window_seconds)
    todo = [(g, j) for g, group in enumerate(checked) for j, x in enumerate(group) if x.check == "ok"]
    verdicts = ctx.checks.map(
        lambda env, gj: difficulty(env, made[gj[0]][gj[1]].theorem(seeds[gj[0]]), settings).verdict, todo
    )
    out = [list(group) for group in checked]
    for (g, j), verdict in zip(todo, verdicts):
        if verdict != "in_window":
            out[g][j] = dataclasses.replace(out[g][j], check=verdict)
    return out


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
        header = ctx.cfg.prover.prompt_header  # STP's fixed header in the prompt (RL_step2_train.py:67)
        for b in range(0, len(todo), INPUTS_PER_BATCH):
            part = todo[b : b + INPUTS_PER_BATCH]
            prompts = [
                GenInput(
                    conjecture_seed(ctx.theorems[inp.seed], header),
                    inp.proof,
                    inp.lemma or None,
                    inp.lemma_statement,
                    f"conj_r{r}_i{key}",
                )
                for key, inp in part
            ]
            made = model_conjectures_batch(prompts, _generate_many(ctx, prompts), k)
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
            checked = _check_all(ctx, made, seeds, seen)
            if c.mutation_window:
                checked = _in_window(ctx, checked, made, seeds)
            for s_name, inp, group in zip(names, mut_inputs, checked):
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
    # STP samples no statement proved in an earlier round (RL_utils.py:456), after the cap to N.
    before = len(pool)
    pool = [pool[i] for i in stp.drop_proved([x.written or x.statement for x in pool], proved_before(ctx, r))]
    ctx.run.write_json(
        rd / "pool.json",
        {"conjectures_per_input": k, "pool": [x.name for x in pool], "dropped_proved": before - len(pool)},
    )
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
