"""`stp verify PROOFS.jsonl`: check many proofs through the warm verifier pool, writing verdicts as they come."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from stp_prover.data import ResultLog
from stp_prover.itp import (
    ItpConfig,
    Theorem,
    VerifierPool,
    VerifyJob,
    default_backend,
    ensure_available,
    make_env,
    prescreen,
    system_of,
)
from stp_prover.itp.dialect import declared_name
from stp_prover.itp.sandbox import status as sandbox_status

from ..errors import UsageError
from ..options import add_backend_option, add_itp_options, add_json_option, itp_settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify", help="verify proofs from a JSONL file through the warm verifier pool")
    p.add_argument("proofs", help='JSONL, one {"name"?, "header", "formal_statement", "proof"} per line')
    add_backend_option(p, checks=True)
    p.add_argument("--workers", type=int, default=2, help="parallel proof-assistant workers (default 2)")
    p.add_argument("--timeout", type=float, help="the same as --check-timeout (timed-out proofs are re-run with more)")
    p.add_argument("--out", help="verdict JSONL (default: PROOFS.verdicts.jsonl); a rerun skips lines already in it")
    add_json_option(p)
    add_itp_options(p)
    p.set_defaults(run=run)


def read_jobs(path: Path, backend: str) -> tuple[list[VerifyJob], list[str]]:
    """(jobs, the label of each) from every line, all validated first, so bad input stops the run before any work
    (exit 2)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    jobs, labels, problems = [], [], []
    for i, line in enumerate(lines, 1):
        if not line.strip():
            problems.append(f"line {i}: empty line")
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {i}: not JSON ({exc.msg})")
            continue
        if not isinstance(rec, dict):
            problems.append(f"line {i}: not a JSON object")
            continue
        missing = [k for k in ("header", "formal_statement", "proof") if not isinstance(rec.get(k), str)]
        if missing:
            problems.append(f"line {i}: missing string field(s) {', '.join(missing)}")
            continue
        label = rec.get("name")
        if label is not None and not isinstance(label, str):
            problems.append(f"line {i}: `name` must be a string")
            continue
        # `name` only labels the verdict (like a custom id); the theorem is the one the statement declares. A
        # statement that declares none is checked anyway and gets `bad_statement`, like any other bad statement.
        declared = declared_name(rec["formal_statement"]) or label or f"line_{i}"
        theorem = Theorem(declared, system_of(backend), rec["header"], rec["formal_statement"])
        jobs.append(VerifyJob(theorem, rec["proof"]))
        labels.append(label or declared)
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise UsageError(f"{path}: " + "; ".join(problems[:5]) + more)
    return jobs, labels


def refuse_other_modes(out: Path, log: ResultLog, verdicts: str) -> None:
    """UsageError when `log` holds lines made in another verdict mode: resuming would skip those proofs and count
    their verdicts (an stp PROVED in a strict summary). Lines from before verdict modes existed are strict."""
    other = sorted({rec.get("verdicts", "strict") for rec in log.records()} - {verdicts})
    if other:
        raise UsageError(
            f"{out} holds verdicts made with --verdicts {', '.join(other)}, not {verdicts}: "
            "give another --out (or delete the file) rather than mixing verdict modes"
        )


def run(args: argparse.Namespace) -> int:
    path = Path(args.proofs)
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    backend = args.backend or default_backend()
    jobs, labels = read_jobs(path, backend)
    out = Path(args.out) if args.out else path.with_suffix(".verdicts.jsonl")
    if args.timeout is not None and args.check_timeout is None:
        args.check_timeout = args.timeout
    settings = itp_settings(args, workers=args.workers)
    if settings.kernel_recheck is None:
        # Verdicts written here are published results (benchmarks, self-play's final proofs): every accepted proof
        # is re-checked by the kernel checker unless --no-kernel-recheck says otherwise.
        settings = dataclasses.replace(settings, kernel_recheck=True)
    config = settings.apply(ItpConfig())
    verdicts = config.system(system_of(backend)).verdicts
    if verdicts != "strict":
        # Comparable with the paper's pass rates, not proofs: every verdict line carries `"verdicts": "stp"`.
        print(f"note: --verdicts {verdicts}: what STP's verifier accepts, not the trust policy", file=sys.stderr)
    t0 = time.monotonic()
    with ResultLog(out) as log:
        refuse_other_modes(out, log, verdicts)
        done = log.done()
        todo = [i for i in range(len(jobs)) if i not in done]
        bar = tqdm(
            total=len(jobs), initial=len(jobs) - len(todo), desc="verify", unit="proof", file=sys.stderr, disable=None
        )

        def record(i: int, verdict) -> None:
            log.append({"index": i, "name": labels[i], "theorem": jobs[i].theorem.name, **verdict.to_dict()})
            bar.update(1)

        # Proofs the trust policy refuses get their verdict before any proof assistant is needed, so they are
        # written even where the backend is missing (which then stops the run with its setup message, exit 2).
        rest = []
        for i in todo:
            refused = prescreen(backend, jobs[i].theorem, jobs[i].proof, verdicts)
            if refused is not None:
                record(i, refused)
            else:
                rest.append(i)
        stats = {"unique": 0, "stragglers": 0}
        if rest:
            ensure_available(backend)
            sandbox = sandbox_status(config.system(system_of(backend)).sandbox)
            if not sandbox["sandboxed"]:
                if sandbox["mode"] == "bwrap":
                    raise UsageError(f"--sandbox bwrap: {sandbox['why_not']}")
                print(f"warning: proofs are checked WITHOUT the OS sandbox ({sandbox['why_not']})", file=sys.stderr)
            with VerifierPool(lambda: make_env(backend, config), config.pool, settings.check_timeout) as pool:
                pool.verify([jobs[i] for i in rest], on_result=lambda k, verdict: record(rest[k], verdict))
                stats = pool.stats.to_dict()
        bar.close()
        kinds = Counter(rec.get("kind") for rec in log.records())
    summary = {
        "total": len(jobs),
        "resumed": len(jobs) - len(todo),
        "checked": len(todo),
        "unique": stats["unique"],
        "proved": kinds.get("proved", 0),
        "by_kind": dict(kinds),
        "stragglers": stats["stragglers"],
        "seconds": round(time.monotonic() - t0, 3),
        "out": str(out),
        "verdicts": verdicts,
    }
    if args.json:
        print(json.dumps(summary))
    else:
        rest = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()) if k != "proved")
        print(
            f"verified {summary['proved']}/{len(jobs)} proofs ({rest or 'no failures'}); {len(todo)} checked "
            f"({stats['unique']} unique) in {summary['seconds']:.1f}s; verdicts ({verdicts}) in {out}"
        )
    return 0 if summary["proved"] == len(jobs) else 1
