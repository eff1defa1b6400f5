"""The STP loop. Each round: sample proofs for the unsolved targets; pick seeds (proved, pass rate above a threshold)
and lemmas; generate and check conjectures; sample proofs for them; select the barely provable ones; train the one
model on both roles' data; evaluate the new checkpoint on a held-out split. Expert iteration is the same loop without
conjectures. Every stage appends to the run folder as it goes and is skipped once marked done, so a killed run
resumes where it stopped."""

from __future__ import annotations

import json
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Optional

import yaml

from conjecturer import (
    Conjecture,
    ConjectureChecker,
    Outcome,
    embedding_similarity,
    model_conjectures,
    mutation_conjectures,
    disprove_prompt,
    normalize,
    parse_false_variant,
    select_conjectures,
)
from data import ResultLog, read_log
from data.counterexamples import CounterexampleSettings, false_variant_candidates, refute
from data.traced import build_dataset, trace_library
from data.variants import Variant
from itp import Theorem, make_env, system_of
from itp.dialect import rename
from prover.portfolio import PortfolioProofPolicy
from training import init_model, is_checkpoint, read_examples, write_examples

from .config import ConfigError, SelfPlayConfig, to_dict
from .metrics import Metrics, pass_rate_histogram
from .rundir import RunDir
from .sampling import correct_proofs, sample_and_verify
from .statements import Target, benchmark_targets, heldout_theorems, traced_targets
from .trainset import conjecturer_examples, pipeline_examples, proof_examples, traced_examples
from .workers import Workers, start_ray

CONFIG_FILE = "config.yaml"


def save_config(run: RunDir, config: SelfPlayConfig) -> None:
    path = run.root / CONFIG_FILE
    if not path.exists():
        path.write_text(yaml.safe_dump(to_dict(config), sort_keys=False))


