"""`stp data bootstrap | autoformalize | counterexamples | export`: the data pipelines. Each reads theorems, writes one
line per item to OUT/results.jsonl as it goes (a rerun resumes), and ends with kept/rejected counts by reason. Every
record it keeps has been checked by the proof assistant in a fresh context."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Optional

from tqdm import tqdm

from stp_prover.data import DataError, ResultLog, load_benchmark, read_jsonl, read_log, select_theorems
from stp_prover.itp import (
    ProofEnv,
    StatementError,
    Theorem,
    default_backend,
    ensure_available,
    make_env,
    system_of,
)

from ..errors import UsageError
from ..options import add_backend_option, add_json_option

KINDS = ("bootstrap", "autoformalize", "counterexamples")
RESULTS = "results.jsonl"
KIND_FILE = "pipeline.json"


def register(dsub: argparse._SubParsersAction) -> None:
    b = dsub.add_parser("bootstrap", help="NL-FL: informal proof steps as comments in verified proofs (re-verified)")
    _common(b, "runs/data-bootstrap")
    b.add_argument(
        "--results",
        help="JSONL of verified proofs ({name, proof, proved} as `stp eval` writes, or "
        "self-play sampling records); default: prove with the built-in portfolio",
    )
    b.add_argument("--budget", type=float, default=20.0, help="seconds per theorem when proving here")
    b.add_argument("--aligner", choices=("heuristic", "embedding"), default="heuristic")
    b.set_defaults(run=run_bootstrap)

    a = dsub.add_parser(
        "autoformalize", help="informal problems -> formal statements that elaborate and are not vacuous or trivial"
    )
    _common(a, "runs/data-autoformalize")
    a.add_argument("--model", required=True, help="Hugging Face path or hub id")
    a.add_argument(
        "--input",
        help="JSONL of informal problems ({name?, informal_statement | statement, header?}; "
        "CounterMATH records work); default: the benchmark's informal statements",
    )
    a.add_argument("--header", default="", help="header for --input problems that carry none")
    a.add_argument("--samples", type=int, default=4, help="statements generated per problem")
    a.add_argument("--max-new-tokens", type=int, default=256)
    a.set_defaults(run=run_autoformalize)

    c = dsub.add_parser("counterexamples", help="false variants of theorems refuted by proving their negation")
    _common(c, "runs/data-counterexamples")
    c.add_argument("--max-variants", type=int, default=6, help="false variants tried per theorem")
    c.set_defaults(run=run_counterexamples)

    e = dsub.add_parser("export", help="pipeline outputs -> JSONL, Hugging Face datasets on disk, training examples")
    e.add_argument(
        "--from",
        dest="sources",
        action="append",
        required=True,
        metavar="DIR",
        help="an output folder of bootstrap/autoformalize/counterexamples (repeatable)",
    )
    e.add_argument("--out", required=True)
    add_json_option(e)
    e.set_defaults(run=run_export)


def _common(p: argparse.ArgumentParser, out: str) -> None:
    p.add_argument("--benchmark", default="miniF2F")
    p.add_argument("--split", default="valid")
    p.add_argument("--theorem", action="append", metavar="NAME", help="only these theorems (repeatable)")
    p.add_argument("--limit", type=int)
    add_backend_option(p)
    p.add_argument("--data-dir")
    p.add_argument("--out", default=out, help=f"output folder (default {out}); rerun to resume")
    add_json_option(p)


def _theorems(args: argparse.Namespace, system: str) -> list[Theorem]:
    theorems = load_benchmark(args.benchmark, args.split, system, args.data_dir)
    return select_theorems(theorems, args.theorem, args.limit, f"{args.benchmark}/{args.split}")


def _backend(args: argparse.Namespace) -> str:
    backend = args.backend or default_backend()
    ensure_available(backend)
    return backend


def _run(
    kind: str,
    items: list,
    key: Callable,
    out: Path,
    work: Callable[[object], dict],
    as_json: bool,
    extra: Optional[dict] = None,
) -> int:
    """Process items not yet in OUT/results.jsonl, append each result, print the summary."""
    out.mkdir(parents=True, exist_ok=True)
    marker = out / KIND_FILE
    if marker.exists() and json.loads(marker.read_text())["kind"] != kind:
        raise UsageError(f"{out} holds {json.loads(marker.read_text())['kind']} output; choose another --out")
    marker.write_text(json.dumps({"kind": kind, **(extra or {})}))
    t0 = time.monotonic()
    with ResultLog(out / RESULTS, key="name") as log:
        done = log.done()
        todo = [i for i in items if key(i) not in done]
        bar = tqdm(
            total=len(items), initial=len(items) - len(todo), desc=kind, unit="item", file=sys.stderr, disable=None
        )
        for item in todo:
            log.append(work(item))
            bar.update(1)
        bar.close()
        keys = {key(i) for i in items}
        records = [r for r in log.records() if r["name"] in keys]
    summary = _summary(kind, records, out, time.monotonic() - t0)
    if as_json:
        print(json.dumps(summary))
    else:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(summary["rejected"].items())) or "none"
        print(
            f"{kind}: {summary['items']} items, kept {summary['kept']} records, rejected: {reasons}; "
            f"results in {out / RESULTS}"
        )
    return 0


def _summary(kind: str, records: list[dict], out: Path, seconds: float) -> dict:
    rejected: Counter = Counter()
    kept = 0
    for r in records:
        kept += len(r.get("records", []))
        rejected.update(r.get("rejected", {}))
    return {
        "kind": kind,
        "items": len(records),
        "kept": kept,
        "rejected": dict(rejected),
        "out": str(out),
        "seconds": round(seconds, 1),
    }


# -- bootstrap --------------------------------------------------------------------------------------------------------
def _known_proofs(path: Optional[str]) -> dict[str, str]:
    if not path:
        return {}
    if not Path(path).exists():
        raise UsageError(f"no results file {path}")
    proofs = {}
    for rec in read_log(path):
        if rec.get("proved") and rec.get("proof"):
            proofs[rec["name"]] = rec["proof"]
        if rec.get("best_proof") and rec["name"] not in proofs:  # self-play sampling summaries (selfplay/logs.py)
            proofs[rec["name"]] = rec["best_proof"]
        for p in rec.get("proofs", []):  # self-play sampling records written before the Parquet shards
            if p.get("ok") and rec["name"] not in proofs:
                proofs[rec["name"]] = p["text"]
    return proofs


def run_bootstrap(args: argparse.Namespace) -> int:
    from stp_prover.data.bootstrap import CommentedProof, comment_proof
    from stp_prover.prover import make_policies
    from stp_prover.prover.prove import ProveConfig, prove_theorem

    backend = _backend(args)
    theorems = _theorems(args, system_of(backend))
    known = _known_proofs(args.results)
    aligner = None
    if args.aligner == "embedding":
        from stp_prover.retrieval.align import EmbeddingAligner

        aligner = EmbeddingAligner()
    env = make_env(backend)

    def work(theorem: Theorem) -> dict:
        base = {"name": theorem.name, "records": [], "rejected": {}}
        if not theorem.informal_proof:
            return {**base, "rejected": {"no_informal_proof": 1}}
        proof = known.get(theorem.name)
        if proof is None and not args.results:
            tactic_policy, proof_policy = make_policies(env, None)
            try:
                result = prove_theorem(
                    theorem, env, tactic_policy, proof_policy, ProveConfig(budget_seconds=args.budget)
                )
            except StatementError:
                return {**base, "rejected": {"bad_statement": 1}}
            proof = result.proof
        if not proof:
            return {**base, "rejected": {"no_verified_proof": 1}}
        if not env.check(theorem, proof).ok:  # the proof given (or found) is re-verified here
            return {**base, "rejected": {"proof_rejected_by_checker": 1}}
        commented, used = comment_proof(theorem, proof, theorem.informal_proof, aligner)
        verdict = env.check(theorem, commented)
        if not verdict.ok:
            return {**base, "rejected": {"commented_proof_rejected": 1}, "message": verdict.reason[:300]}
        rec = CommentedProof(
            theorem.name,
            theorem.system,
            theorem.header,
            theorem.statement,
            proof,
            commented,
            theorem.informal_statement,
            theorem.informal_proof,
            used,
        )
        return {**base, "records": [rec.to_dict()]}

    try:
        return _run("bootstrap", theorems, lambda t: t.name, Path(args.out), work, args.json, {"backend": backend})
    finally:
        env.close()


# -- autoformalize ----------------------------------------------------------------------------------------------------
def _problems(args: argparse.Namespace, system: str) -> tuple[list[dict], list[tuple[str, str]]]:
    """(problems {name, informal, header}, few-shot pairs from the benchmark)."""
    from stp_prover.data import user_theorem
    from stp_prover.data.countermath import read_countermath

    bench = load_benchmark(args.benchmark, args.split, system, args.data_dir)
    shots = [(t.informal_statement, t.statement) for t in bench if t.informal_statement][:2]
    if not args.input:
        chosen = _theorems(args, system)
        return [
            {"name": t.name, "informal": t.informal_statement, "header": t.header}
            for t in chosen
            if t.informal_statement
        ], shots
    path = Path(args.input)
    if not path.exists():
        raise UsageError(f"no input file {path}")
    header = user_theorem("x", system, args.header, "").header
    lines = read_jsonl(path)
    if lines and "label" in lines[0]:  # CounterMATH-style
        lines = [{"statement": r["statement"]} for r in read_countermath(path)]
    problems = []
    for i, rec in enumerate(lines):
        informal = rec.get("informal_statement") or rec.get("statement")
        if not informal:
            raise UsageError(f"{path}:{i + 1}: needs informal_statement (or statement)")
        name = str(rec.get("name") or f"problem_{i}")
        problems.append({"name": name, "informal": informal, "header": rec.get("header") or header})
    shots = [s for s in shots if s[0] not in {p["informal"] for p in problems}]
    return problems[: args.limit] if args.limit is not None else problems, shots


def run_autoformalize(args: argparse.Namespace) -> int:
    from stp_prover.conjecturer import ConjectureChecker, autoformalize
    from stp_prover.policy import PolicyUnavailable
    from stp_prover.prover.hf import GenerationConfig, HFModel

    if args.samples < 1:
        raise UsageError("--samples must be positive")
    backend = _backend(args)
    system = system_of(backend)
    problems, shots = _problems(args, system)
    try:
        model = HFModel(args.model, config=GenerationConfig(max_new_tokens_proof=args.max_new_tokens))
    except PolicyUnavailable as exc:
        raise UsageError(str(exc)) from None
    env = make_env(backend)
    known = [t.statement for t in load_benchmark(args.benchmark, args.split, system, args.data_dir)]
    checker = ConjectureChecker(env, known)

    def generate(prompt: str, n: int) -> list[str]:
        return [t for t, _ in model.generate(prompt, n, args.max_new_tokens, beam=False)]

    def work(problem: dict) -> dict:
        found, reasons = autoformalize(
            problem["name"],
            problem["informal"],
            problem["header"],
            system,
            generate,
            checker,
            args.samples,
            shots,
            source=f"{args.input or args.benchmark}:{problem['name']}",
        )
        return {"name": problem["name"], "records": [found.to_dict()] if found else [], "rejected": dict(reasons)}

    try:
        return _run(
            "autoformalize",
            problems,
            lambda p: p["name"],
            Path(args.out),
            work,
            args.json,
            {"backend": backend, "model": args.model},
        )
    finally:
        env.close()


# -- counterexamples --------------------------------------------------------------------------------------------------
def run_counterexamples(args: argparse.Namespace) -> int:
    from stp_prover.data.counterexamples import CounterexampleSettings, counterexamples_for

    if args.max_variants < 1:
        raise UsageError("--max-variants must be positive")
    backend = _backend(args)
    theorems = _theorems(args, system_of(backend))
    env: ProofEnv = make_env(backend)
    settings = CounterexampleSettings(max_variants=args.max_variants)

    def work(theorem: Theorem) -> dict:
        try:
            env.start(theorem)
        except StatementError:
            return {"name": theorem.name, "records": [], "rejected": {"bad_statement": 1}}
        outcome = counterexamples_for(env, theorem, settings)
        return {
            "name": theorem.name,
            "records": [c.to_dict() for c in outcome.counterexamples],
            "rejected": outcome.rejected,
        }

    try:
        return _run(
            "counterexamples", theorems, lambda t: t.name, Path(args.out), work, args.json, {"backend": backend}
        )
    finally:
        env.close()


# -- export -----------------------------------------------------------------------------------------------------------
def run_export(args: argparse.Namespace) -> int:
    from stp_prover.data.countermath import countermath_from_counterexamples, write_countermath
    from stp_prover.data.traced import to_hf_dataset
    from stp_prover.selfplay.trainset import pipeline_examples
    from stp_prover.training import write_examples

    out = Path(args.out)
    by_kind: dict[str, list[dict]] = {}
    for src in args.sources:
        marker = Path(src) / KIND_FILE
        if not marker.exists():
            raise UsageError(f"{src} is not a pipeline output folder (no {KIND_FILE})")
        kind = json.loads(marker.read_text())["kind"]
        for rec in read_log(Path(src) / RESULTS):
            by_kind.setdefault(kind, []).extend(rec.get("records", []))
    out.mkdir(parents=True, exist_ok=True)
    summary: dict = {"out": str(out), "records": {}, "training_examples": 0}
    examples = []
    for kind, records in by_kind.items():
        with open(out / f"{kind}.jsonl", "w", encoding="utf-8") as fh:
            for r in records:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        if records:
            to_hf_dataset(records).save_to_disk(str(out / "hf" / kind))
        summary["records"][kind] = len(records)
        examples += pipeline_examples(kind, records)
        if kind == "counterexamples":
            summary["countermath"] = write_countermath(
                out / "countermath.jsonl", countermath_from_counterexamples(records)
            )
    summary["training_examples"] = write_examples(out / "training.jsonl", examples)
    if args.json:
        print(json.dumps(summary))
    else:
        counts = ", ".join(f"{k} {v}" for k, v in summary["records"].items()) or "no records"
        print(
            f"exported {counts}; {summary['training_examples']} training examples (stp train: "
            f"examples: [{out / 'training.jsonl'}]); datasets in {out / 'hf'}"
        )
    return 0


__all__ = ["KINDS", "DataError", "register"]
