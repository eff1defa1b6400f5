"""`prove --order/--order-out` (issue 26): the run's learned search order is saved, loaded again, and a bad file is
bad input (exit 2) with a message that names it. Real Coq, the built-in portfolio."""

from __future__ import annotations

import json
import subprocess
import sys

from stp_prover.search import SearchOrder


def prove(*args):
    return subprocess.run(
        [sys.executable, "-m", "stp_prover.cli.prove", *map(str, args)], capture_output=True, text=True, timeout=300
    )


STATEMENT = ("--statement", "Theorem ord1 (a b : nat) (f : nat -> nat) : a = b -> f a = f b.", "--budget", "30")


def test_the_order_is_saved_and_loaded_again(tmp_path):
    out = tmp_path / "order.json"
    first = prove(*STATEMENT, "--order-out", out, "--json")
    assert first.returncode == 0, first.stderr
    saved = SearchOrder.load(out)
    assert saved.events == json.loads(first.stdout)["stats"]["steps"] > 1
    assert "prove ord1" in saved.made_by
    second = prove(*STATEMENT, "--order", out, "--order-out", out, "--json")
    assert second.returncode == 0, second.stderr
    steps = json.loads(second.stdout)["stats"]["steps"]
    assert steps < saved.events  # the closer that worked is tried first now
    assert SearchOrder.load(out).events == saved.events + steps


def test_a_bad_order_file_is_bad_input(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    proc = prove(*STATEMENT, "--order", bad)
    assert proc.returncode == 2 and "not a saved search order" in proc.stderr and str(bad) in proc.stderr
    proc = prove(*STATEMENT, "--order", tmp_path / "missing.json")
    assert proc.returncode == 2 and "no saved search order" in proc.stderr
    proc = prove(*STATEMENT, "--order", "none", "--order-out", tmp_path / "o.json")
    assert proc.returncode == 2 and "--order none" in proc.stderr


def stp(*args):
    return subprocess.run(
        [sys.executable, "-m", "stp_prover", *map(str, args)], capture_output=True, text=True, timeout=300
    )


def test_step_events_train_an_order_that_stp_order_shows(tmp_path):
    events = tmp_path / "events.jsonl"
    run = prove(*STATEMENT, "--order", "none", "--order-events", events, "--json")
    assert run.returncode == 0, run.stderr
    steps = json.loads(run.stdout)["stats"]["steps"]
    assert len(events.read_text().splitlines()) == steps
    out = tmp_path / "trained.json"
    train = stp("order", "train", "--events", events, "--out", out, "--json")
    assert train.returncode == 0, train.stderr
    assert json.loads(train.stdout)["events"] == steps
    show = stp("order", "show", out, "--json")
    shown = json.loads(show.stdout)
    assert shown["events"] == steps and "order train" in shown["made_by"]
    assert shown["best"][0]["tactic"] in json.loads(run.stdout)["proof"]  # the closer is the best per second
    bad = stp("order", "train", "--events", tmp_path / "nothing.jsonl", "--out", out)
    assert bad.returncode == 2 and "no events file" in bad.stderr