class SelfPlay:
    def __init__(self, config: SelfPlayConfig, say: Callable[[str], None] = lambda m: print(m, file=sys.stderr)):
        self.cfg = config
        self.run = RunDir(config.run_dir)
        self.say = say
        self.system = system_of(config.backend)
        self.rng_seed = config.seed

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
        self.env = make_env(self.cfg.backend)
        self.traced_refused = 0
        folder = self.cfg.targets.traced
        if not folder and self.cfg.targets.trace:
            folder = str(self.run.root / "traced")
            if not (Path(folder) / "theorems.jsonl").exists():
                trace_library(
                    self.cfg.backend, Path(folder), self.cfg.targets.trace, workers=self.cfg.ray.verifier_workers
                )
                build_dataset(Path(folder))
        if folder and self.cfg.targets.traced_limit > 0:
            traced, self.traced_refused = traced_targets(folder, self.system, self.env, self.cfg.targets.traced_limit)
            self.targets += traced
        self.by_name = {t.theorem.name: t for t in self.targets}
        self.theorems: dict[str, Theorem] = {t.theorem.name: t.theorem for t in self.targets}
        self.heldout = heldout_theorems(self.cfg.heldout, self.system, set(self.by_name), self.cfg.targets.data_dir)
        self.workers = Workers(self.cfg.backend, self.cfg.ray, self.cfg.prover.verify_timeout)
        self.portfolio = PortfolioProofPolicy(self.env) if self.cfg.prover.portfolio_samples > 0 else None
        self.metrics = Metrics(self.run.root)

    def close(self) -> None:
        for name in ("workers", "env", "metrics"):
            obj = getattr(self, name, None)
            if obj is not None:
                obj.close()

    # -- helpers --------------------------------------------------------------------------------------------------
    def _records(self, r: int, name: str) -> list[dict]:
        return read_log(self.run.round(r) / name)

    def _checkpoint_after(self, r: int) -> str:
        if r < 0:
            return self.base
        info = self.run.round(r) / "model.json"
        if info.exists():
            return json.loads(info.read_text())["checkpoint_out"]
        raise RuntimeError(f"round {r} has no trained model yet")

    def _sample(self, theorems, path: Path, n_model: int, n_portfolio: int, desc: str, extra=None) -> None:
        with ResultLog(path, key="name") as log:
            sample_and_verify(
                theorems,
                log,
                self.workers,
                n_model,
                self.portfolio if n_portfolio else None,
                n_portfolio,
                self.cfg.prover.chunk,
                desc,
                extra,
            )

    def _policy(self, checkpoint: str) -> None:
        self.workers.load_policy(checkpoint, self.cfg.prover, self.cfg.conjecturer.max_new_tokens)

    def _best(self, upto: int) -> dict[str, dict]:
        """Per statement, its best sampling record over rounds 0..upto (targets and conjectures)."""
        best: dict[str, dict] = {}
        for r in range(upto + 1):
            for rec in self._records(r, "targets.jsonl") + self._records(r, "conjecture_proofs.jsonl"):
                if rec["name"] not in best or rec["pass_rate"] > best[rec["name"]]["pass_rate"]:
                    best[rec["name"]] = rec
        return best

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
            self.heldout_eval(self.base, self.run.round(0) / "heldout_base.jsonl", "held-out (base)")
            if not self.metrics.has("base"):
                self.metrics.log.append(
                    {"round": "base", **self._heldout_summary(self.run.round(0) / "heldout_base.jsonl")}
                )
            for r in range(self.cfg.rounds):
                self.round(r)
            if self.cfg.final_retrain:
                self.final()
            summary = {
                "run_dir": str(self.run.root),
                "rounds": self.metrics.rounds(),
                "seconds": round(time.monotonic() - t0, 1),
                "plot": str(self.metrics.plot()),
            }
            return summary
        finally:
            self.close()

    def heldout_eval(self, checkpoint: str, path: Path, desc: str) -> None:
        if self.cfg.heldout.samples <= 0 or not self.heldout:
            return
        self._policy(checkpoint)
        self._sample(self.heldout, path, self.cfg.heldout.samples, 0, desc)

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
        for q in range(r):  # earlier rounds' conjectures can be seeds (and a resumed run has not seen them yet)
            self._restore_conjecture_theorems(q)
        self._policy(ckpt_in)
        # A. targets not proved in an earlier round
        proved_before = {n for n, rec in self._best(r - 1).items() if rec["correct"]} if r else set()
        unsolved = [t.theorem for t in self.targets if t.theorem.name not in proved_before]
        n_model = self.cfg.prover.samples_round0 if r == 0 else self.cfg.prover.samples
        self._sample(unsolved, rd / "targets.jsonl", n_model, self.cfg.prover.portfolio_samples, f"round {r} targets")
        self.run.mark_done(rd, "targets")
        # B-D. conjectures
        selected, seed_info, conj_stats = [], {}, {}
        if self.cfg.mode == "selfplay":
            seeds = self.choose_seeds(r)
            seed_info = {name: (self.theorems[name], proof) for name, proof, _ in seeds}
            conjectures = self.conjecture(r, seeds)
            refutations = self.disprove(r, seeds)
            valid = [c for c in conjectures if c["check"] == "ok"]
            conj_theorems = [
                Conjecture(c["name"], c["statement"], c["seed"], c["lemma"], c["source"], c["edit"]).theorem(
                    self.theorems[c["seed"]]
                )
                for c in valid
            ]
            for t in conj_theorems:
                self.theorems[t.name] = t
            meta = {c["name"]: {"seed": c["seed"], "lemma": c["lemma"], "source": c["source"]} for c in valid}
            self._sample(
                conj_theorems,
                rd / "conjecture_proofs.jsonl",
                self.cfg.prover.samples,
                self.cfg.prover.portfolio_samples,
                f"round {r} conjectures",
                extra=lambda t: meta[t.name],
            )
            self.run.mark_done(rd, "conjecture_proofs")
            selected, dropped = self.select(r, meta)
            conj_stats = self._conjecture_stats(conjectures, rd, selected, dropped)
            conj_stats["counterexamples_found"] = sum(len(x["counterexamples"]) for x in refutations)
            conj_stats["counterexamples_rejected"] = dict(sum((Counter(x["rejected"]) for x in refutations), Counter()))
        # E. training
        ckpt_out, report = self.train(r, ckpt_in, selected, seed_info)
        # F. held-out evaluation of the new checkpoint
        self.heldout_eval(ckpt_out, rd / "heldout.jsonl", f"round {r} held-out")
        self.run.mark_done(rd, "heldout")
        # G. metrics
        if not self.metrics.has(r):
            target_recs = self._records(r, "targets.jsonl")
            best = self._best(r)
            record = {
                "round": r,
                "mode": self.cfg.mode,
                "checkpoint_in": ckpt_in,
                "checkpoint_out": ckpt_out,
                "targets_total": len(self.targets),
                "targets_sampled": len(target_recs),
                "targets_proved_round": sum(1 for x in target_recs if x["correct"]),
                "targets_proved_cumulative": sum(1 for n in self.by_name if best.get(n, {}).get("correct")),
                "pass_rate_histogram": pass_rate_histogram([x["pass_rate"] for x in target_recs]),
                "mean_proof_length": _mean(len(p["text"]) for x in target_recs for p in correct_proofs(x)),
                **conj_stats,
                "train": report,
                **self._heldout_summary(rd / "heldout.jsonl"),
                "seconds": round(time.monotonic() - t0, 1),
            }
            self.metrics.append(record)
            self.say(
                f"round {r}: targets proved {record['targets_proved_cumulative']}/{len(self.targets)}, conjectures "
                f"{conj_stats.get('conjectures_valid', 0)} valid / {conj_stats.get('conjectures_selected', 0)} "
                f"selected, held-out {record['heldout_proved']}/{record['heldout_total']}"
            )

    def choose_seeds(self, r: int) -> list[tuple[str, str, Optional[str]]]:
        """(seed name, its shortest proof, lemma or None): proved statements with pass rate above the threshold, a
        lemma drawn from the premises the seed's known proof used (none with probability p), each lemma capped."""
        c = self.cfg.conjecturer
        rng = random.Random(f"{self.rng_seed}-seeds-{r}")
        best = self._best(r)
        candidates = sorted(n for n, rec in best.items() if rec["correct"] and rec["pass_rate"] > c.seed_min_pass_rate)
        rng.shuffle(candidates)
        if c.max_seeds is not None:
            candidates = candidates[: c.max_seeds]
        cap = max(1, int(c.lemma_cap * len(candidates)))
        used: Counter[str] = Counter()
        seeds = []
        for name in candidates:
            proof = correct_proofs(best[name])[0]["text"]
            lemma = None
            target = self.by_name.get(name)
            pool = [p for p in (target.premises if target else []) if used[p] < cap]
            if pool and rng.random() >= c.no_lemma_probability:
                lemma = rng.choice(pool)
                used[lemma] += 1
            seeds.append((name, proof, lemma))
        return seeds

    def conjecture(self, r: int, seeds) -> list[dict]:
        """Generate and check conjectures seed by seed (one record per seed, appended); returns all of them."""
        import ray

        c = self.cfg.conjecturer
        rd = self.run.round(r)
        known = [t.statement for t in self.theorems.values()]
        with ResultLog(rd / "conjectures.jsonl", key="seed") as log:
            done = log.done()
            for rec in log.records():
                known += [x["statement"] for x in rec["conjectures"]]
            checker = ConjectureChecker(self.env, known, c.checks)
            rng = random.Random(f"{self.rng_seed}-mutations-{r}")
            for i, (name, proof, lemma) in enumerate(seeds):
                if name in done:
                    continue
                seed = self.theorems[name]
                prefix = f"conj_r{r}_s{i}"

                def generate(prompt: str, n: int) -> list[str]:
                    return ray.get(self.workers.policy.generate.remote([prompt], n))[0]

                made, unparsable = model_conjectures(seed, proof, lemma, generate, c.per_seed, prefix)
                made += mutation_conjectures(seed, c.mutations_per_seed, prefix, rng)
                checked = [dict(x.to_dict(), check=checker.check(x.theorem(seed))) for x in made]
                log.append({"seed": name, "lemma": lemma, "unparsable": unparsable, "conjectures": checked})
            records = list(log.records())
        self.run.mark_done(rd, "conjectures")
        self._generated = records
        return [x for rec in records for x in rec["conjectures"]]

    def disprove(self, r: int, seeds) -> list[dict]:
        """The disprove channel: per seed, false variants (the model's, then mutations) refuted by proving their
        negation at a witness; one record per seed, appended."""
        import ray

        c = self.cfg.conjecturer
        rd = self.run.round(r)
        if not (c.disprove_per_seed or c.disprove_mutations_per_seed):
            return []
        settings = CounterexampleSettings(step_timeout=c.checks.step_timeout)
        # A variant refuted in an earlier round (or earlier in this one) is not refuted, or trained on, again.
        seen = {
            normalize(x["statement"])
            for q in range(r + 1)
            for rec in self._records(q, "counterexamples.jsonl")
            for x in rec["counterexamples"]
        }
        with ResultLog(rd / "counterexamples.jsonl", key="seed") as log:
            done = log.done()
            for name, _, _ in seeds:
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

    def select(self, r: int, meta: dict) -> tuple[list, dict]:
        rd = self.run.round(r)
        recs = self._records(r, "conjecture_proofs.jsonl")
        outcomes = [
            Outcome(
                x["name"],
                x["statement"],
                x.get("lemma"),
                x["samples"],
                x["correct"],
                [p["text"] for p in correct_proofs(x)],
            )
            for x in recs
        ]
        best = self._best(r)
        unsolved = [t.theorem.statement for t in self.targets if not best.get(t.theorem.name, {}).get("correct")]
        candidates = [o for o in outcomes if 0 < o.pass_rate < self.cfg.selection.max_pass_rate]
        similarity = embedding_similarity() if candidates and unsolved else None
        selected, dropped = select_conjectures(outcomes, self.cfg.selection, unsolved, similarity)
        self.run.write_json(
            rd / "selected.json",
            {
                "selected": [
                    {
                        "name": s.outcome.name,
                        "weight": s.weight,
                        "pass_rate": s.outcome.pass_rate,
                        "seed": meta.get(s.outcome.name, {}).get("seed"),
                        "statement": s.outcome.statement,
                    }
                    for s in selected
                ],
                "dropped": dropped,
            },
        )
        for s in selected:
            s.seed = meta.get(s.outcome.name, {}).get("seed")
        return selected, dropped

    def _conjecture_stats(self, conjectures: list[dict], rd: Path, selected, dropped) -> dict:
        generated = len(conjectures) + sum(rec["unparsable"] for rec in self._generated)
        reasons = Counter(c["check"] for c in conjectures)
        reasons["unparsable"] += sum(rec["unparsable"] for rec in self._generated)
        proofs = read_log(rd / "conjecture_proofs.jsonl")
        distinct = {normalize(c["statement"]) for c in conjectures}
        return {
            "seeds": len(self._generated),
            "conjectures_generated": generated,
            "conjectures_by_source": dict(Counter(c["source"] for c in conjectures)),
            "conjectures_valid": reasons.get("ok", 0),
            "conjectures_rejected": {k: v for k, v in reasons.items() if k != "ok"},
            "conjectures_proved": sum(1 for p in proofs if p["correct"]),
            "conjectures_selected": len(selected),
            "selection_dropped": dropped,
            "conjecture_pass_rate_histogram": pass_rate_histogram([p["pass_rate"] for p in proofs]),
            "mean_conjecture_length": _mean(len(c["statement"]) for c in conjectures),
            "diversity": round(len(distinct) / len(conjectures), 4) if conjectures else 0.0,
        }

    def train(self, r: int, ckpt_in: str, selected, seed_info) -> tuple[str, dict]:
        rd = self.run.round(r)
        if (rd / "model.json").exists():
            info = json.loads((rd / "model.json").read_text())
            return info["checkpoint_out"], info["report"]
        t = self.cfg.training
        examples = proof_examples(self._records(r, "targets.jsonl"), self.theorems, t, f"round-{r}/targets")
        if selected:
            weights = {s.outcome.name: s.weight for s in selected}
            chosen = [x for x in self._records(r, "conjecture_proofs.jsonl") if x["name"] in weights]
            # Selected conjectures are barely provable by construction: their pass-rate filter is the selection's.
            examples += proof_examples(
                chosen, self.theorems, t, f"round-{r}/conjectures", max_pass_rate=1.0, statement_weights=weights
            )
            if t.conjecturer:
                seed_of = {s.outcome.name: s.seed for s in selected}
                examples += conjecturer_examples(selected, seed_info, seed_of, f"round-{r}/conjecturer")
        refuted = [c for x in self._records(r, "counterexamples.jsonl") for c in x["counterexamples"]]
        examples += [e for e in pipeline_examples("counterexamples", refuted) if t.conjecturer or e.role == "prover"]
        if r == 0 and t.traced_examples:
            known = [(x.theorem, x.known_proof) for x in self.targets if x.known_proof]
            examples += traced_examples(known, t.traced_examples)
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
            result = self.workers.train(rd / "train.jsonl", ckpt_in, partial, self.cfg.sft)
            self.run.publish_checkpoint(partial, self.run.checkpoint(r))
            ckpt_out = str(self.run.checkpoint(r))
            report = {**result.to_dict(), "checkpoint": ckpt_out, "roles": roles}
        self.run.write_json(rd / "model.json", {"checkpoint_in": ckpt_in, "checkpoint_out": ckpt_out, "report": report})
        return ckpt_out, report

    def final(self) -> None:
        """Re-train from the base model on every round's data (rarely proved statements, capped proofs each)."""
        fd = self.run.final
        t = self.cfg.training
        if not (fd / "model.json").exists():
            examples = []
            for r in range(self.cfg.rounds):
                selected = {}
                sel_path = self.run.round(r) / "selected.json"
                if sel_path.exists():
                    selected = {s["name"]: s["weight"] for s in json.loads(sel_path.read_text())["selected"]}
                recs = self._records(r, "targets.jsonl") + [
                    x for x in self._records(r, "conjecture_proofs.jsonl") if x["name"] in selected
                ]
                self._restore_conjecture_theorems(r)
                examples += proof_examples(
                    recs, self.theorems, t, f"final/round-{r}", t.final_max_pass_rate, t.final_max_proofs, selected
                )
            if t.traced_examples:
                known = [(x.theorem, x.known_proof) for x in self.targets if x.known_proof]
                examples += traced_examples(known, t.traced_examples)
            write_examples(fd / "train.jsonl", examples)
            if examples:
                partial = fd / "checkpoint.partial"
                result = self.workers.train(fd / "train.jsonl", self.base, partial, self.cfg.sft)
                self.run.publish_checkpoint(partial, fd / "checkpoint")
                ckpt, report = str(fd / "checkpoint"), result.to_dict()
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
                seed = self.theorems[rec["seed"]]
                self.theorems[rec["name"]] = Conjecture(
                    rec["name"], rec["statement"], rec["seed"], rec.get("lemma"), rec.get("source", "")
                ).theorem(seed)


def _mean(values) -> float:
    values = list(values)
    return round(sum(values) / len(values), 1) if values else 0.0


def run_selfplay(config: SelfPlayConfig) -> dict:
    return SelfPlay(config).execute()
