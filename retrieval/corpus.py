"""The premise corpus: every premise with its name, statement, file and position, and which premises a theorem may
use (earlier in its own file, or in a file it imports transitively), as ReProver filters them before top-k. Files
list their direct imports (LeanDojo's corpus.jsonl and ours alike); the closure is taken here."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Premise:
    full_name: str
    code: str
    file: str
    line: int
    kind: str = ""

    def text(self) -> str:
        """What retrievers read: the declaration itself (it starts with the name)."""
        return self.code


class PremiseCorpus:
    def __init__(self, files: list[dict], digest: str = ""):
        from stp_prover.data.traced import transitive_imports

        self.digest = digest  # sha256 of the corpus file it was read from: what an index was built from
        self.premises: list[Premise] = []
        direct: dict[str, set[str]] = {}
        self._by_file: dict[str, list[int]] = defaultdict(list)
        self._logical: dict[str, str] = {}
        for f in files:
            direct[f["path"]] = set(f.get("imports", []))
            self._logical[f.get("logical_name", f["path"])] = f["path"]
            for p in f.get("premises", []):
                self._by_file[f["path"]].append(len(self.premises))
                self.premises.append(
                    Premise(p["full_name"], p.get("code", ""), f["path"], int(p.get("line", 0)), p.get("kind", ""))
                )
        self.imports: dict[str, set[str]] = transitive_imports(direct)
        self.index_of = {p.full_name: i for i, p in enumerate(self.premises)}

    @classmethod
    def load(cls, path: Path) -> "PremiseCorpus":
        raw = Path(path).read_bytes()
        lines = raw.decode("utf-8").splitlines()
        return cls([json.loads(line) for line in lines if line.strip()], hashlib.sha256(raw).hexdigest())

    def __len__(self) -> int:
        return len(self.premises)

    def accessible(self, file: str, line: int) -> np.ndarray:
        """Indices of the premises a theorem at (file, line) may use."""
        idx = [i for i in self._by_file.get(file, []) if self.premises[i].line < line]
        for f in self.imports.get(file, ()):
            idx += self._by_file.get(f, [])
        return np.array(sorted(set(idx)), dtype=np.int64)

    def accessible_from_imports(self, header: str) -> np.ndarray:
        """Indices of the premises a theorem may use whose header `Require`s libraries (names resolved by suffix)."""
        files: set[str] = set()
        for names in re.findall(r"Require\s+(?:Import\s+|Export\s+)?([^.\n]+(?:\.[A-Za-z_]\w*)*)\s*\.", header):
            for name in names.split():
                for logical, path in self._logical.items():
                    if logical == name or logical.endswith("." + name):
                        files.add(path)
                        files |= self.imports.get(path, set())
        for name in re.findall(r"^import\s+(\S+)", header, re.M):  # Lean
            if name in self._logical:
                files.add(self._logical[name])
        idx = [i for f in files for i in self._by_file.get(f, [])]
        return np.array(sorted(set(idx)), dtype=np.int64)
