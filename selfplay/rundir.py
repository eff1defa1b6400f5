"""The run folder: everything a run produces, written as it is produced, so a killed run resumes where it stopped.

RUN/config.yaml            the configuration the run started with
RUN/base/                  the initial checkpoint when the model is built from a config
RUN/round-NNN/*.jsonl      conjectures, sampled proofs with verdicts, selections, training examples, held-out results
RUN/round-NNN/checkpoint/  the model trained in this round (renamed into place only when complete)
RUN/round-NNN/.done-STAGE  a finished stage
RUN/metrics.jsonl          one line per round; RUN/tb/ TensorBoard; RUN/plots/*.png"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any


class RunDir:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def round(self, r: int) -> Path:
        path = self.root / f"round-{r:03d}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def checkpoint(self, r: int) -> Path:
        return self.round(r) / "checkpoint"

    @property
    def final(self) -> Path:
        path = self.root / "final"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def done(self, folder: Path, stage: str) -> bool:
        return (folder / f".done-{stage}").exists()

    def mark_done(self, folder: Path, stage: str) -> None:
        (folder / f".done-{stage}").write_text("")

    def write_json(self, path: Path, data: Any) -> None:
        """Write atomically: a reader (or a resumed run) sees the old file or the new one, never half of one."""
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False))
        os.replace(tmp, path)

    def publish_checkpoint(self, partial: Path, final: Path) -> None:
        """Move a finished checkpoint into place; a partial one left by a killed run is discarded."""
        if final.exists():
            shutil.rmtree(final)
        os.replace(partial, final)
