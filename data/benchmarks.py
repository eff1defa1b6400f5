"""Benchmark registry: which files hold which benchmark, and how their records become `Theorem`s."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional

from stp_prover.itp.types import Theorem

DATA_DIR_ENV = "STP_DATA_DIR"
DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "stp" / "data"
# Proofs cannot `Require`, so the Coq header of a benchmark theorem is preceded by the decision procedures the
# provers use. They add no axioms and no notations; the header and the statement follow them unchanged.
COQ_TACTIC_PRELUDE = "From Coq Require Import Lia Lra Psatz."
COQ_HAMMER_PRELUDE = "From Hammer Require Import Tactics."  # `sauto`, where libcoq-hammer is installed
# `interval`, where libcoq-interval is installed and the header works over the reals: it doubles a coqtop's memory
# (about 0.3 to 0.6 GB), which theorems over nat and Z would pay for nothing.
COQ_INTERVAL_PRELUDE = "From Interval Require Import Tactic."
_REAL_HEADER = re.compile(r"\bReals\b|\bCoquelicot\b|\bR(?:base|functions|basic_fun|definitions|trigo|sqrt|power)\b")


def tactic_prelude(system: str, header: str = "") -> str:
    """Tactic libraries loaded before a theorem's header (`header`: what follows, which decides Interval)."""
    if system != "coq":
        return ""
    from stp_prover.itp.coq import has_library

    hammer = COQ_HAMMER_PRELUDE + "\n" if has_library("Hammer") else ""
    interval = _REAL_HEADER.search(header) and has_library("Interval")
    return COQ_TACTIC_PRELUDE + "\n" + hammer + (COQ_INTERVAL_PRELUDE + "\n" if interval else "")


class DataError(ValueError):
    """A benchmark, split, file or theorem that does not exist; the message says what does."""


@dataclass(frozen=True)
class BenchmarkFiles:
    """One system's files of a benchmark: `pattern` has `{split}`; `convert` maps a JSON record to a Theorem."""

    pattern: str
    convert: Callable[[dict, str], Theorem]


@dataclass(frozen=True)
class Benchmark:
    name: str
    splits: tuple[str, ...]
    systems: dict[str, BenchmarkFiles] = field(default_factory=dict)
    upstream: dict[str, str] = field(default_factory=dict)  # system -> pinned source, for `stp data fetch`
    shipped: Optional[Path] = None  # folder inside this package, for sets the project ships (no --data-dir)


def _minif2f_coq(rec: dict, system: str) -> Theorem:
    header = tactic_prelude(system, rec["header"]) + rec["header"]
    return Theorem(
        rec["name"],
        system,
        header,
        rec["formal_statement"].strip(),
        rec.get("informal_statement"),
        rec.get("informal_proof"),
        rec.get("split"),
        rec.get("source"),
    )


def _example_coq(rec: dict, system: str) -> Theorem:
    rec = dict(rec, split="all", source="stp-prover examples")
    return _minif2f_coq(rec, system)


def _minif2f_lean(rec: dict, system: str) -> Theorem:
    return Theorem(
        rec["name"],
        system,
        rec["header"],
        _lean_statement(rec["formal_statement"]),
        rec.get("informal_statement"),
        rec.get("informal_proof"),
        rec.get("split"),
        rec.get("source"),
    )


def _proofnet_lean(rec: dict, system: str) -> Theorem:
    header = rec["header"].rstrip() + "\n\n" + (rec.get("helper") or "")
    # ProofNet-Verified was checked with Lean's default options: some statements bind a variable only implicitly
    # (Axler_exercise_7_6's `[RCLike F]`), so its headers keep auto-bound implicits, which the Lean backend
    # otherwise turns off after a header (itp/lean/session.py).
    header = header.rstrip() + "\n\nset_option autoImplicit true"
    return Theorem(
        rec["name"],
        system,
        header.rstrip() + "\n\n",
        _lean_statement(rec["formal_stmt"]),
        rec.get("informal_stmt"),
        rec.get("informal_proof"),
        "verified",
        "marcusm117/ProofNet-Verified",
    )


def _lean_statement(text: str) -> str:
    """A Lean statement ending in `:= by` (a trailing `sorry` placeholder removed)."""
    s = re.sub(r"\s*sorry\s*$", "", text.strip())
    return s if s.endswith("by") or s.endswith(":=") else s + " := by"


