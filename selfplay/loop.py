"""The STP loop, as STP's own code runs it (kfdong/STP `RL/`; the steps are in `selfplay/stp.py`).

Before the rounds, stage 1 fine-tunes the base model on conjecture examples and library proofs. Each round then:
A. conjecture inputs from the earlier rounds' verified proofs of original statements (best pass rate > 0.35), one
   per premise the proof invokes and "no lemma" with p = 0.5; the conjecturer writes conjectures; duplicates are
   dropped and at most N (the number of targets) kept;
B. the unsolved targets (and solved ones again when their pass rate is below 0.35, or 5% of the others) and the
   conjectures are sampled with the same number of samples each, verified, and each verified proof's premises read
   from the proof assistant;
C. selection: conjectures proved with pass rate below 0.25 (relabelled "no lemma" when their proofs do not invoke
   the lemma), the least elegant fifth per lemma group dropped, then matched to the unsolved targets (weights;
   unmatched ones dropped);
D. training, continuing from the round's checkpoint, on every verified proof of the last 3 rounds with pass rate
   <= 0.5 and on the selected conjectures as the conjecturer's completions;
E. held-out evaluation of the new checkpoint and one metrics line.
Expert iteration samples the unsolved targets only and re-trains from the starting checkpoint on all rounds' target
proofs. The final model is re-trained from the base model on every round's data plus the library proofs.
Every stage appends to the run folder as it goes and is skipped once done, so a killed run resumes where it stopped.
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable

import numpy as np
import yaml

from conjecturer import (
    Conjecture,
    ConjectureChecker,
    disprove_prompt,
    model_conjectures,
    mutation_conjectures,
    normalize,
    parse_false_variant,
)
from conjecturer.prompts import (
    declaration_keyword,
    stp_conjecture_target,
    stp_conjecture_training_prompt,
    stp_no_lemma,
)
from data import ResultLog, read_log
from data.counterexamples import CounterexampleSettings, false_variant_candidates, refute
from data.traced import build_dataset, trace_library
from data.variants import Variant
from itp import ItpConfig, Theorem, make_env, system_of
from itp.dialect import rename
from prover.portfolio import PortfolioProofPolicy
from training import TrainingExample, init_model, is_checkpoint, read_examples, write_examples

from . import stage1 as stage1_data
from . import stp
from .config import ConfigError, SelfPlayConfig, to_dict
from .logs import BestIndex, SampleLog, read_proofs, read_summaries
from .metrics import Metrics, pass_rate_histogram
from .prompts import proof_prompt, proof_target
from .rundir import RunDir
from .sampling import StreamSettings, sample_and_verify
from .statements import Target, benchmark_targets, heldout_theorems, traced_targets
from .trainset import pipeline_examples, traced_examples
from .workers import Workers, start_ray

CONFIG_FILE = "config.yaml"


def save_config(run: RunDir, config: SelfPlayConfig) -> None:
    path = run.root / CONFIG_FILE
    if not path.exists():
        path.write_text(yaml.safe_dump(to_dict(config), sort_keys=False))


def proof_records(folder: Path, stem: str, r: int, originals, headers: dict[str, str]) -> list[stp.ProofRecord]:
    """One round's sampling log (summaries and their Parquet shards) as STP's per-proof records."""
    rows = read_proofs(folder, stem)
    return [
        stp.ProofRecord(
            s.name,
            s.statement,
            p.text,
            p.count,
            p.ok,
            p.seconds,
            tuple(p.premises or ()),
            r,
            s.name in originals,
            headers.get(s.name, ""),
        )
        for s in read_summaries(folder / f"{stem}.jsonl")
        for p in rows.get(s.name, ())
    ]


class SelfPlay:
    def __init__(self, config: SelfPlayConfig, say: Callable[[str], None] = lambda m: print(m, file=sys.stderr)):
        self.cfg = config
        self.run = RunDir(config.run_dir)
        self.say = say
        self.system = system_of(config.backend)

    # -- set-up ---------------------------------------------------------------------------------------------------
    def base_checkpoint(self) -> str:
        if self.cfg.model.base:
            from transformers import AutoConfig

            try:  # a bad path fails here with a clear message, not later inside a Ray actor
                AutoConfig.from_pretrained(self.cfg.model.base)
            except (OSError, ValueError) as exc:
                raise ConfigError(f"model.base: cannot load {self.cfg.model.base!r}: {exc}") from None
            return self.cfg.model.base
        base = self.run.root / "base"
        if not is_checkpoint(base):
            partial = self.run.root / "base.partial"
            init_model(partial, self.cfg.model.init)
            self.run.publish_checkpoint(partial, base)
        return str(base)

    def setup(self) -> None:
        self.targets: list[Target] = benchmark_targets(self.cfg.targets, self.system)  # bad input fails first
        self.base = self.base_checkpoint()
        save_config(self.run, self.cfg)
        start_ray(self.cfg.ray)
        self.itp_config = self.cfg.itp.apply(ItpConfig())
        self.env = make_env(self.cfg.backend, self.itp_config)
        self.traced_refused = 0
        folder = self.cfg.targets.traced
        if not folder and self.cfg.targets.trace:
            folder = str(self.run.root / "traced")
            if not (Path(folder) / "theorems.jsonl").exists():
                trace_library(
                    self.cfg.backend, Path(folder), self.cfg.targets.trace, workers=self.cfg.ray.verifier_workers
                )
                build_dataset(Path(folder))
        self.traced_folder = folder
        if folder and self.cfg.targets.traced_limit > 0:
            traced, self.traced_refused = traced_targets(folder, self.system, self.env, self.cfg.targets.traced_limit)
            self.targets += traced
        self.by_name = {t.theorem.name: t for t in self.targets}
        self.theorems: dict[str, Theorem] = {t.theorem.name: t.theorem for t in self.targets}
        self.heldout = heldout_theorems(self.cfg.heldout, self.system, set(self.by_name), self.cfg.targets.data_dir)
        self.workers = Workers(self.cfg.backend, self.cfg.ray, self.cfg.prover.verify_timeout, self.itp_config)
        self.portfolio = PortfolioProofPolicy(self.env) if self.cfg.prover.portfolio_samples > 0 else None
        self.metrics = Metrics(self.run.root)
        self.index = BestIndex(self.run.root)
        self.sampling_stats: list[dict] = []
        self.style = self.cfg.prover.prompt

    def close(self) -> None:
        for name in ("workers", "env", "metrics", "index"):
            obj = getattr(self, name, None)
            if obj is not None:
                obj.close()

    # -- helpers --------------------------------------------------------------------------------------------------
    def _records(self, r: int, name: str) -> list[dict]:
        return read_log(self.run.round(r) / name)

    def _round_proofs(self, r: int) -> list[stp.ProofRecord]:
        """Round r's proof records: targets, then conjectures (the order STP tests them in does not matter). A
        finished round's records never change and are read once."""
        cache = self.__dict__.setdefault("_proof_cache", {})
        if r in cache:
            return cache[r]
        self._restore_conjecture_theorems(r)
        headers = {n: t.header for n, t in self.theorems.items()}
        rd = self.run.round(r)
        out = proof_records(rd, "targets", r, self.by_name, headers)
        out += proof_records(rd, "conjecture_proofs", r, self.by_name, headers)
        if self.run.done(self.run.round(r), "heldout"):
            cache[r] = out
        return out

    def _state(self, upto: int) -> tuple[dict[str, float], set[str]]:
        """STP's sampler state after rounds 0..upto (stp.update_rates over every round), from the best-proof index
        the sampling logs keep up to date, not from re-reading every round's proofs."""
        return self.index.state(upto)

    def _start_checkpoint(self) -> str:
        info = self.run.root / "stage1" / "model.json"
        if info.exists():
            return json.loads(info.read_text())["checkpoint_out"]
        return self.base

    def _checkpoint_after(self, r: int) -> str:
        if r < 0:
            return self._start_checkpoint()
        info = self.run.round(r) / "model.json"
        if info.exists():
            return json.loads(info.read_text())["checkpoint_out"]
        raise RuntimeError(f"round {r} has no trained model yet")

    def _premises(self, theorem: Theorem, proof: str) -> dict[str, str]:
        return self.env.premises(theorem, proof)

    def _sample(self, theorems, path: Path, n_model: int, n_portfolio: int, desc: str, extra=None, premises=True):
        """Stream `theorems` through sampling into the log at `path` (ROUND/STEM.jsonl plus its proof shards); the
        targets' and conjectures' results also feed the best-proof index."""
        p = self.cfg.prover
        indexed = path.stem in ("targets", "conjecture_proofs")
        r = int(path.parent.name.split("-")[1]) if path.parent.name.startswith("round-") else -1
        with SampleLog(path.parent, path.stem, self.index if indexed else None, r) as log:
            stats = sample_and_verify(
                theorems,
                log,
                self.workers,
                n_model,
                self.portfolio if n_portfolio else None,
                n_portfolio,
                StreamSettings(p.chunk, p.generation_in_flight, p.verify_in_flight),
                desc,
                extra,
                self._premises if premises else None,
            )
        self.sampling_stats.append({"log": str(path.relative_to(self.run.root)), **stats.to_dict()})

    def _policy(self, checkpoint: str) -> None:
        self.workers.load_policy(checkpoint, self.cfg.prover, self.cfg.conjecturer.max_new_tokens)

    def _rng(self, r: int) -> np.random.Generator:
        """STP seeds each round's sampler with the round number (run_RL_steps.sh: SEED=ROUND)."""
        return np.random.default_rng(self.cfg.seed + r)

    # -- the loop -------------------------------------------------------------------------------------------------
    def execute(self) -> dict:
        t0 = time.monotonic()
        self.setup()
        try:
            self.say(
                f"selfplay: {len(self.targets)} targets ({self.traced_refused} traced theorems refused: their "
                f"statements do not elaborate alone), {len(self.heldout)} held-out, mode {self.cfg.mode}, "
                f"run folder {self.run.root}"
            )
            self.stage1()
            start = self._start_checkpoint()
            self.heldout_eval(start, self.run.round(0) / "heldout_base.jsonl", "held-out (start)")
            if not self.metrics.has("base"):
                self.metrics.log.append(
                    {
                        "round": "base",
                        "checkpoint": start,
                        **self._heldout_summary(self.run.round(0) / "heldout_base.jsonl"),
                    }
                )
            for r in range(self.cfg.rounds):
                self.round(r)
            if self.cfg.final_retrain and self.cfg.mode == "selfplay":
                self.final()
            return {
                "run_dir": str(self.run.root),
                "rounds": self.metrics.rounds(),
                "seconds": round(time.monotonic() - t0, 1),
                "plot": str(self.metrics.plot()),
            }
        finally:
            self.close()

    # -- stage 1 --------------------------------------------------------------------------------------------------
    def _library(self) -> list[stage1_data.LibraryTheorem]:
        folder = self.cfg.stage1.traced or self.traced_folder
        if not folder or not (Path(folder) / "theorems.jsonl").exists():
            return []
        return stage1_data.library_theorems(folder, self.system)

    def library_proofs(self) -> list[TrainingExample]:
        return stage1_data.library_proof_examples(self._library(), self.style, self.cfg.stage1.limit)

    def stage1(self) -> None:
        """Fine-tune the base model on conjecture examples and library proofs (STP's SFT, run_SFT.sh)."""
        s = self.cfg.stage1
        folder = self.run.root / "stage1"
        folder.mkdir(exist_ok=True)
        if not s.enabled or (folder / "model.json").exists():
            return
        library = self._library()
        examples: list[TrainingExample] = []
        if s.conjectures:
            examples += stage1_data.conjecture_examples(library, s.limit)
        if s.library_proofs:
            examples += stage1_data.library_proof_examples(library, self.style, s.limit)
        write_examples(folder / "train.jsonl", examples)
        if not examples:
            report = {"examples": 0, "skipped": "no traced library to build stage-1 data from"}
            ckpt = self.base
        else:
            sft = dataclasses.replace(
                self.cfg.sft,
                learning_rate=s.learning_rate,
                warmup_steps=s.warmup_steps,
                epochs=s.epochs if s.epochs is not None else self.cfg.sft.epochs,
            )
            partial = folder / "checkpoint.partial"
            result = self.workers.train(folder / "train.jsonl", self.base, partial, sft)
            self.run.publish_checkpoint(partial, folder / "checkpoint")
            ckpt = str(folder / "checkpoint")
            report = {**result.to_dict(), "checkpoint": ckpt, "roles": dict(Counter(e.role for e in examples))}
        self.run.write_json(
            folder / "model.json", {"checkpoint_in": self.base, "checkpoint_out": ckpt, "report": report}
        )
        self.say(f"stage 1: {report.get('examples', 0)} examples ({report.get('roles', {})})")

    # -- rounds ---------------------------------------------------------------------------------------------------
    def heldout_eval(self, checkpoint: str, path: Path, desc: str) -> None:
        if self.cfg.heldout.samples <= 0 or not self.heldout:
            return
        self._policy(checkpoint)
        self._sample(self.heldout, path, self.cfg.heldout.samples, 0, desc, premises=False)

    def _heldout_summary(self, path: Path) -> dict:
        recs = read_log(path)
        return {
            "heldout_proved": sum(1 for r in recs if r["correct"]),
            "heldout_total": len(recs),
            "heldout_mean_pass_rate": round(sum(r["pass_rate"] for r in recs) / len(recs), 4) if recs else 0.0,
        }

    def round(self, r: int) -> None:
        rd = self.run.round(r)
        t0 = time.monotonic()
        ckpt_in = self._checkpoint_after(r - 1)
        for q in range(r):
            self._restore_conjecture_theorems(q)
        rates, solved = self._state(r - 1)
        self._policy(ckpt_in)
        selfplay = self.cfg.mode == "selfplay"
        rng = self._rng(r)
        # A. conjectures (self-play only)
        pool: list[dict] = []
        inputs: list[stp.ConjectureInput] = []
        refutations: list[dict] = []
        if selfplay:
            inputs = self.conjecture_inputs(r, rates, rng)
            pool = self.conjecture(r, inputs, rng)
            refutations = self.disprove(r, sorted({i.seed for i in inputs}))
        # B. sampling: targets, then the conjectures, with the same number of samples
        names = [t.theorem.name for t in self.targets]
        if selfplay:
            todo = stp.targets_to_sample(names, solved, rates, self._rng(r), bool(inputs))
            n_model = self.cfg.prover.samples_round0 if r == 0 else self.cfg.prover.samples
        else:  # Sampler_naive (RL_utils.py:561-563), 64 samples every round (run_RL_expert_iter.sh:50)
            todo = [n for n in names if n not in solved]
            n_model = self.cfg.prover.samples_expert_iteration
        todo_set = set(todo)
        scheduled = [self.theorems[n] for n in names if n in todo_set]
        self._sample(scheduled, rd / "targets.jsonl", n_model, self.cfg.prover.portfolio_samples, f"round {r} targets")
        self.run.mark_done(rd, "targets")
        selected: list[stp.ConjectureExample] = []
        conj_stats: dict = {}
        if selfplay:
            conj_theorems = []
            for c in pool:
                t = self._conjecture_theorem(c)
                self.theorems[t.name] = t
                conj_theorems.append(t)
            meta = {c["name"]: {"seed": c["seed"], "lemma": c["lemma"], "source": c["source"]} for c in pool}
            self._sample(
                conj_theorems,
                rd / "conjecture_proofs.jsonl",
                n_model,
                self.cfg.prover.portfolio_samples,
                f"round {r} conjectures",
                extra=lambda t: meta[t.name],
            )
            self.run.mark_done(rd, "conjecture_proofs")
            # C. selection
            selected, funnel = self.select(r, pool)
            conj_stats = self._conjecture_stats(r, pool, selected, funnel)
            conj_stats["counterexamples_found"] = sum(len(x["counterexamples"]) for x in refutations)
            conj_stats["counterexamples_rejected"] = dict(sum((Counter(x["rejected"]) for x in refutations), Counter()))
        # D. training
        ckpt_out, report = self.train(r, ckpt_in, selected)
        # E. held-out evaluation of the new checkpoint
        self.heldout_eval(ckpt_out, rd / "heldout.jsonl", f"round {r} held-out")
        self.run.mark_done(rd, "heldout")
        if not self.metrics.has(r):
            target_recs = self._records(r, "targets.jsonl")
            _, solved_now = self._state(r)
            record = {
                "round": r,
                "mode": self.cfg.mode,
                "checkpoint_in": ckpt_in,
                "checkpoint_out": ckpt_out,
                "targets_total": len(self.targets),
                "targets_sampled": len(target_recs),
                "targets_proved_round": sum(1 for x in target_recs if x["correct"]),
                "targets_proved_cumulative": sum(1 for n in self.by_name if n in solved_now),
                "pass_rate_histogram": pass_rate_histogram([x["pass_rate"] for x in target_recs]),
                "mean_proof_length": _mean(
                    len(p.text) for rows in read_proofs(rd, "targets", ok_only=True).values() for p in rows
                ),
                **conj_stats,
                "train": report,
                **self._heldout_summary(rd / "heldout.jsonl"),
                "seconds": round(time.monotonic() - t0, 1),
            }
            self.metrics.append(record)
            self.say(
                f"round {r}: targets proved {record['targets_proved_cumulative']}/{len(self.targets)}, conjectures "
                f"{conj_stats.get('conjectures_pooled', 0)} sampled / {conj_stats.get('conjectures_selected', 0)} "
                f"selected, held-out {record['heldout_proved']}/{record['heldout_total']}"
            )

    # -- A. conjecture inputs and generation ----------------------------------------------------------------------
    def conjecture_inputs(self, r: int, rates: dict[str, float], rng: np.random.Generator) -> list:
        """STP's conjecture inputs from the verified proofs of original statements in rounds < r."""
        c = self.cfg.conjecturer
        history = [p for q in range(r) for p in self._round_proofs(q) if p.original]
        if c.max_seeds is not None:  # our option: only the first max_seeds seed statements (by name)
            keep = set(sorted({p.name for p in history if p.ok})[: c.max_seeds])
            history = [p for p in history if p.name in keep]
        lemma_statements: dict[str, str] = {}
        for q in range(r):
            for rows in read_proofs(self.run.round(q), "targets", ok_only=True).values():
                for p in rows:
                    lemma_statements.update(p.premises or {})
        settings = stp.InputSettings(
            c.seed_min_pass_rate, c.no_lemma_probability, c.lemma_cap, c.multiplier, c.max_per_input
        )
        keyword = declaration_keyword(self.targets[0].theorem.statement) if self.targets else "theorem"
        weights = {t.theorem.name: self.cfg.targets.matching_weight for t in self.targets}
        return stp.conjecture_inputs(
            history, rates, lemma_statements, len(self.targets), rng, settings, stp_no_lemma(keyword), weights
        )

    def conjecture(self, r: int, inputs: list, rng: np.random.Generator) -> list[dict]:
        """Generate conjectures input by input (one record per input, appended), then STP's pool: deduplicated
        against the targets and each other, at most N. With `checks_enabled` each is checked first (our addition)."""
        import ray

        c = self.cfg.conjecturer
        rd = self.run.round(r)
        k = stp.conjectures_per_input(
            len(self.targets), len(inputs), stp.InputSettings(multiplier=c.multiplier, max_per_input=c.max_per_input)
        )
        checker = None
        if c.checks_enabled:
            checker = ConjectureChecker(self.env, [t.statement for t in self.theorems.values()], c.checks)
        with ResultLog(rd / "conjectures.jsonl", key="input") as log:
            done = log.done()
            for rec in log.records():
                if checker is not None:
                    checker.seen |= {normalize(x["statement"]) for x in rec["conjectures"]}
            for i, inp in enumerate(inputs):
                if str(i) in done:
                    continue
                seed = self.theorems[inp.seed]

                def generate(prompt: str, n: int) -> list[str]:
                    return ray.get(self.workers.policy.generate.remote([prompt], n))[0]

                made, unparsable = model_conjectures(
                    seed, inp.proof, inp.lemma or None, inp.lemma_statement, generate, k, f"conj_r{r}_i{i}"
                )
                log.append(
                    {
                        "input": str(i),
                        **dataclasses.asdict(inp),
                        "unparsable": unparsable,
                        "conjectures": self._checked(made, seed, checker),
                    }
                )
            if c.mutations_per_seed:  # our addition: textual variants of each seed, no lemma
                for s_name in sorted({inp.seed for inp in inputs}):
                    key = f"mutations:{s_name}"
                    if key in done:
                        continue
                    seed = self.theorems[s_name]
                    proof = next((x.proof for x in inputs if x.seed == s_name), "")
                    mut_rng = random.Random(f"{self.cfg.seed}-mutations-{r}-{s_name}")
                    made = mutation_conjectures(seed, c.mutations_per_seed, f"conj_r{r}_{s_name}", mut_rng)
                    inp = stp.ConjectureInput(
                        s_name, seed.statement, proof, stp.NO_LEMMA, stp_no_lemma(declaration_keyword(seed.statement))
                    )
                    log.append(
                        {
                            "input": key,
                            **dataclasses.asdict(inp),
                            "unparsable": 0,
                            "conjectures": self._checked(made, seed, checker),
                        }
                    )
            records = list(log.records())
        order = {str(i): i for i in range(len(inputs))}
        records.sort(key=lambda x: (order.get(x["input"], len(inputs)), x["input"]))
        self._generated = records
        candidates = []
        for rec in records:
            for x in rec["conjectures"]:
                if x["check"] == "ok":
                    candidates.append(
                        {
                            **x,
                            "seed": rec["seed"],
                            "lemma": rec["lemma"],
                            "seed_proof": rec["proof"],
                            "lemma_statement": rec["lemma_statement"],
                        }
                    )
        self._written = {x["name"]: x["written"] for x in candidates}
        targets = [(t.theorem.header, t.theorem.statement) for t in self.targets]
        headers = [self.theorems[x["seed"]].header for x in candidates]
        kept = stp.conjecture_pool(
            [(h, x["written"]) for h, x in zip(headers, candidates)], targets, len(self.targets), rng
        )
        pool = [candidates[i] for i in kept]
        self.run.write_json(rd / "pool.json", {"conjectures_per_input": k, "pool": [x["name"] for x in pool]})
        self.run.mark_done(rd, "conjectures")
        return pool

    def _checked(self, made: list[Conjecture], seed: Theorem, checker) -> list[dict]:
        """Each conjecture as a record with its check: "ok" without checks (STP samples every conjecture)."""
        out = []
        for x in made:
            check = "ok" if checker is None else checker.check(x.theorem(seed))
            out.append({**x.to_dict(), "check": check})
        return out

    def _conjecture_theorem(self, c: dict) -> Theorem:
        seed = self.theorems[c["seed"]]
        return Conjecture(c["name"], c["statement"], c["seed"], c.get("lemma") or None, c.get("source", "")).theorem(
            seed
        )

    def disprove(self, r: int, seed_names: list[str]) -> list[dict]:
        """Our disprove channel (off by default): per seed, false variants (the model's, then mutations) refuted by
        proving their negation at a witness; one record per seed, appended."""
        import ray

        c = self.cfg.conjecturer
        rd = self.run.round(r)
        if not (c.disprove_per_seed or c.disprove_mutations_per_seed):
            return []
        settings = CounterexampleSettings(step_timeout=c.checks.step_timeout)
        seen = {
            normalize(x["statement"])
            for q in range(r + 1)
            for rec in self._records(q, "counterexamples.jsonl")
            for x in rec["counterexamples"]
        }
        with ResultLog(rd / "counterexamples.jsonl", key="seed") as log:
            done = log.done()
            for name in seed_names:
                if name in done:
                    continue
                seed = self.theorems[name]
                candidates: list[Variant] = []
                if c.disprove_per_seed:
                    texts = ray.get(self.workers.policy.generate.remote([disprove_prompt(seed)], c.disprove_per_seed))[
                        0
                    ]
                    for i, text in enumerate(texts):
                        statement = parse_false_variant(text, seed.system)
                        if statement is not None:
                            candidates.append(Variant(rename(statement, f"{name}_r{r}_dis{i}"), "model"))
                unparsable = c.disprove_per_seed - len(candidates)
                candidates += false_variant_candidates(seed, c.disprove_mutations_per_seed)
                found, rejected = [], Counter({"unparsable": unparsable} if unparsable else {})
                for variant in candidates:
                    if normalize(variant.statement) in seen:
                        rejected["duplicate"] += 1
                        continue
                    seen.add(normalize(variant.statement))
                    record, reason = refute(self.env, seed, variant, settings)
                    if record:
                        found.append(record.to_dict())
                    else:
                        rejected[reason] += 1
                log.append({"seed": name, "counterexamples": found, "rejected": dict(rejected)})
            records = list(log.records())
        self.run.mark_done(rd, "disprove")
        return records

    # -- C. selection ---------------------------------------------------------------------------------------------
    def select(self, r: int, pool: list[dict]) -> tuple[list[stp.ConjectureExample], dict]:
        """STP's selection of conjecturer examples (RL_utils.py:464-500, 370-381, 607-638); writes selected.json."""
        s = self.cfg.selection
        rd = self.run.round(r)
        path = rd / "selected.json"
        if path.exists():
            data = json.loads(path.read_text())
            return [stp.ConjectureExample(**x) for x in data["selected"]], data["funnel"]
        inputs = {
            c["name"]: stp.ConjectureInput(
                c["seed"], self.theorems[c["seed"]].statement, c["seed_proof"], c["lemma"], c["lemma_statement"]
            )
            for c in pool
        }
        written = {c["name"]: c["written"] for c in pool}
        headers = {n: t.header for n, t in self.theorems.items()}
        conj = proof_records(rd, "conjecture_proofs", r, self.by_name, headers)
        examples = stp.conjecture_examples(conj, inputs, s.max_pass_rate, s.min_pass_rate, not s.require_lemma_use)
        funnel = {
            "candidates": len({p.name for p in conj}),
            "barely_proved": len(examples),
            "lemma_used": sum(1 for e in examples if e.lemma),
        }
        window = [
            p for q in range(max(0, r - self.cfg.training.window_rounds + 1), r + 1) for p in self._round_proofs(q)
        ]
        examples = stp.elegance_filter(examples, window, s.elegance_drop)
        funnel["elegant"] = len(examples)
        _, solved = self._state(r)
        unsolved = [t.theorem for t in self.targets if t.theorem.name not in solved]
        if examples and unsolved:
            if s.matching == "stp":
                order = list(range(len(unsolved)))
                self._rng(r).shuffle(order)  # RL_utils.py:610-611
                targets = [unsolved[i] for i in order]
                sim = self._similarity([written[e.name] for e in examples], [t.statement for t in targets])
                weights = stp.matching_weights(sim, [self.cfg.targets.matching_weight] * len(targets), s.weight_cap)
                examples = stp.with_weights(examples, weights)
            else:  # our soft weights: nothing dropped
                best = self._similarity([written[e.name] for e in examples], [t.statement for t in unsolved]).max(1)
                weights = [min(s.weight_cap, math.exp(s.similarity_sharpness * (x - best.mean()))) for x in best]
                examples = [dataclasses.replace(e, weight=round(w, 4)) for e, w in zip(examples, weights)]
        elif not unsolved and s.matching == "stp":
            examples = []  # every target solved: nothing to match toward (RL_utils.py:623-637 with M = 0)
        funnel["selected"] = len(examples)
        self.run.write_json(path, {"selected": [dataclasses.asdict(e) for e in examples], "funnel": funnel})
        return examples, funnel

    def _similarity(self, conjectures: list[str], targets: list[str]) -> np.ndarray:
        import ray

        if self.cfg.selection.embedder == "policy":
            a = np.array(ray.get(self.workers.policy.embed.remote(conjectures)))
            b = np.array(ray.get(self.workers.policy.embed.remote(targets)))
        else:
            from retrieval.dense import Encoder

            enc = Encoder(None)
            a, b = np.asarray(enc.encode(conjectures)), np.asarray(enc.encode(targets))
        a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
        b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
        return a @ b.T

    def _conjecture_stats(self, r: int, pool: list[dict], selected, funnel: dict) -> dict:
        rd = self.run.round(r)
        made = [x for rec in self._generated for x in rec["conjectures"]]
        reasons = Counter(x["check"] for x in made)
        reasons["unparsable"] += sum(rec.get("unparsable", 0) for rec in self._generated)
        proofs = read_log(rd / "conjecture_proofs.jsonl")
        distinct = {normalize(x["statement"]) for x in made}
        return {
            "seeds": len({rec["seed"] for rec in self._generated}),
            "conjecture_inputs": sum(1 for rec in self._generated if not str(rec["input"]).startswith("mutations:")),
            "conjectures_generated": len(made) + reasons["unparsable"],
            "conjectures_by_source": dict(Counter(x["source"] for x in made)),
            "conjectures_valid": reasons.get("ok", 0),
            "conjectures_rejected": {k: v for k, v in reasons.items() if k != "ok" and v},
            "conjectures_pooled": len(pool),
            "conjectures_proved": sum(1 for p in proofs if p["correct"]),
            "conjectures_selected": len(selected),
            "selection_funnel": funnel,
            "conjecture_pass_rate_histogram": pass_rate_histogram([p["pass_rate"] for p in proofs]),
            "mean_conjecture_length": _mean(len(x["statement"]) for x in made),
            "diversity": round(len(distinct) / len(made), 4) if made else 0.0,
        }

    # -- D. training ----------------------------------------------------------------------------------------------
    def _prompt(self, p: stp.ProofRecord) -> str:
        return proof_prompt(self.theorems[p.name], self.style)

    def _target(self, p: stp.ProofRecord) -> str:
        return proof_target(p.proof, self.style)

    def conjecturer_examples(self, selected: list[stp.ConjectureExample], known: set) -> list[TrainingExample]:
        """STP's conjecturer examples (RL_step2_train.py:52-76): the training prompt, the conjecture as written."""
        out = []
        written = getattr(self, "_written", {})
        for e in selected:
            seed = self.theorems[e.seed]
            lemma_statement = e.lemma_statement if e.lemma else stp_no_lemma(declaration_keyword(seed.statement))
            prompt = stp_conjecture_training_prompt(seed, e.seed_proof, lemma_statement)
            target = stp_conjecture_target(written.get(e.name, e.statement))
            if (prompt, target) not in known:
                known.add((prompt, target))
                out.append(TrainingExample(prompt, target, e.weight, "conjecturer", "conjecturer"))
        return out

    def train(self, r: int, ckpt_in: str, selected: list[stp.ConjectureExample]) -> tuple[str, dict]:
        rd = self.run.round(r)
        if (rd / "model.json").exists():
            info = json.loads((rd / "model.json").read_text())
            return info["checkpoint_out"], info["report"]
        t = self.cfg.training
        sft = self.cfg.sft
        if self.cfg.mode == "selfplay":
            window = [p for q in range(max(0, r - t.window_rounds + 1), r + 1) for p in self._round_proofs(q)]
            pairs = stp.prover_examples(window, self._prompt, self._target, t.max_pass_rate, t.length_coef, t.time_coef)
            examples = [TrainingExample(x.prompt, x.target, x.weight, "prover", f"round-{r}/proofs") for x in pairs]
            known = {(x.prompt, x.completion) for x in examples}
            if t.conjecturer:
                examples += self.conjecturer_examples(selected, known)
            train_from = ckpt_in  # each round continues from the last (run_RL_steps.sh:81-85)
        else:
            # Expert iteration as STP ran it: RL_step3_final_model.py from the starting checkpoint on the target
            # proofs of every round so far (run_RL_expert_iter.sh:78-85), at least 10 steps.
            rounds = [[p for p in self._round_proofs(q) if p.original] for q in range(r + 1)]
            pairs = stp.final_examples(
                rounds,
                self._prompt,
                self._target,
                np.random.default_rng(2333),
                include_conjectures=False,
                max_proofs=t.final_max_proofs,
                length_coef=t.length_coef,
            )
            examples = [TrainingExample(x.prompt, x.target, x.weight, "prover", f"round-{r}/expert") for x in pairs]
            train_from = self._start_checkpoint()
            sft = dataclasses.replace(sft, min_steps=max(sft.min_steps, t.final_min_steps) if sft.min_steps else 0)
        refuted = [c for x in self._records(r, "counterexamples.jsonl") for c in x["counterexamples"]]
        examples += [e for e in pipeline_examples("counterexamples", refuted) if t.conjecturer or e.role == "prover"]
        if r == 0 and t.traced_examples:
            known_proofs = [(x.theorem, x.known_proof) for x in self.targets if x.known_proof]
            examples += traced_examples(known_proofs, t.traced_examples)
        if r == 0:
            for path in t.extra_examples:
                examples += list(read_examples(Path(path)))
        write_examples(rd / "train.jsonl", examples)
        roles = dict(Counter(e.role for e in examples))
        if not examples:
            report = {"examples": 0, "roles": roles, "skipped": "no training data this round"}
            ckpt_out = ckpt_in
        else:
            partial = rd / "checkpoint.partial"
            result = self.workers.train(rd / "train.jsonl", train_from, partial, sft)
            self.run.publish_checkpoint(partial, self.run.checkpoint(r))
            ckpt_out = str(self.run.checkpoint(r))
            report = {**result.to_dict(), "checkpoint": ckpt_out, "trained_from": train_from, "roles": roles}
        self.run.write_json(rd / "model.json", {"checkpoint_in": ckpt_in, "checkpoint_out": ckpt_out, "report": report})
        return ckpt_out, report

    def final(self) -> None:
        """STP's final model (RL_step3_final_model.py --include_synthetic_examples, run_RL_train.sh): from the base
        model, every round's target proofs and conjecture proofs at <= 0.25, 16 random proofs per statement at most,
        weight exp(-0.001 len), mixed with the library proofs; lr 1e-4, at least 10 steps."""
        fd = self.run.final
        t = self.cfg.training
        if not (fd / "model.json").exists():
            library = self.library_proofs() if t.final_library else []
            known = {(e.prompt, e.completion) for e in library}
            rounds = [self._round_proofs(q) for q in range(self.cfg.rounds)]
            pairs = stp.final_examples(
                rounds,
                self._prompt,
                self._target,
                np.random.default_rng(2333),
                True,
                t.final_max_pass_rate,
                t.final_max_proofs,
                t.length_coef,
                known,
            )
            examples = library + [TrainingExample(x.prompt, x.target, x.weight, "prover", "final") for x in pairs]
            write_examples(fd / "train.jsonl", examples)
            if examples:
                sft = dataclasses.replace(
                    self.cfg.sft,
                    learning_rate=t.final_learning_rate,
                    min_steps=t.final_min_steps if self.cfg.sft.min_steps else 0,
                )
                partial = fd / "checkpoint.partial"
                result = self.workers.train(fd / "train.jsonl", self.base, partial, sft)
                self.run.publish_checkpoint(partial, fd / "checkpoint")
                ckpt = str(fd / "checkpoint")
                report = {**result.to_dict(), "checkpoint": ckpt, "library": len(library)}
            else:
                ckpt, report = self.base, {"examples": 0, "skipped": "no training data"}
            self.run.write_json(
                fd / "model.json", {"checkpoint_in": self.base, "checkpoint_out": ckpt, "report": report}
            )
        ckpt = json.loads((fd / "model.json").read_text())["checkpoint_out"]
        self.heldout_eval(ckpt, fd / "heldout.jsonl", "final held-out")
        if not self.metrics.has("final"):
            self.metrics.log.append(
                {"round": "final", "checkpoint_out": ckpt, **self._heldout_summary(fd / "heldout.jsonl")}
            )

    def _restore_conjecture_theorems(self, r: int) -> None:
        for rec in self._records(r, "conjecture_proofs.jsonl"):
            if rec["name"] not in self.theorems and rec.get("seed") in self.theorems:
                self.theorems[rec["name"]] = self._conjecture_theorem(
                    {
                        "name": rec["name"],
                        "statement": rec["statement"],
                        "seed": rec["seed"],
                        "lemma": rec.get("lemma"),
                        "source": rec.get("source", ""),
                    }
                )


def _mean(values) -> float:
    values = list(values)
    return round(sum(values) / len(values), 1) if values else 0.0


def run_selfplay(config: SelfPlayConfig) -> dict:
    return SelfPlay(config).execute()
