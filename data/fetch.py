"""`stp data fetch`: download a benchmark's pinned upstream files and convert them to our JSONL layout. Which
upstream, which of its files and how one becomes a record: each proof assistant's backend spec says
(`BenchmarkLayout`)."""

from __future__ import annotations

import io
import json
import re
import tarfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Optional

from stp_prover.itp import BenchmarkLayout

from .benchmarks import DataError, data_dir, get_benchmark

ARCHIVE_URL = "https://codeload.github.com/{repo}/tar.gz/{commit}"


class FetchError(RuntimeError):
    """Upstream could not be reached or read."""


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
    """Download the pinned upstream archives of `name` and write each proof assistant's JSONL files, by split."""
    bench = get_benchmark(name)
    pinned = {system: layout for system, layout in bench.systems.items() if layout.upstream and layout.record}
    if not pinned:
        raise DataError(f"{bench.name} has no pinned upstream to fetch; place its files under --data-dir by hand")
    written: list[Path] = []
    for system, layout in pinned.items():
        if systems and system not in systems:
            continue
        repo, commit = layout.upstream.split("@")
        archive = download(ARCHIVE_URL.format(repo=repo, commit=commit), timeout)
        by_split = _records(archive, layout)
        for split, records in by_split.items():
            if not records:
                raise FetchError(f"{layout.upstream}: no {split} files found in the archive")
            path = data_dir(directory) / layout.pattern.format(split=split)
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "w", encoding="utf-8") as fh:
                for rec in records:
                    fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            written.append(path)
    return written


def _records(archive: bytes, layout: BenchmarkLayout) -> dict[str, list[dict]]:
    """Split -> the records of the archive's files that the layout names, in path order."""
    by_split: dict[str, list[dict]] = {split: [] for split in layout.upstream_files}
    try:
        tar = tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz")
    except tarfile.TarError as exc:
        raise FetchError(f"{layout.upstream}: not a gzipped tar archive: {exc}") from exc
    with tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            for split, pattern in layout.upstream_files.items():
                hit = re.search(pattern, member.name)
                if hit and member.isfile():
                    text = tar.extractfile(member).read().decode("utf-8")
                    rel = member.name.split("/", 1)[1]
                    try:
                        by_split[split].append(layout.record(hit.group(1), split, text, f"{layout.upstream}:{rel}"))
                    except ValueError as exc:
                        raise DataError(str(exc)) from exc
    return by_split
