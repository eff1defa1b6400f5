"""Self-play rules are plug-ins: a matching, an embedder, a target schedule and a mode registered from this file
alone are accepted by the configuration and used by the selection, sampling and training stages."""

from __future__ import annotations

import contextlib
import dataclasses
from collections import Counter

import numpy as np
import pytest
import yaml

from stp_prover.itp import ItpConfig, Theorem, make_env
from stp_prover.selfplay import EMBEDDERS, MATCHINGS, MODES, SCHEDULES, ConfigError, Mode, load_config, rules
from stp_prover.selfplay.context import Context, make_check_pool
from stp_prover.selfplay.logs import BestIndex, ProofRow, SampleLog, StatementSummary
from stp_prover.selfplay.records import ConjectureRound, PooledConjecture, Selection
from stp_prover.selfplay.rundir import RunDir
from stp_prover.selfplay.stages.sample import model_samples, targets_to_sample
from stp_prover.selfplay.stages.selection import run_selection_stage
from stp_prover.selfplay.stages.training import round_examples
from stp_prover.selfplay.statements import Target
from stp_prover.training import TrainingExample


# -- the toy rules ------------------------------------------------------------------------------------------------
def operator_counts(ctx, texts):
    """Toy embedder: how often each statement uses +, * and -."""
    return np.array([[t.count("+"), t.count("*"), t.count("-")] for t in texts], dtype=float)


def nearest_conjecture(ctx, r, examples, texts, unsolved):
    """Toy matching: a conjecture's weight is the number of unsolved targets it is the nearest conjecture to."""
    sim = rules.similarity(ctx, texts, [t.statement for t in unsolved])
    wins = Counter(int(i) for i in sim.argmax(0))
    return [dataclasses.replace(e, weight=float(wins[i])) for i, e in enumerate(examples) if wins[i]]


def solved_only(ctx, r, names, solved, rates, have_inputs):
    """Toy schedule: only the targets solved already."""
    return [n for n in names if n in solved]


def toy_prover_data(ctx, r):
    """Toy mode's prover data: one example per target, its statement as the completion."""
    return [TrainingExample(f"round {r}", t.theorem.statement, 1.0, "prover", "toy") for t in ctx.targets]


TOY_MODE = Mode(
    conjectures=False,
    schedule="toy-solved-only",
    samples=lambda prover, r: 3 + r,
    prover_data=toy_prover_data,
    continue_training=True,
    final_retrain=False,
)


@contextlib.contextmanager
def toy_registrations():
    """Register the toy rules as a plug-in would, and take them out again on exit."""
    added = [
        (EMBEDDERS, "toy-operators", operator_counts),
        (MATCHINGS, "toy-nearest", nearest_conjecture),
        (SCHEDULES, "toy-solved-only", solved_only),
        (MODES, "toy-mode", TOY_MODE),
    ]
    for registry, name, entry in added:
        registry.add(name, entry)
    try:
        yield
    finally:
        for registry, name, _ in added:
            registry.remove(name)


@pytest.fixture
def toy_rules():
    with toy_registrations():
        yield


# -- a small run folder -------------------------------------------------------------------------------------------
TARGETS = {
    "t_add": "Theorem t_add (n : nat) : n + 0 = n.",
    "t_mul": "Theorem t_mul (n : nat) : n * 1 = n.",
    "t_sub": "Theorem t_sub (n : nat) : n - 0 = n.",  # solved in round 0
}
CONJECTURES = {
    "c_add": "Theorem c_add (m : nat) : 0 + m + 0 = m.",
    "c_mul": "Theorem c_mul (m : nat) : m * 1 * 1 = m.",
    "c_sub": "Theorem c_sub (m : nat) : m - 0 - 0 = m.",  # nearest to the solved target only
}


def _config(tmp_path, run="run", **settings):
    path = tmp_path / "config.yaml"
    data = {"run_dir": str(tmp_path / run), "model": {"init": {"kind": "tiny-gpt2"}}, "stage1": {"enabled": False}}
    path.write_text(yaml.safe_dump(data))
    overrides: dict = {}
    for key, value in settings.items():
        node = overrides
        *parents, last = key.split("__")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return load_config(path, overrides)


