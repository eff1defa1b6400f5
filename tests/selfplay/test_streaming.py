"""The streaming sampling round and its logs: Parquet shards with per-statement summaries, the best-proof index, and a
round killed mid-stream and resumed (nothing lost, nothing counted twice)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stp_prover.selfplay.logs import BestIndex, ProofRow, SampleLog, StatementSummary, read_proofs, read_summaries
from tests.conftest import ROOT


def _summary(name: str, correct: int, samples: int = 4, best: str | None = None) -> StatementSummary:
    return StatementSummary(name, f"Theorem {name} : True.", samples, 2, correct, correct / samples, best, None, "")


def _rows(name: str, correct: int, samples: int = 4) -> list[ProofRow]:
    rows = [ProofRow(name, "Proof. bad. Qed.", samples - correct, False, reason="no")]
    if correct:
        rows.append(ProofRow(name, "Proof. exact I. Qed.", correct, True, premises={"I": "I : True"}))
    return rows


def test_orphan_shard_rows_are_ignored_and_a_resumed_log_writes_a_new_shard(tmp_path):
    with SampleLog(tmp_path, "targets") as log:
        log.append([(_summary("a", 1, best="Proof. exact I. Qed."), _rows("a", 1)), (_summary("b", 0), _rows("b", 0))])
    # A writer killed between its shard and its summaries: the shard is there, the summaries are not.
    from stp_prover.selfplay.logs import _write_shard

    _write_shard(tmp_path / "targets.proofs" / "part-00001.parquet", _rows("c", 2) + _rows("a", 4))
    with SampleLog(tmp_path, "targets") as log:
        assert log.done() == {"a", "b"}
        log.append([(_summary("c", 3, best="Proof. exact I. Qed."), _rows("c", 3))])
    assert sorted(p.name for p in (tmp_path / "targets.proofs").iterdir()) == [
        "part-00000.parquet",
        "part-00001.parquet",
        "part-00002.parquet",
    ]
    rows = read_proofs(tmp_path, "targets")
    assert {n: sum(p.count for p in v) for n, v in rows.items()} == {"a": 4, "b": 4, "c": 4}
    assert [p.count for p in rows["c"] if p.ok] == [3]  # the resumed shard's rows, not the orphan's
    assert read_proofs(tmp_path, "targets", ok_only=True)["a"][0].premises == {"I": "I : True"}
    assert [s.shard for s in read_summaries(tmp_path / "targets.jsonl")] == [
        "part-00000.parquet",
        "part-00000.parquet",
        "part-00002.parquet",
    ]


def test_best_index_gives_each_rounds_state_and_rewrites_nothing_on_resume(tmp_path):
    index = BestIndex(tmp_path)
    index.update(0, [_summary("a", 1, best="Proof. exact I. Qed."), _summary("b", 0)])
    index.update(1, [_summary("a", 3, best="Proof. exact   I. Qed."), _summary("b", 2, best="Proof. auto. Qed.")])
    index.update(1, [_summary("a", 3, best="Proof. exact   I. Qed.")])  # re-applied on resume: nothing new
    index.close()
    again = BestIndex(tmp_path)
    assert again.state(0) == ({"a": 0.25, "b": 0.0}, {"a"})
    assert again.state(1) == ({"a": 0.75, "b": 0.5}, {"a", "b"})
    assert again.best["a"].proof == "Proof. exact I. Qed."  # the shortest, from round 0
    assert len((tmp_path / "best.jsonl").read_text().splitlines()) == 4


def _throughput(out: Path, *extra: str, **kw) -> subprocess.Popen:
    args = ["--samples", "96", "--per-statement", "4", "--chunk", "2", "--verifiers", "1", "--verifier-workers", "1"]
    return subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "selfplay_throughput.py"), *args, "--out", str(out), *extra],
        cwd=ROOT,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
        start_new_session=True,
        text=True,
        **kw,
    )


@pytest.mark.ray
def test_a_streaming_round_killed_mid_stream_resumes_without_loss_or_double_counting(tmp_path, coq_env):
    out = tmp_path / "round"
    summaries = out / "targets.jsonl"
    first = _throughput(out, "--generation-delay", "1.0", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while first.poll() is None and time.monotonic() < deadline and not read_summaries(summaries):
        time.sleep(0.05)
    assert first.poll() is None, first.stderr.read()[-3000:]
    os.killpg(first.pid, signal.SIGKILL)  # the driver, its Ray workers and their Coq processes, mid-round
    first.wait()
    before = {s.name: s for s in read_summaries(summaries)}
    assert 0 < len(before) < 24

    again = _throughput(out, "--json", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = again.communicate(timeout=600)
    assert again.returncode == 0, stderr[-3000:]
    report = json.loads(stdout.strip().splitlines()[-1])
    assert report["statements_this_run"] == 24 - len(before)  # the logged statements were not sampled again

    after = read_summaries(summaries)
    assert len(after) == len({s.name for s in after}) == 24  # nothing lost, nothing twice
    assert all(s == {x.name: x for x in after}[n] for n, s in before.items())  # kept as written
    rows = read_proofs(out, "targets")
    assert {n: sum(p.count for p in v) for n, v in rows.items()} == {s.name: 4 for s in after}
    for s in after:  # the summary counts what its shard holds
        assert s.correct == sum(p.count for p in rows[s.name] if p.ok)
    rates, solved = BestIndex(out).state(0)
    assert rates == {s.name: s.pass_rate for s in after} and solved == {s.name for s in after if s.correct}
    # Re-check a logged proof in a fresh context: the verdicts in the log are Coq's.
    from benchmarks.selfplay_throughput import statement

    s = next(x for x in after if x.best_proof)
    assert coq_env.check(statement(int(s.name.split("_")[1])), s.best_proof).ok


def test_proof_records_come_in_scheduled_order_whatever_order_chunks_finished_in(tmp_path):
    """STP's steps shuffle seeds and order training examples from these records: the streaming round's completion
    order must not leak into them."""
    from stp_prover.selfplay.context import proof_records

    with SampleLog(tmp_path, "targets") as log:  # chunks finished c, a, b
        log.append([(_summary("c", 1, best="Proof. exact I. Qed."), _rows("c", 1))])
        log.append([(_summary("a", 0), _rows("a", 0)), (_summary("b", 2, best="Proof. exact I. Qed."), _rows("b", 2))])
    records = proof_records(tmp_path, "targets", 0, {"a", "b", "c"}, {}, ["a", "b", "c"])
    assert [r.name for r in records] == ["a", "b", "b", "c", "c"]
    assert [r.premises for r in records if r.ok] == [("I",), ("I",)]
