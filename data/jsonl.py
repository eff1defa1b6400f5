"""Append-only JSONL result logs: one record per line, flushed as it is produced, resumable after a crash."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable, Iterator

from .benchmarks import DataError


class JsonlError(DataError):
    """A JSONL file with a line that is not a JSON object; the message names the file and the line."""


class ResultLogError(DataError):
    """A result log that cannot be opened or written (no permission, disk full); nothing torn is left in it."""


def jsonl_lines(text: str) -> list[str]:
    """The non-blank lines of JSONL text. Records end at "\\n" only: str.splitlines() would also cut at U+0085,
    U+2028, form feeds and the like, which JSON strings (model outputs, user text) carry unescaped."""
    return [line for line in text.split("\n") if line.strip()]


def read_jsonl(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Every record of a JSONL input file; raises JsonlError naming the first line that is not a JSON object."""
    path = Path(path)
    records = []
    for i, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise JsonlError(f"{path}:{i}: not JSON ({exc.msg})") from None
        if not isinstance(rec, dict):
            raise JsonlError(f"{path}:{i}: not a JSON object")
        records.append(rec)
    return records


def read_log(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The records of a result log, read without opening it for writing (none if it does not exist yet); a torn
    last line left by a writer killed mid-line is skipped."""
    path = Path(path)
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    complete = text[: text.rfind("\n") + 1]
    return [json.loads(line) for line in jsonl_lines(complete)]


class ResultLog:
    """A JSONL file that long runs append to. A torn last line (the process died mid-write) is dropped on open; a
    write that fails (disk full) is undone before the error is raised, so the file never holds half a record."""

    def __init__(self, path: str | os.PathLike, key: str = "index"):
        self.path = Path(path)
        self.key = key
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._repair()
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ResultLogError(f"cannot write results to {self.path}: {exc.strerror or exc}") from None

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
        with open(self.path, encoding="utf-8", newline="\n") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)

    def done(self) -> set[Any]:
        """Keys of the records already written."""
        return {rec[self.key] for rec in self.records() if self.key in rec}

    def append(self, record: dict[str, Any]) -> None:
        self.append_many([record])

    def append_many(self, records: Iterable[dict[str, Any]]) -> None:
        """Append records with one write and one fsync for them all; on failure none of them stays."""
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
        if not data:
            return
        size = os.fstat(self._fd).st_size
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
            os.fsync(self._fd)
        except OSError as exc:
            try:
                os.ftruncate(self._fd, size)
            except OSError:
                pass
            raise ResultLogError(f"cannot write results to {self.path}: {exc.strerror or exc}") from None

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> "ResultLog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
