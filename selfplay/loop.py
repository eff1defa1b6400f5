"""The STP loop, as STP's own code runs it (kfdong/STP `RL/`; the steps are in `selfplay/stp.py`).

Before the rounds, stage 1 fine-tunes the base model on conjecture examples and library proofs. Each round then:
A. conjecture inputs from the earlier rounds' verified proofs of original statements (best pass rate > 0.35), one
   per premise the proof invokes (a library theorem: STP's theorem_dict) and "no lemma" with p = 0.5; the
   conjecturer writes conjectures; duplicates are dropped, at most N (the number of targets) kept, and those proved
   in an earlier round dropped;
B. the unsolved targets (and solved ones again when their pass rate is below 0.35, or 5% of the others) and the
   conjectures are sampled with the same number of samples each, verified, and each verified proof's premises read
   from the proof assistant; (B2, ours, when `memory.enabled`) the tactic memory learns the verified proofs; (B3,
   ours, when `order.enabled`) the learned search order learns them and a short search on unproved targets;
C. selection: conjectures proved with pass rate below 0.25 (relabelled "no lemma" when their proofs do not invoke
   the lemma), the least elegant fifth per lemma group dropped, then matched to the unsolved targets (weights;
   unmatched ones dropped);
D. training, continuing from the round's checkpoint, on every verified proof of the last 3 rounds with pass rate
   <= 0.5 and on the selected conjectures as the conjecturer's completions;
E. held-out evaluation of the new checkpoint (the model alone; E2, ours, with `heldout.search_budget`: best-first
   search with the mixture of the model, the memory and the portfolio) and one metrics line.
Expert iteration samples the unsolved targets only and re-trains from the starting checkpoint on all rounds' target
proofs. The final model is re-trained from the base model on every round's data plus the library proofs.
Every stage appends to the run folder as it goes and is skipped once done, so a killed run resumes where it stopped.
Each stage is a module of `selfplay/stages/` passing typed records (`selfplay/records.py`); they share a `Context`
(`selfplay/context.py`): the configuration, the run folder's history, the statements and the workers.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable

import yaml

from stp_prover.data.traced import build_dataset, trace_library
from stp_prover.itp import ItpConfig, make_env, system_of
from stp_prover.prover.portfolio import PortfolioProofPolicy
from stp_prover.settings import ConfigError, to_dict
from stp_prover.training import TrainingExample, init_model, is_checkpoint, write_examples

from . import stage1 as stage1_data
from .cluster import ClusterReport
from .config import SelfPlayConfig
from .context import Context, make_check_pool
from .logs import BestIndex
from .metrics import Metrics
from .records import ConjectureRound, Selection
from .rundir import RunDir
from .stages.conjecture import run_conjecture_stage
from .stages.evaluation import heldout_eval, heldout_summary, round_metrics
from .stages.heldout_search import heldout_search, search_summary
from .stages.memory import learn_round, open_run_memory
from .stages.order import learn_order_round, open_run_order
from .stages.sample import run_sampling_stage
from .stages.selection import run_selection_stage
from .stages.training import run_final_training, run_training_stage
from .statements import benchmark_targets, heldout_theorems, traced_targets
from .workers import Workers, start_ray

CONFIG_FILE = "config.yaml"


def save_config(run: RunDir, config: SelfPlayConfig) -> None:
    path = run.root / CONFIG_FILE
    if not path.exists():
        path.write_text(yaml.safe_dump(to_dict(config), sort_keys=False))


class SelfPlay:
    """The run: set-up, stage 1, the rounds (stages A to E), the final model."""

    def __init__(self, config: SelfPlayConfig, say: Callable[[str], None] = lambda m: print(m, file=sys.stderr)):
        self.cfg = config
        self.run = RunDir(config.run_dir)
        self.say = say
        self.system = system_of(config.backend)
        self.ctx: Context | None = None
        self.metrics: Metrics | None = None
        self.report = ClusterReport()  # placement, peak memory, phase times and processes of the run

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

    def setup(self) -> Context:
        targets = benchmark_targets(self.cfg.targets, self.system)  # bad input fails first
        base = self.base_checkpoint()
        save_config(self.run, self.cfg)
        start_ray(self.cfg.ray)
        itp_config = self.cfg.itp.apply(ItpConfig())
        env = make_env(self.cfg.backend, itp_config)
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
            traced, self.traced_refused = traced_targets(
                folder, self.system, env, self.cfg.targets.traced_limit, self.cfg.targets.matching_weight
            )
            targets += traced
        names = {t.theorem.name for t in targets}
        heldout = heldout_theorems(self.cfg.heldout, self.system, names, self.cfg.targets.data_dir)
        workers = Workers(self.cfg.backend, self.cfg.ray, self.cfg.prover.verify_timeout, itp_config, self.report)
        portfolio = PortfolioProofPolicy(env) if self.cfg.prover.portfolio_samples > 0 else None
        self.metrics = Metrics(self.run.root)
        self.ctx = Context(
            cfg=self.cfg,
            run=self.run,
            itp_config=itp_config,
            env=env,
            workers=workers,
            targets=targets,
            heldout=heldout,
            base=base,
            index=BestIndex(self.run.root),
            portfolio=portfolio,
            traced_folder=folder or None,
            say=self.say,
            checks=make_check_pool(self.cfg, itp_config),
            memory=open_run_memory(self.cfg.memory, self.run.root),
            order=open_run_order(self.cfg.order, self.run.root),
        )
        return self.ctx

    def close(self) -> None:
        if self.ctx is not None:
            self.ctx.close()
        if self.metrics is not None:
            self.metrics.close()

    # -- the loop -------------------------------------------------------------------------------------------------
    def execute(self) -> dict:
        """Run (or resume) the whole run; the summary carries the rounds' metrics and the cluster report: placement,
        phase_seconds, peak_rss_mib, and orphans (tracked processes alive after the run closed: must be 0)."""
        t0 = time.monotonic()
        ctx = self.setup()
        phase = self.report.phase
        try:
            self.say(
                f"selfplay: {len(ctx.targets)} targets ({self.traced_refused} traced theorems refused: their "
                f"statements do not elaborate alone), {len(ctx.heldout)} held-out, mode {self.cfg.mode}, "
                f"run folder {self.run.root}"
            )
            with phase("stage1"):
                self.stage1()
            start = ctx.start_checkpoint()
            rd0 = self.run.round(0)
            with phase("heldout"):
                heldout_eval(ctx, start, rd0 / "heldout_base.jsonl", "held-out (start)")
                heldout_search(ctx, None, rd0 / "heldout_search_portfolio.jsonl", "portfolio")
                heldout_search(ctx, start, rd0 / "heldout_search_base.jsonl", "mixture")
            if not self.metrics.has("base"):
                summary = heldout_summary(rd0 / "heldout_base.jsonl").to_dict()
                summary |= search_summary(rd0 / "heldout_search_portfolio.jsonl", "heldout_portfolio")
                summary |= search_summary(rd0 / "heldout_search_base.jsonl", "heldout_mixture")
                memory = {"memory_entries": len(ctx.memory)} if ctx.memory is not None else {}
                self.metrics.log.append({"round": "base", "checkpoint": start, **summary, **memory})
            for r in range(self.cfg.rounds):
                self.round(r)
            if self.cfg.final_retrain and ctx.mode.final_retrain:
                with phase("final"):
                    self.final()
            summary = {"run_dir": str(self.run.root), "rounds": self.metrics.rounds(), "plot": str(self.metrics.plot())}
        finally:
            self.close()
        summary |= self.report.summary()
        # Verification streams inside sampling (selfplay/sampling.py): its time overlaps the sampling phase.
        verify = sum(s.get("verify_call_seconds", 0.0) for s in ctx.sampling_stats)
        summary["phase_seconds"]["verification (within sampling and heldout)"] = round(verify, 2)
        left = self.report.orphans()
        summary |= {"orphans": sum(len(v) for v in left.values()), "orphan_pids": left}
        summary["seconds"] = round(time.monotonic() - t0, 1)
        return summary

    # -- stage 1 --------------------------------------------------------------------------------------------------
    def _library(self) -> list[stage1_data.LibraryTheorem]:
        folder = self.cfg.stage1.traced or self.ctx.traced_folder
        if not folder or not (Path(folder) / "theorems.jsonl").exists():
            return []
        return stage1_data.library_theorems(folder, self.system)

    def library_proofs(self) -> list[TrainingExample]:
        return stage1_data.library_proof_examples(self._library(), self.ctx.style, self.cfg.stage1.limit)

    def stage1(self) -> None:
        """Fine-tune the base model on conjecture examples and library proofs (STP's SFT, run_SFT.sh)."""
        ctx = self.ctx
        s = self.cfg.stage1
        folder = self.run.root / "stage1"
        folder.mkdir(exist_ok=True)
        if not s.enabled or (folder / "model.json").exists():
            return
        library = self._library()
        examples: list[TrainingExample] = []
        if s.conjectures:
            examples += stage1_data.conjecture_examples(library, s.limit, fixed_header=self.cfg.prover.prompt_header)
        if s.library_proofs:
            examples += stage1_data.library_proof_examples(library, ctx.style, s.limit)
        write_examples(folder / "train.jsonl", examples)
        if not examples:
            report = {"examples": 0, "skipped": "no traced library to build stage-1 data from"}
            ckpt = ctx.base
        else:
            sft = stage1_data.stage1_sft_settings(self.cfg.sft, s.learning_rate, s.warmup_steps, s.epochs, s.steps)
            partial = folder / "checkpoint.partial"
            result = ctx.workers.train(folder / "train.jsonl", ctx.base, partial, sft)
            self.run.publish_checkpoint(partial, folder / "checkpoint")
            ckpt = str(folder / "checkpoint")
            report = {**result.to_dict(), "checkpoint": ckpt, "roles": dict(Counter(e.role for e in examples))}
        self.run.write_json(
            folder / "model.json", {"checkpoint_in": ctx.base, "checkpoint_out": ckpt, "report": report}
        )
        self.say(f"stage 1: {report.get('examples', 0)} examples ({report.get('roles', {})})")

    # -- rounds ---------------------------------------------------------------------------------------------------
    def round(self, r: int) -> None:
        """Stages A to E of round r, each skipped where the run folder says it is done."""
        ctx = self.ctx
        rd = self.run.round(r)
        t0 = time.monotonic()
        ckpt_in = ctx.checkpoint_after(r - 1)
        for q in range(r):
            ctx.restore_conjecture_theorems(q)
        rates, solved = ctx.state(r - 1)
        phase = self.report.phase
        ctx.load_policy(ckpt_in)
        conjectures = ConjectureRound()
        if ctx.mode.conjectures:  # A
            with phase("conjecturing"):
                conjectures = run_conjecture_stage(ctx, r, rates, ctx.rng(r))
        with phase("sampling"):
            run_sampling_stage(ctx, r, solved, rates, conjectures)  # B
        with phase("memory"):
            learned = learn_round(ctx, r)  # B2
        with phase("order"):
            learned |= learn_order_round(ctx, r)  # B3
        selection = Selection([], {})
        if ctx.mode.conjectures:  # C
            with phase("selection"):
                selection = run_selection_stage(ctx, r, conjectures)
        with phase("training"):
            trained = run_training_stage(ctx, r, ckpt_in, selection, conjectures)  # D
        with phase("heldout"):
            heldout_eval(ctx, trained.checkpoint_out, rd / "heldout.jsonl", f"round {r} held-out")  # E
            heldout_search(ctx, trained.checkpoint_out, rd / "heldout_search.jsonl", "mixture")  # E2
        self.run.mark_done(rd, "heldout")
        if not self.metrics.has(r):
            record = round_metrics(ctx, r, trained, conjectures, selection, time.monotonic() - t0)
            record |= learned | search_summary(rd / "heldout_search.jsonl", "heldout_mixture")
            self.metrics.append(record)
            self.say(
                f"round {r}: targets proved {record['targets_proved_cumulative']}/{len(ctx.targets)}, conjectures "
                f"{record.get('conjectures_pooled', 0)} sampled / {record.get('conjectures_selected', 0)} "
                f"selected, held-out {record['heldout_proved']}/{record['heldout_total']}"
            )

    def final(self) -> None:
        """The final model from the base model on every round's data and the library proofs, then held-out."""
        ctx = self.ctx
        fd = self.run.final
        library = self.library_proofs() if self.cfg.training.final_library else []
        trained = run_final_training(ctx, library)
        heldout_eval(ctx, trained.checkpoint_out, fd / "heldout.jsonl", "final held-out")
        if not self.metrics.has("final"):
            summary = heldout_summary(fd / "heldout.jsonl").to_dict()
            self.metrics.log.append({"round": "final", "checkpoint_out": trained.checkpoint_out, **summary})


def run_selfplay(config: SelfPlayConfig) -> dict:
    return SelfPlay(config).execute()