REGISTRY: dict[str, Benchmark] = {
    "minif2f": Benchmark(
        "miniF2F",
        ("valid", "test"),
        {
            "coq": BenchmarkFiles("minif2f/rocq_{split}.jsonl", _minif2f_coq),
            "lean": BenchmarkFiles("minif2f/lean4_{split}.jsonl", _minif2f_lean),
        },
        {
            "coq": "LLM4Rocq/miniF2F-rocq@b60affae5d9b81eb097424e3143c40165ccbe97b",
            "lean": "yangky11/miniF2F-lean4@5746b7d6c47855ce1294bed87329618ff7f1bc31",
        },
    ),
    "examples": Benchmark(
        "examples",
        ("all",),
        {
            "coq": BenchmarkFiles("coq_{split}.jsonl", _example_coq),
            "lean": BenchmarkFiles("lean4_{split}.jsonl", _minif2f_lean),
        },
        shipped=Path(__file__).resolve().parent / "examples",
    ),
    "proofnet": Benchmark(
        "ProofNet",
        ("verified",),
        {"lean": BenchmarkFiles("proofnet/lean4_{split}.jsonl", _proofnet_lean)},
    ),
}


def user_theorem(name: str, system: str, header: str, statement: str) -> Theorem:
    """A theorem a user typed in, with the same tactic libraries in reach as benchmark theorems have."""
    if header and not header.endswith("\n"):
        header += "\n"
    return Theorem(name, system, tactic_prelude(system, header) + header, statement.strip())


def select_theorems(
    theorems: list[Theorem], names: Optional[list[str]] = None, limit: Optional[int] = None, where: str = ""
) -> list[Theorem]:
    """The named theorems (all when no names; an unknown name is a DataError naming `where`), then the first `limit`."""
    if names:
        known = {t.name for t in theorems}
        missing = [n for n in names if n not in known]
        if missing:
            raise DataError(f"{where} has no theorem {', '.join(missing)}")
        theorems = [t for t in theorems if t.name in set(names)]
    return theorems[: max(0, limit)] if limit is not None else theorems


def data_dir(explicit: Optional[str] = None) -> Path:
    """`--data-dir`, else $STP_DATA_DIR, else ~/.local/share/stp/data."""
    return Path(explicit or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)


def get_benchmark(name: str) -> Benchmark:
    try:
        return REGISTRY[name.lower()]
    except KeyError:
        raise DataError(f"unknown benchmark {name!r}; known: {', '.join(b.name for b in REGISTRY.values())}") from None


def benchmark_path(name: str, split: str, system: str, directory: Optional[str] = None) -> Path:
    bench = get_benchmark(name)
    if system not in bench.systems:
        raise DataError(f"{bench.name} has no {system} version; it has: {', '.join(bench.systems)}")
    if split not in bench.splits:
        raise DataError(f"{bench.name} has no split {split!r}; splits: {', '.join(bench.splits)}")
    root = bench.shipped or data_dir(directory)
    return root / bench.systems[system].pattern.format(split=split)


def load_benchmark(name: str, split: str, system: str, directory: Optional[str] = None) -> list[Theorem]:
    """All theorems of one split, in file order."""
    path = benchmark_path(name, split, system, directory)
    if not path.is_file():
        raise DataError(
            f"{path} does not exist; run `stp data fetch {get_benchmark(name).name}` "
            f"or point --data-dir (or ${DATA_DIR_ENV}) at a folder holding it"
        )
    convert = get_benchmark(name).systems[system].convert
    return [convert(rec, system) for rec in _read_jsonl(path)]


def find_theorem(spec: str, system: str, directory: Optional[str] = None) -> Theorem:
    """`BENCHMARK/NAME` (searched in every split present) or `BENCHMARK/SPLIT/NAME`."""
    parts = spec.split("/")
    if len(parts) not in (2, 3) or not all(parts):
        raise DataError(f"expected BENCHMARK/NAME or BENCHMARK/SPLIT/NAME, got {spec!r}")
    bench = get_benchmark(parts[0])
    splits = (parts[1],) if len(parts) == 3 else bench.splits
    searched = []
    for split in splits:
        path = benchmark_path(bench.name, split, system, directory)
        if not path.is_file():
            continue
        searched.append(str(path))
        for theorem in load_benchmark(bench.name, split, system, directory):
            if theorem.name == parts[-1]:
                return theorem
    if not searched:
        raise DataError(
            f"no {bench.name} files for {system} under {data_dir(directory)}; "
            f"run `stp data fetch {bench.name}` or pass --data-dir"
        )
    raise DataError(f"{bench.name} has no theorem {parts[-1]!r} (searched {', '.join(searched)})")


def _read_jsonl(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataError(f"{path}:{lineno}: not JSON: {exc}") from exc
