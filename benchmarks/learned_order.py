"""Does the learned search order beat the hand-written portfolio on problems it never saw, at equal wall-clock?

Two-fold: the problems (a seeded shuffle of the split, then --limit) are cut in two halves. For each half a
training run proves it with the portfolio while a fresh search order learns from every step and a tactic memory
learns every proof found (--memory-from adds traced library proofs). Each fold then evaluates on the OTHER half:

    portfolio  the hand-written best-first search, the shipped default, no order file, no memory
    learned    the order and memory trained on the fold's training half, plus the same portfolio
    mixture    (with --model) the learned arm plus the model, asked only where the others' candidates are spent

Every arm runs in its own fresh process (no state shared between arms), every problem of the evaluated half gets the
same --budget in every arm, and the arms run the same problem at the same time, one core each. Per fold it prints one
JSON line: proved counts, wins and losses of `learned` against `portfolio`, the exact McNemar p-value, and median
time-to-proof on the problems both prove. With --headroom K, the portfolio is also run at --headroom-budget on K
problems it did not prove at --budget: what a longer budget alone would add.

    .venv/bin/python benchmarks/learned_order.py --data-dir ../shared/data --split valid --budget 8 --out runs/lo

Results are appended to DIR/results.jsonl as they come; a rerun with the same --out resumes.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

ARMS = ("portfolio", "learned", "mixture")


@dataclass(frozen=True)
class ArmSpec:
    """What one worker process builds: the backend, the budget and which learned parts it loads."""

    name: str
    backend: str
    budget: float
    order: Optional[str] = None  # a saved search order to start from (None: the search's own default)
    order_out: Optional[str] = None  # where the order is saved after every problem (a training run)
    memory: Optional[str] = None  # a tactic memory (JSONL) read and extended
    memory_from: Optional[str] = None  # traced data seeding a new memory
    model: Optional[str] = None


def halves(names: list[str], seed: int) -> tuple[list[str], list[str]]:
    """The problems in two halves, by a seeded shuffle (a fold trains on one and evaluates on the other)."""
    order = sorted(names)
    random.Random(seed).shuffle(order)
    mid = len(order) // 2
    return order[:mid], order[mid:]


def _serve(conn, spec: ArmSpec, warm) -> None:
    """One arm's process: build the environment and policies once, then prove what it is sent until told to stop."""
    from stp_prover.itp import ItpConfig, make_env
    from stp_prover.prover import make_policies
    from stp_prover.prover.policy_settings import PolicySettings
    from stp_prover.prover.prove import ProveConfig, prove_record
    from stp_prover.search import SearchOrder

    env = make_env(spec.backend, ItpConfig())
    try:
        policy = PolicySettings(
            policy="mixture" if (spec.memory or spec.model) else "portfolio",
            memory=spec.memory,
            memory_from=spec.memory_from,
        )
        memory = policy.open_memory()
        order = None
        if spec.order and Path(spec.order).is_file():
            order = SearchOrder.load(Path(spec.order))
        elif spec.order_out:
            order = SearchOrder()
        tactic_policy, proof_policy = make_policies(env, spec.model, memory=memory, policy=policy)
        config = ProveConfig(method="best-first", budget_seconds=spec.budget)
        try:  # imports and first process starts are paid here, not from the first problem's budget
            env.automation(env.start(warm))
        except Exception:  # noqa: BLE001 - a warm-up that fails costs only the first problem some time
            pass
        conn.send("ready")
        while True:
            theorem = conn.recv()
            if theorem is None:
                break
            record = prove_record(theorem, env, tactic_policy, proof_policy, config, memory, order=order)
            if spec.order_out and order is not None:
                order.save(Path(spec.order_out))
            conn.send(record)
        if memory is not None:
            memory.close()
    finally:
        env.close()
        conn.close()


