"""`stp serve` under load, against `stp verify` on the same proofs in the same run.

Repeated bursts of concurrent `/check` requests (good, wrong and hostile proofs mixed: lia and rewrite proofs,
wrong proofs, `Admitted`, an unguarded fixpoint, a header that writes a file), then concurrent `/prove` requests of
which half are cancelled. Counts lost answers (no 200, or a second answer), wrong verdicts (a kind other than the
one `stp verify` gives the same proof), infrastructure retries (from /health), latency p50/p99, checks per second
against `stp verify --workers W`, the peak memory of the server and its proof-assistant processes, and whether any
of those processes outlive the server's shutdown.

    .venv/bin/python benchmarks/serve_load.py --bursts 3 --burst-size 50 --prove 20 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Optional

from stp_prover.prover.client import ClientError, JobRecord, ServerClient, ServerUnreachable

ROOT = Path(__file__).resolve().parent.parent
HEADER = "Require Import Arith Lia.\n"
KINDS = {
    "lia": (HEADER, "Proof. intros; lia. Qed."),
    "rewrite": (HEADER, "Proof. intros. rewrite Nat.add_comm. reflexivity. Qed."),
    "wrong": (HEADER, "Proof. intros. reflexivity. Qed."),
    "admitted": (HEADER, "Proof. Admitted."),
    "fixpoint": (HEADER, "Proof. intros. fix loop 1. exact loop. Qed."),
    "hostile header": (HEADER + 'Redirect "stp_serve_load_leak" Print nat.\n', "Proof. intros; lia. Qed."),
}
EASY = "Theorem easy_{i} (x : nat) (h : x + 1 = 3) : x = 2."
HARD = "Theorem hard_{i} : forall n m : nat, n * n * n + m * m * m <> 9 * n * m + 1."


def records(count: int, offset: int = 0) -> list[dict]:
    """`count` check requests, each a new statement `forall n, n + i = i + n`, the proof kinds in rotation."""
    out = []
    for i in range(offset, offset + count):
        kind = list(KINDS)[i % len(KINDS)]
        header, proof = KINDS[kind]
        statement = f"Theorem comm_{i} : forall n : nat, n + {i} = {i} + n."
        out.append({"kind": kind, "header": header, "formal_statement": statement, "proof": proof})
    return out


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def rss_mb(pids: set[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _alive(pid: int) -> bool:
    """A process that still runs (not a zombie, and not a pid reused by something else since)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:80]
    except OSError:
        return "(gone)"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def baseline(recs: list[dict], workers: int, folder: Path) -> tuple[dict[str, str], float]:
    """Verdict kinds and checks per second from `stp verify` on the same proofs."""
    src = folder / "proofs.jsonl"
    src.write_text("".join(json.dumps({k: r[k] for k in ("header", "formal_statement", "proof")}) + "\n" for r in recs))
    out = folder / "verdicts.jsonl"
    t0 = time.monotonic()
    cmd = [sys.executable, "-m", "stp_prover", "verify", str(src), "--backend", "coq", "--workers", str(workers)]
    subprocess.run(cmd + ["--out", str(out), "--json"], cwd=folder, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - t0
    kinds = {}
    for line in out.read_text().split("\n"):
        if line.strip():
            rec = json.loads(line)
            kinds[recs[rec["index"]]["formal_statement"]] = rec["kind"]
    return kinds, len(recs) / seconds


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bursts", type=int, default=3)
    p.add_argument("--burst-size", type=int, default=50)
    p.add_argument("--prove", type=int, default=20, help="concurrent /prove requests (half are cancelled)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="stp-serve-load-"))
    recs = records(args.bursts * args.burst_size)
    truth, verify_rate = baseline(recs, args.workers, folder)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = ServerClient(f"http://127.0.0.1:{port}", timeout=600)
    cmd = [sys.executable, "-m", "stp_prover", "serve", "--port", str(port), "--backend", "coq"]
    cmd += ["--workers", str(args.workers)]
    server = subprocess.Popen(cmd, cwd=folder, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while True:
        try:
            client.wait_until_healthy(timeout=1)
            break
        except ServerUnreachable:
            if server.poll() is not None or time.monotonic() > deadline:
                print(f"server did not start: {server.stderr.read()[-2000:]}", file=sys.stderr)
                return 2

    seen_children: set[int] = set()
    peak = [0.0]
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            kids = descendants(server.pid)
            seen_children.update(kids)
            peak[0] = max(peak[0], rss_mb(kids | {server.pid}))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    retries_before = client.health().verifier["infra_retries"]

    latencies, lost, wrong, burst_rates = [], 0, [], []
    for b in range(args.bursts):
        burst = recs[b * args.burst_size : (b + 1) * args.burst_size]

        def one(rec: dict) -> tuple[dict, Optional[str], float]:
            """The verdict kind, None when the request got no answer or an error status (a lost answer)."""
            t0 = time.monotonic()
            try:
                kind = client.check(rec["proof"], statement=rec["formal_statement"], header=rec["header"]).kind
            except ClientError:
                kind = None
            return rec, kind, time.monotonic() - t0

        t0 = time.monotonic()
        with ThreadPoolExecutor(max_workers=len(burst)) as ex:
            results = list(ex.map(one, burst))
        burst_rates.append(len(burst) / (time.monotonic() - t0))
        for rec, kind, seconds in results:
            latencies.append(seconds)
            if kind is None:
                lost += 1
            elif kind != truth.get(rec["formal_statement"]):
                wrong.append((rec["kind"], kind, truth.get(rec["formal_statement"])))

    # Concurrent /prove requests: half easy (proved), half hard and cancelled after a second.
    def prove(i: int) -> Optional[JobRecord]:
        """The job as it ended; None when a request of it got no answer or an error status (lost)."""
        statement = (EASY if i % 2 == 0 else HARD).format(i=i)
        options = {"statement": statement, "header": HEADER, "policy": "portfolio", "job_id": f"job-{i}"}
        try:
            if i % 2 == 0:
                return client.prove(**options)
            client.prove(**options, wait=False, budget_seconds=300)
            time.sleep(1.0)
            client.cancel(f"job-{i}")
            return client.wait_for_job(f"job-{i}", timeout=120, poll=0.3)
        except ClientError:
            return None

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.prove) as ex:
        proved_results = list(ex.map(prove, range(args.prove)))
    prove_seconds = time.monotonic() - t0
    prove_lost = sum(1 for job in proved_results if job is None)
    prove_wrong = 0
    for i, job in enumerate(proved_results):
        want = "done" if i % 2 == 0 else "cancelled"
        if job is not None and (job.status != want or (want == "done" and not job.proved)):
            prove_wrong += 1
    retries = client.health().verifier["infra_retries"] - retries_before

    sampling.set()
    sampler.join()
    server.send_signal(signal.SIGTERM)
    t_stop = time.monotonic()
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
    stop_seconds = time.monotonic() - t_stop
    time.sleep(1.0)
    left = sorted(pid for pid in seen_children if _alive(pid))
    leaked = any(folder.glob("stp_serve_load_leak*"))

    checks = len(latencies)
    server_rate = sum(burst_rates) / len(burst_rates)
    summary = {
        "checks": checks,
        "lost": lost,
        "wrong": len(wrong),
        "wrong_examples": wrong[:5],
        "infra_retries": retries,
        "server_checks_per_s": round(server_rate, 2),
        "verify_checks_per_s": round(verify_rate, 2),
        "ratio_server_to_verify": round(server_rate / verify_rate, 3),
        "latency_p50_s": round(percentile(latencies, 0.5), 3),
        "latency_p99_s": round(percentile(latencies, 0.99), 3),
        "prove_requests": args.prove,
        "prove_lost": prove_lost,
        "prove_wrong": prove_wrong,
        "prove_seconds": round(prove_seconds, 1),
        "peak_rss_mb": round(peak[0], 1),
        "shutdown_seconds": round(stop_seconds, 1),
        "processes_left_after_shutdown": len(left),
        "left": [_cmdline(pid) for pid in left[:5]],
        "hostile_header_wrote_a_file": leaked,
    }
    if args.json:
        print(json.dumps(summary))
    else:
        for key, value in summary.items():
            print(f"{key:32} {value}")
        print(
            f"serve_load: {checks} checks, {lost} lost, {len(wrong)} wrong, {retries} retries; "
            f"{server_rate:.1f} checks/s = {server_rate / verify_rate:.2f}x stp verify; "
            f"{args.prove} /prove, {prove_lost} lost, {prove_wrong} wrong; {len(left)} processes left"
        )
    return 0 if not (lost or wrong or prove_lost or prove_wrong or left or leaked) else 1


if __name__ == "__main__":
    sys.exit(main())
