"""`stp data fetch`: download a benchmark's pinned upstream files and convert them to our JSONL layout."""

from __future__ import annotations

import io
import json
import re
import tarfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Optional

from stp_prover.itp.coq.sentences import SentenceError, split_sentences

from .benchmarks import DataError, data_dir, get_benchmark

ARCHIVE_URL = "https://codeload.github.com/{repo}/tar.gz/{commit}"
# Where each upstream keeps one file per theorem, by split.
_LAYOUT = {
    "coq": {"valid": r"(?:^|/)valid/([^/]+)\.v$", "test": r"(?:^|/)test/([^/]+)\.v$"},
    "lean": {"valid": r"MiniF2F/Valid/([^/]+)\.lean$", "test": r"MiniF2F/Test/([^/]+)\.lean$"},
}
_FILE_NAMES = {"coq": "rocq_{split}.jsonl", "lean": "lean4_{split}.jsonl"}


class FetchError(RuntimeError):
    """Upstream could not be reached or read."""


def coq_record(name: str, split: str, text: str, source: str) -> dict:
    """Header (everything before the theorem) and the theorem's declaration from one upstream `.v` file."""
    m = re.search(rf"^(?:Theorem|Lemma|Example)\s+{re.escape(name)}\b", text, re.M)
    if not m:
        raise DataError(f"{source}: no theorem {name}")
    try:
        statement = split_sentences(text[m.start() :])[0]
    except (SentenceError, IndexError) as exc:
        raise DataError(f"{source}: unreadable statement: {exc}") from exc
    return {"name": name, "split": split, "header": text[: m.start()], "formal_statement": statement, "source": source}


def lean_record(name: str, split: str, text: str, source: str) -> dict:
    """Header (imports, options, opens) and the `theorem ... := by` statement from one upstream `.lean` file."""
    m = re.search(rf"^theorem\s+{re.escape(name)}\b", text, re.M)
    if not m:
        raise DataError(f"{source}: no theorem {name}")
    body = text[m.start() :]
    end = body.find(":= by")
    if end < 0:
        raise DataError(f"{source}: statement does not end in `:= by`")
    return {
        "name": name,
        "split": split,
        "header": text[: m.start()],
        "formal_statement": body[: end + 5],
        "source": source,
    }


_CONVERT: dict[str, Callable[[str, str, str, str], dict]] = {"coq": coq_record, "lean": lean_record}


def _download(url: str, timeout: float) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - fixed https URL
            return resp.read()
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"cannot download {url}: {exc}") from exc


def fetch_benchmark(
    name: str,
    directory: Optional[str] = None,
    systems: Optional[list[str]] = None,
    timeout: float = 60.0,
    download: Callable[[str, float], bytes] = _download,
) -> list[Path]:
    """Download the pinned upstream archives of `name` and write `<bench>/<system>_<split>.jsonl` files."""
    bench = get_benchmark(name)
    if not bench.upstream:
        raise DataError(f"{bench.name} has no pinned upstream to fetch; place its files under --data-dir by hand")
    written: list[Path] = []
    for system, pinned in bench.upstream.items():
        if systems and system not in systems:
            continue
        repo, commit = pinned.split("@")
        archive = download(ARCHIVE_URL.format(repo=repo, commit=commit), timeout)
        by_split: dict[str, list[dict]] = {split: [] for split in _LAYOUT[system]}
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            for member in sorted(tar.getmembers(), key=lambda m: m.name):
                for split, pattern in _LAYOUT[system].items():
                    hit = re.search(pattern, member.name)
                    if hit and member.isfile():
                        text = tar.extractfile(member).read().decode("utf-8")
                        rel = member.name.split("/", 1)[1]
                        by_split[split].append(_CONVERT[system](hit.group(1), split, text, f"{pinned}:{rel}"))
        out_dir = data_dir(directory) / bench.systems[system].pattern.split("/")[0]
        out_dir.mkdir(parents=True, exist_ok=True)
        for split, records in by_split.items():
            if not records:
                raise FetchError(f"{pinned}: no {split} files found in the archive")
            path = out_dir / _FILE_NAMES[system].format(split=split)
            with open(path, "w", encoding="utf-8") as fh:
                for rec in records:
                    fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            written.append(path)
    return written