class Arm:
    """A worker process for one arm; `start` sends a theorem, `result` waits for its record."""

    def __init__(self, spec: ArmSpec, warm):
        ctx = mp.get_context("spawn")
        self.spec = spec
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, spec, warm), daemon=True)
        self.process.start()
        child.close()
        if self.conn.recv() != "ready":
            raise RuntimeError(f"arm {spec.name} did not start")

    def start(self, theorem) -> None:
        self.conn.send(theorem)

    def result(self) -> dict:
        return self.conn.recv()

    def close(self) -> None:
        try:
            self.conn.send(None)
        except (BrokenPipeError, OSError):
            pass
        self.process.join(timeout=60)
        if self.process.is_alive():
            self.process.kill()


def run_side_by_side(arms: list[Arm], theorems: list, log, tag: str, done: set, bar) -> None:
    """Every theorem through every arm at the same time; one record per (tag, arm, theorem) appended to `log`."""
    for theorem in theorems:
        todo = [a for a in arms if f"{tag}/{a.spec.name}/{theorem.name}" not in done]
        for arm in todo:
            arm.start(theorem)
        for arm in todo:
            record = arm.result()
            record.update(key=f"{tag}/{arm.spec.name}/{theorem.name}", tag=tag, arm=arm.spec.name)
            log.append(record)
        bar.update(1)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", default="../shared/data")
    p.add_argument("--benchmark", default="miniF2F")
    p.add_argument("--split", default="valid")
    p.add_argument("--backend", default="coq")
    p.add_argument("--limit", type=int, help="the first N problems of the seeded shuffle (a smoke run)")
    p.add_argument("--budget", type=float, default=8.0, help="seconds per problem, every arm")
    p.add_argument("--seed", type=int, default=0, help="the shuffle that cuts the halves")
    p.add_argument("--memory-from", help="traced data (`stp data trace`) whose train part seeds the learned memory")
    p.add_argument("--model", help="a checkpoint for the mixture arm (skipped without)")
    p.add_argument("--headroom", type=int, default=0, metavar="K", help="portfolio problems rerun at a longer budget")
    p.add_argument("--headroom-budget", type=float, default=60.0)
    p.add_argument(
        "--orders",
        nargs="+",
        metavar="NAME=FILE",
        help="no training: compare these saved orders (e.g. self-play's round-000/order.json and the last round's) "
        "with the portfolio and with the first of them, on --names (or the --limit problems)",
    )
    p.add_argument("--names", help="a file of problem names, one per line (with --orders: the held-out problems)")
    p.add_argument("--out", default="runs/learned-order")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.budget <= 0 or (args.limit is not None and args.limit < 2) or args.headroom < 0:
        print("error: --budget must be positive, --limit at least 2, --headroom at least 0", file=sys.stderr)
        return 2
    from tqdm import tqdm

    from stp_prover.data import DataError, ResultLog, get_benchmark, load_benchmark
    from stp_prover.itp import ensure_available, system_of
    from stp_prover.prover.compare import compare_arms

    try:
        ensure_available(args.backend)
        theorems = load_benchmark(
            get_benchmark(args.benchmark).name, args.split, system_of(args.backend), args.data_dir
        )
    except (DataError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    by_name = {t.name: t for t in theorems}
    names = sorted(by_name)
    random.Random(args.seed).shuffle(names)
    if args.names:
        try:
            wanted = Path(args.names).read_text(encoding="utf-8").split()
        except OSError as exc:
            print(f"error: cannot read --names {args.names}: {exc.strerror}", file=sys.stderr)
            return 2
        if unknown := [n for n in wanted if n not in by_name]:
            print(f"error: --names: not in the split: {', '.join(unknown[:5])}", file=sys.stderr)
            return 2
        names = [n for n in names if n in set(wanted)]
    names = names[: args.limit] if args.limit else names
    if args.orders:
        return compare_orders(args, [by_name[n] for n in names], theorems[0])
    half = halves(names, args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps({**vars(args), "halves": [list(h) for h in half]}, indent=1))
    warm = theorems[0]
    t0 = time.monotonic()
    with ResultLog(out / "results.jsonl", key="key") as log:
        done = log.done()
        # Training: each half proved by the portfolio while an order and a memory learn from it (both halves at once).
        trainers = [
            Arm(
                ArmSpec(
                    f"train{h}",
                    args.backend,
                    args.budget,
                    order=str(out / f"order-half{h}.json"),
                    order_out=str(out / f"order-half{h}.json"),
                    memory=str(out / f"memory-half{h}.jsonl"),
                    memory_from=args.memory_from,
                ),
                warm,
            )
            for h in (0, 1)
        ]
        bar = tqdm(total=len(names), desc="train (both halves)", unit="thm", file=sys.stderr, disable=None)
        try:
            for pair in zip(*half):
                for arm, name in zip(trainers, pair):
                    if f"train/{arm.spec.name}/{name}" not in done:
                        arm.start(by_name[name])
                for arm, name in zip(trainers, pair):
                    if f"train/{arm.spec.name}/{name}" not in done:
                        record = arm.result()
                        record.update(key=f"train/{arm.spec.name}/{name}", tag="train", arm=arm.spec.name)
                        log.append(record)
                bar.update(2)
            if len(half[1]) > len(half[0]):  # an odd count: the second half's last problem
                name = half[1][-1]
                if f"train/train1/{name}" not in done:
                    trainers[1].start(by_name[name])
                    record = trainers[1].result()
                    record.update(key=f"train/train1/{name}", tag="train", arm="train1")
                    log.append(record)
                bar.update(1)
        finally:
            bar.close()
            for arm in trainers:
                arm.close()
        # Evaluation: fold k trains on half k and evaluates on the other half.
        folds = []
        for k in (0, 1):
            evaluated = [by_name[n] for n in half[1 - k]]

            def trained(name: str, model: Optional[str] = None) -> ArmSpec:
                """An arm that starts from half k's order and a copy of its memory (evaluation never changes them)."""
                memory = _copy(out / f"memory-half{k}.jsonl", out / f"memory-fold{k}-{name}.jsonl")
                order = str(out / f"order-half{k}.json")
                return ArmSpec(name, args.backend, args.budget, order=order, memory=str(memory), model=model)

            specs = [ArmSpec("portfolio", args.backend, args.budget), trained("learned")]
            if args.model:
                specs.append(trained("mixture", args.model))
            arms = [Arm(s, warm) for s in specs]
            bar = tqdm(total=len(evaluated), desc=f"fold {k}", unit="thm", file=sys.stderr, disable=None)
            try:
                run_side_by_side(arms, evaluated, log, f"fold{k}", done, bar)
            finally:
                bar.close()
                for arm in arms:
                    arm.close()
            records = _by_arm(log.records(), f"fold{k}")
            evaluated_names = [t.name for t in evaluated]
            cmp = compare_arms(records["portfolio"], records["learned"], evaluated_names).to_dict()
            line = {
                "fold": k,
                "trained_on": len(half[k]),
                "evaluated": len(evaluated_names),
                "budget": args.budget,
                "portfolio": cmp["a"],
                "learned": cmp["b"],
                "wins": cmp["wins"],
                "losses": cmp["losses"],
                "p_value": cmp["p_value"],
                "both": cmp["both"],
                "median_portfolio_s": cmp["median_a_s"],
                "median_learned_s": cmp["median_b_s"],
                "median_ratio": cmp["median_ratio"],
            }
            if args.model:
                mix = compare_arms(records["portfolio"], records["mixture"], evaluated_names)
                line.update(mixture=mix.b, mixture_wins=mix.wins, mixture_losses=mix.losses)
            folds.append(line)
            print(json.dumps(line), flush=True)
        if args.headroom:
            print(json.dumps(_headroom(args, log, by_name, folds, warm, done)), flush=True)
    (out / "summary.json").write_text(json.dumps({"folds": folds, "seconds": round(time.monotonic() - t0, 1)}))
    return 0


def compare_orders(args, theorems: list, warm) -> int:
    """The portfolio and one arm per saved order (no memory: the order alone), side by side on `theorems`; one JSON
    line per order against the portfolio and against the first order."""
    from tqdm import tqdm

    from stp_prover.data import ResultLog
    from stp_prover.prover.compare import compare_arms

    orders = []
    for item in args.orders:
        name, _, path = item.partition("=")
        if not name or not path or not Path(path).is_file() or name == "portfolio":
            print(f"error: --orders {item!r}: give NAME=FILE with an existing order file", file=sys.stderr)
            return 2
        orders.append((name, path))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    specs = [ArmSpec("portfolio", args.backend, args.budget)]
    specs += [ArmSpec(name, args.backend, args.budget, order=path) for name, path in orders]
    with ResultLog(out / "results.jsonl", key="key") as log:
        arms = [Arm(s, warm) for s in specs]
        bar = tqdm(total=len(theorems), desc="orders", unit="thm", file=sys.stderr, disable=None)
        try:
            run_side_by_side(arms, theorems, log, "orders", log.done(), bar)
        finally:
            bar.close()
            for arm in arms:
                arm.close()
        records = _by_arm(log.records(), "orders")
    names = [t.name for t in theorems]
    first = orders[0][0]
    for name, path in orders:
        line = {"order": name, "file": path, "problems": len(names), "budget": args.budget}
        line["vs_portfolio"] = compare_arms(records["portfolio"], records[name], names).to_dict()
        if name != first:
            line[f"vs_{first}"] = compare_arms(records[first], records[name], names).to_dict()
        print(json.dumps(line), flush=True)
    return 0


def _headroom(args, log, by_name: dict, folds: list, warm, done: set) -> dict:
    """The portfolio at --headroom-budget on the first K problems it did not prove at --budget (both folds)."""
    from tqdm import tqdm

    unproved = []
    for k in (0, 1):
        records = _by_arm(log.records(), f"fold{k}")["portfolio"]
        unproved += [n for n, r in records.items() if not r.get("proved") and r.get("status") != "bad_statement"]
    chosen = sorted(unproved)[: args.headroom]
    spec = ArmSpec("portfolio-long", args.backend, args.headroom_budget)
    arms = [Arm(spec, warm)]
    bar = tqdm(total=len(chosen), desc=f"headroom at {args.headroom_budget:g}s", unit="thm", file=sys.stderr)
    try:
        run_side_by_side(arms, [by_name[n] for n in chosen], log, "headroom", done, bar)
    finally:
        bar.close()
        arms[0].close()
    long = _by_arm(log.records(), "headroom")["portfolio-long"]
    gained = sum(1 for n in chosen if long.get(n, {}).get("proved"))
    base = sum(f["portfolio"] for f in folds)
    return {
        "headroom": True,
        "budget": args.budget,
        "long_budget": args.headroom_budget,
        "rerun": len(chosen),
        "of_unproved": len(unproved),
        "gained": gained,
        "portfolio_proved": base,
        # extrapolated to every unproved problem: what the longer budget adds over the short one
        "estimated_gain_pct": round(100 * gained / max(1, len(chosen)) * len(unproved) / max(1, base), 1),
    }


def _by_arm(records, tag: str) -> dict[str, dict[str, dict]]:
    out: dict[str, dict[str, dict]] = {a: {} for a in (*ARMS, "portfolio-long")}
    for r in records:
        if r.get("tag") == tag:
            out.setdefault(r["arm"], {})[r["name"]] = r
    return out


def _copy(src: Path, dst: Path) -> Path:
    """A fold arm's own copy of a trained memory, made afresh at each start: evaluation's online learning never
    changes the trained memory, and a resumed fold does not start from what it learnt before the interruption."""
    dst.write_bytes(src.read_bytes() if src.exists() else b"")
    return dst


if __name__ == "__main__":
    sys.exit(main())
