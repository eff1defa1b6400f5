"""Append-only JSONL result logs: one record per line, flushed as it is produced, resumable after a crash."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator


def read_log(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The records of a result log, read without opening it for writing (none if it does not exist yet); a torn
    last line left by a writer killed mid-line is skipped."""
    path = Path(path)
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    complete = text if text.endswith("\n") else text[: text.rfind("\n") + 1]
    return [json.loads(line) for line in complete.splitlines() if line.strip()]


class ResultLog:
    """A JSONL file that long runs append to. A torn last line (the process died mid-write) is dropped on open."""

    def __init__(self, path: str | os.PathLike, key: str = "index"):
        self.path = Path(path)
        self.key = key
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._repair()
        self._fh = open(self.path, "a", encoding="utf-8")

    def _repair(self) -> None:
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            cut = data.rfind(b"\n") + 1
            with open(self.path, "r+b") as fh:
                fh.truncate(cut)

    def records(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)

    def done(self) -> set[Any]:
        """Keys of the records already written."""
        return {rec[self.key] for rec in self.records() if self.key in rec}

    def append(self, record: dict[str, Any]) -> None:
        self._fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> "ResultLog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
