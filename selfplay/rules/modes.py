"""Modes (`mode`): how the rounds run. A mode bundles its decisions in one `Mode`; a new one is one
`MODES.add("name", Mode(...))`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np

from stp_prover.training import TrainingExample

from .. import stp
from .registry import Registry

if TYPE_CHECKING:
    from ..config import ProverSettings, SelfPlayConfig
    from ..context import Context


@dataclass(frozen=True)
class Mode:
    """What a mode decides: which stages run, what is sampled, what trains and from where."""

    conjectures: bool  # stages A and C run: conjectures are written, sampled, selected and trained on
    schedule: str  # the target schedule (rules/schedules.py) when the config's `targets.schedule` is unset
    samples: Callable[["ProverSettings", int], int]  # model samples per statement in round r
    prover_data: Callable[["Context", int], list[TrainingExample]]  # round r's prover examples
    # True: round r trains from round r - 1's checkpoint; False: from the starting checkpoint, at least
    # `training.final_min_steps` steps.
    continue_training: bool
    final_retrain: bool  # the final model is re-trained from the base (when the config's `final_retrain` is on too)


MODES: Registry[Mode] = Registry("mode")


def schedule_of(cfg: "SelfPlayConfig") -> str:
    """The name of the run's target schedule: the config's `targets.schedule`, else its mode's."""
    return cfg.targets.schedule or MODES.get(cfg.mode).schedule


def stp_samples(prover: "ProverSettings", r: int) -> int:
    """STP: 64 samples per statement in round 0, 32 after (run_RL_steps.sh:46-51)."""
    return prover.samples_round0 if r == 0 else prover.samples


def expert_iteration_samples(prover: "ProverSettings", r: int) -> int:
    """Expert iteration: the same number every round (run_RL_expert_iter.sh:50)."""
    return prover.samples_expert_iteration


def window_proofs(ctx: "Context", r: int) -> list[TrainingExample]:
    """STP's prover data (RL_step2_train.py:134-155): every verified proof of the last rounds, targets and
    conjectures, whose statement's pass rate over them is at most `training.max_pass_rate`."""
    t = ctx.cfg.training
    pairs = stp.prover_examples(
        ctx.window_proofs(r), ctx.proof_prompt, ctx.proof_target, t.max_pass_rate, t.length_coef, t.time_coef
    )
    return [TrainingExample(x.prompt, x.target, x.weight, "prover", f"round-{r}/proofs") for x in pairs]


def all_target_proofs(ctx: "Context", r: int) -> list[TrainingExample]:
    """Expert iteration's (run_RL_expert_iter.sh:78-85): the target proofs of every round so far, as the final model
    takes them (RL_step3_final_model.py)."""
    t = ctx.cfg.training
    rounds = [[p for p in ctx.round_proofs(q) if p.original] for q in range(r + 1)]
    pairs = stp.final_examples(
        rounds,
        ctx.proof_prompt,
        ctx.proof_target,
        np.random.default_rng(2333),
        include_conjectures=False,
        max_proofs=t.final_max_proofs,
        length_coef=t.length_coef,
    )
    return [TrainingExample(x.prompt, x.target, x.weight, "prover", f"round-{r}/expert") for x in pairs]


MODES.add(
    "selfplay",
    Mode(
        conjectures=True,
        schedule="stp",
        samples=stp_samples,
        prover_data=window_proofs,
        continue_training=True,  # run_RL_steps.sh:81-85
        final_retrain=True,
    ),
)
MODES.add(
    "expert_iteration",
    Mode(
        conjectures=False,
        schedule="unsolved",
        samples=expert_iteration_samples,
        prover_data=all_target_proofs,
        continue_training=False,
        final_retrain=False,
    ),
)