@pytest.fixture
def context(tmp_path):
    """A real context over a run folder whose round 1 logged three conjectures, each proved once in 8 samples; the
    target t_sub was solved in round 0. Ray is not started: the toy rules never ask the workers."""
    made = []

    def make(**settings) -> Context:
        cfg = _config(tmp_path, f"run-{len(made)}", **settings)
        run = RunDir(cfg.run_dir)
        index = BestIndex(run.root)
        index.update(0, [StatementSummary("t_sub", TARGETS["t_sub"], 8, 1, 8, 1.0, "Proof. lia. Qed.", None, "")])
        with SampleLog(run.round(1), "conjecture_proofs") as log:
            for name, statement in CONJECTURES.items():
                meta = {"seed": name.replace("c_", "t_"), "lemma": None, "source": "model"}
                summary = StatementSummary(name, statement, 8, 2, 1, 0.125, "Proof. lia. Qed.", None, "", meta)
                rows = [ProofRow(name, "Proof. lia. Qed.", 1, True, premises={})]
                rows.append(ProofRow(name, "Proof. x. Qed.", 7, False))
                log.append([(summary, rows)])
        itp_config = ItpConfig()
        ctx = Context(
            cfg=cfg,
            run=run,
            itp_config=itp_config,
            env=make_env("coq", itp_config),
            workers=None,
            targets=[Target(Theorem(n, "coq", "", s)) for n, s in TARGETS.items()],
            heldout=[],
            base=str(run.root / "base"),
            index=index,
            portfolio=None,
            traced_folder=None,
            say=lambda m: None,
            checks=make_check_pool(cfg, itp_config),
        )
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()


def _pool() -> ConjectureRound:
    return ConjectureRound(
        pool=[
            PooledConjecture(n, s, s, n.replace("c_", "t_"), None, "model", "Proof. lia. Qed.", "")
            for n, s in CONJECTURES.items()
        ]
    )


# -- the tests ----------------------------------------------------------------------------------------------------
def test_a_config_naming_registered_rules_validates_and_unknown_names_list_the_known(tmp_path, toy_rules):
    cfg = _config(
        tmp_path,
        selection__matching="toy-nearest",
        selection__embedder="toy-operators",
        targets__schedule="toy-solved-only",
    )
    assert (cfg.selection.matching, cfg.selection.embedder, cfg.targets.schedule) == (
        "toy-nearest",
        "toy-operators",
        "toy-solved-only",
    )
    assert rules.schedule_of(_config(tmp_path, mode="toy-mode")) == "toy-solved-only"  # the mode's own schedule
    with pytest.raises(ConfigError, match=r"selection.matching: 'nope' is not one of stp, soft, toy-nearest"):
        _config(tmp_path, selection__matching="nope")
    with pytest.raises(ConfigError, match=r"targets.schedule: 'nope' is not one of stp, unsolved, toy-solved-only"):
        _config(tmp_path, targets__schedule="nope")
    with pytest.raises(ValueError, match="needs a new name"):
        MATCHINGS.add("stp", nearest_conjecture)  # a plug-in cannot replace a built-in


def test_the_built_in_rules_are_what_the_modes_name_and_a_plug_in_leaves_no_trace(tmp_path):
    assert rules.schedule_of(_config(tmp_path)) == "stp"
    assert rules.schedule_of(_config(tmp_path, mode="expert_iteration")) == "unsolved"
    with toy_registrations():
        assert _config(tmp_path, mode="toy-mode").mode == "toy-mode"
    with pytest.raises(ConfigError, match=r"mode: 'toy-mode' is not one of selfplay, expert_iteration$"):
        _config(tmp_path, mode="toy-mode")
    with pytest.raises(rules.UnknownRule, match="unknown embedder 'toy-operators'; choose one of policy, minilm$"):
        EMBEDDERS.get("toy-operators")


def test_selection_matches_with_the_registered_matching_and_embedder(context, toy_rules):
    ctx = context(selection__matching="toy-nearest", selection__embedder="toy-operators")
    selection = run_selection_stage(ctx, 1, _pool())
    # t_add's nearest conjecture is c_add, t_mul's is c_mul; c_sub is nearest only to t_sub, solved, so unmatched.
    # STP's matching would have given 3/2 each (N/M), and the policy embedder would have asked the (absent) workers.
    assert {e.name: e.weight for e in selection.examples} == {"c_add": 1.0, "c_mul": 1.0}
    assert selection.funnel == {"candidates": 3, "barely_proved": 3, "lemma_used": 0, "elegant": 3, "selected": 2}
    assert (ctx.run.round(1) / "selected.json").is_file()


def test_sampling_and_training_follow_the_registered_schedule_and_mode(context, toy_rules):
    ctx = context(mode="toy-mode")
    rates, solved = ctx.state(0)
    # The toy schedule samples the solved target only; STP's would sample t_add and t_mul (and t_sub below 0.35).
    assert [t.name for t in targets_to_sample(ctx, 1, solved, rates, have_inputs=True)] == ["t_sub"]
    assert model_samples(ctx, 2) == 5
    examples = round_examples(ctx, 1, Selection([], {}), ConjectureRound())
    assert [(e.prompt, e.completion) for e in examples] == [("round 1", s) for s in TARGETS.values()]
    # A schedule set in the config wins over the mode's.
    ctx = context(mode="toy-mode", targets__schedule="unsolved")
    assert [t.name for t in targets_to_sample(ctx, 1, solved, rates, have_inputs=True)] == ["t_add", "t_mul"]
