"""Benchmark registry: which benchmarks exist and their splits. Each proof assistant's files of a benchmark (where
they lie, how a record becomes a `Theorem`, where `stp data fetch` gets them) come with its backend spec."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping, Optional

from stp_prover.itp import BenchmarkLayout, Theorem, benchmark_layouts, tactic_prelude

from .proofnet_splits import VALID_NAMES as PROOFNET_VALID

DATA_DIR_ENV = "STP_DATA_DIR"
DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "stp" / "data"


class DataError(ValueError):
    """A benchmark, split, file or theorem that does not exist; the message says what does."""


@dataclass(frozen=True)
class Benchmark:
    name: str
    splits: tuple[str, ...]
    shipped: Optional[Path] = None  # folder inside this package, for sets the project ships (no --data-dir)
    # split -> (the split whose file holds it, the names it keeps): a split the published files do not separate
    # (ProofNet-Verified has one file; STP's targets use ProofNet's valid part of it).
    subsets: Mapping[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The registry key, which backend specs name their files of this benchmark by."""
        return self.name.lower()

    @property
    def systems(self) -> dict[str, BenchmarkLayout]:
        """Proof assistant -> its files of this benchmark, from the registered backend specs."""
        return benchmark_layouts(self.key)


REGISTRY: dict[str, Benchmark] = {
    "minif2f": Benchmark("miniF2F", ("valid", "test")),
    "examples": Benchmark("examples", ("all",), shipped=Path(__file__).resolve().parent / "examples"),
    "proofnet": Benchmark("ProofNet", ("verified", "valid"), subsets={"valid": ("verified", PROOFNET_VALID)}),
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
    layouts = bench.systems
    if system not in layouts:
        raise DataError(f"{bench.name} has no {system} version; it has: {', '.join(layouts) or 'none registered'}")
    if split not in bench.splits:
        raise DataError(f"{bench.name} has no split {split!r}; splits: {', '.join(bench.splits)}")
    root = bench.shipped or data_dir(directory)
    stored = bench.subsets[split][0] if split in bench.subsets else split
    return root / layouts[system].pattern.format(split=stored)


def load_benchmark(name: str, split: str, system: str, directory: Optional[str] = None) -> list[Theorem]:
    """All theorems of one split, in file order."""
    path = benchmark_path(name, split, system, directory)
    if not path.is_file():
        raise DataError(
            f"{path} does not exist; run `stp data fetch {get_benchmark(name).name}` "
            f"or point --data-dir (or ${DATA_DIR_ENV}) at a folder holding it"
        )
    bench = get_benchmark(name)
    convert = bench.systems[system].convert
    theorems = [convert(rec, system) for rec in _read_jsonl(path)]
    if split in bench.subsets:
        keep = set(bench.subsets[split][1])
        theorems = [t for t in theorems if t.name in keep]
    return theorems


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
