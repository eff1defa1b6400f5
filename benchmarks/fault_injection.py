"""Faults injected into real runs, compared with clean runs of the same work.

1. `stp verify` of N proofs while a killer SIGKILLs a random proof-assistant process of the run every few seconds:
   the verdicts must equal a clean run's, every input verdict written exactly once.
2. `stp eval` (portfolio, miniF2F valid) SIGKILLed as a whole (its process group) at K random moments and resumed
   each time: every theorem recorded exactly once; proved counts compared with a clean run (search is time-bound,
   so a theorem near its budget may go either way: the difference is reported, not hidden).
3. With --selfplay: `stp selfplay` on the tiny Coq config, killed at K random moments and resumed; every log of the
   run folder holds each key once and the run finishes.

    .venv/bin/python benchmarks/fault_injection.py --proofs 500 --kills 5 --eval-theorems 12
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_load import descendants, records  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STP = [sys.executable, "-m", "stp_prover"]


def verdicts(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def verify_under_fire(n: int, workers: int, mean_gap: float, folder: Path, rng: random.Random) -> dict:
    src = folder / "proofs.jsonl"
    recs = records(n)
    src.write_text("".join(json.dumps({k: r[k] for k in ("header", "formal_statement", "proof")}) + "\n" for r in recs))
    base = [*STP, "verify", str(src), "--backend", "coq", "--workers", str(workers), "--json"]
    clean_out, fired_out = folder / "clean.jsonl", folder / "fired.jsonl"
    t0 = time.monotonic()
    subprocess.run([*base, "--out", str(clean_out)], cwd=folder, capture_output=True, text=True, check=False)
    clean_seconds = time.monotonic() - t0

    proc = subprocess.Popen([*base, "--out", str(fired_out)], cwd=folder, stdout=subprocess.PIPE, text=True)
    kills = 0
    stop = threading.Event()

    def killer() -> None:
        nonlocal kills
        while not stop.wait(rng.expovariate(1.0 / mean_gap)):
            victims = [p for p in descendants(proc.pid) if _comm(p).startswith("coqtop")]
            if victims:
                try:
                    os.kill(rng.choice(victims), signal.SIGKILL)
                    kills += 1
                except ProcessLookupError:
                    pass

    thread = threading.Thread(target=killer, daemon=True)
    t0 = time.monotonic()
    thread.start()
    summary = json.loads(proc.communicate()[0] or "{}")
    stop.set()
    thread.join()
    fired_seconds = time.monotonic() - t0
    clean = {r["index"]: r["kind"] for r in verdicts(clean_out)}
    fired_rows = verdicts(fired_out)
    fired = {r["index"]: r["kind"] for r in fired_rows}
    return {
        "proofs": n,
        "kills": kills,
        "lost": n - len(fired),
        "double_counted": len(fired_rows) - len(fired),
        "differ_from_clean": sum(1 for i in clean if fired.get(i) != clean[i]),
        "errors_in_fired_run": sum(1 for k in fired.values() if k == "error"),
        "kinds": dict(Counter(clean.values())),
        "clean_seconds": round(clean_seconds, 1),
        "fired_seconds": round(fired_seconds, 1),
        "summary_ok": bool(summary),
    }


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def killed_at_progress(
    cmd: list[str], results: Path, points: list[int], rng: random.Random, cwd: Path
) -> tuple[int, float]:
    """Run `cmd`; each time `results` holds the next of `points` records, SIGKILL its whole process group within
    a second, and rerun it; after the last point, let it finish. Returns (kills done, seconds it all took)."""
    t0, kills = time.monotonic(), 0
    for point in points:
        proc = _start(cmd, cwd)
        while proc.poll() is None and _lines(results) < point:
            time.sleep(0.1)
        if proc.poll() is None:
            time.sleep(rng.uniform(0.0, 1.0))
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
    _start(cmd, cwd).wait()
    return kills, time.monotonic() - t0


def _start(cmd: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except OSError:
        return 0


def eval_killed(theorems: int, kills: int, budget: float, folder: Path, rng: random.Random, data_dir: str) -> dict:
    args = ["eval", "--benchmark", "miniF2F", "--split", "valid", "--backend", "coq", "--limit", str(theorems)]
    args += ["--budget", str(budget), "--workers", "2", "--data-dir", data_dir]
    t0 = time.monotonic()
    subprocess.run([*STP, *args, "--out", str(folder / "eval-clean")], cwd=folder, capture_output=True, check=False)
    clean_seconds = time.monotonic() - t0
    points = sorted(rng.sample(range(1, theorems), min(kills, theorems - 1)))
    killed_dir = folder / "eval-killed"
    cmd = [*STP, *args, "--out", str(killed_dir)]
    done, seconds = killed_at_progress(cmd, killed_dir / "results.jsonl", points, rng, folder)
    clean = {r["name"]: r for r in verdicts(folder / "eval-clean" / "results.jsonl")}
    rows = verdicts(folder / "eval-killed" / "results.jsonl")
    killed = {r["name"]: r for r in rows}
    return {
        "theorems": theorems,
        "kills": done,
        "lost": len(set(clean) - set(killed)),
        "double_counted": len(rows) - len(killed),
        "proved_clean": sum(1 for r in clean.values() if r.get("proved")),
        "proved_killed": sum(1 for r in killed.values() if r.get("proved")),
        "clean_seconds": round(clean_seconds, 1),
        "killed_seconds": round(seconds, 1),
    }


def selfplay_killed(kills: int, window: float, folder: Path, rng: random.Random) -> dict:
    run_dir = folder / "selfplay"
    config = ROOT / "configs" / "selfplay_tiny_coq.yaml"
    first = [*STP, "selfplay", "--config", str(config), "--set", f"run_dir={run_dir}"]
    resume = [*STP, "selfplay", "--resume", str(run_dir)]
    done, t0 = 0, time.monotonic()
    proc = _start(first, ROOT)
    while True:
        try:
            proc.wait(timeout=rng.uniform(0.1, 0.5) * window if done < kills else None)
            break
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            done += 1
            proc = _start(resume, ROOT)
    duplicates = 0
    for log in run_dir.rglob("*.jsonl"):
        rows = verdicts(log)
        for key in ("input", "name", "seed", "round", "index"):  # each log's resume key (conjectures: input)
            keys = [r[key] for r in rows if key in r]
            if keys and len(keys) == len(rows):
                duplicates += len(keys) - len(set(map(json.dumps, keys)))
                break
    return {
        "kills": done,
        "exit_code": proc.returncode,
        "duplicated_log_keys": duplicates,
        "seconds": round(time.monotonic() - t0, 1),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--proofs", type=int, default=500)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--mean-gap", type=float, default=2.0, help="mean seconds between two kills during verify")
    p.add_argument("--kills", type=int, default=5, help="kills of the eval (and self-play) runs")
    p.add_argument("--eval-theorems", type=int, default=12)
    p.add_argument("--eval-budget", type=float, default=10.0)
    p.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--parts", default="verify,eval", help="comma-separated: verify, eval, selfplay")
    p.add_argument("--selfplay", action="store_true", help="also kill and resume the tiny self-play run")
    p.add_argument("--selfplay-window", type=float, default=120.0, help="seconds within which each kill falls")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()

    rng = random.Random(args.seed)
    folder = Path(tempfile.mkdtemp(prefix="stp-faults-"))
    parts = set(args.parts.split(",")) | ({"selfplay"} if args.selfplay else set())
    report = {}
    if "verify" in parts:
        report["verify"] = verify_under_fire(args.proofs, args.workers, args.mean_gap, folder, rng)
    if "eval" in parts:
        report["eval"] = eval_killed(args.eval_theorems, args.kills, args.eval_budget, folder, rng, args.data_dir)
    if "selfplay" in parts:
        report["selfplay"] = selfplay_killed(args.kills, args.selfplay_window, folder, rng)
    print(json.dumps(report) if args.json else json.dumps(report, indent=2))
    bad = sum(r.get("lost", 0) + r.get("double_counted", 0) + r.get("differ_from_clean", 0) for r in report.values())
    bad += report.get("selfplay", {}).get("duplicated_log_keys", 0)
    print(f"fault_injection: {', '.join(f'{k} {v}' for k, v in report.items())}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
