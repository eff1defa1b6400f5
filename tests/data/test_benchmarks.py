"""Benchmark registry over ../shared/data, and the upstream conversion used by `stp data fetch`."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from stp_prover.data import DataError, FetchError, fetch_benchmark, find_theorem, load_benchmark
from stp_prover.itp.coq import COQ_TACTIC_PRELUDE, coq_record, split_sentences
from stp_prover.itp.lean import lean_record


def test_minif2f_valid_loads_in_both_systems(shared_data):
    coq = load_benchmark("miniF2F", "valid", "coq", str(shared_data))
    lean = load_benchmark("minif2f", "valid", "lean", str(shared_data))
    assert len(coq) == len(lean) == 244
    assert {t.name for t in coq} == {t.name for t in lean}
    assert all(t.header.startswith(COQ_TACTIC_PRELUDE + "\n") for t in coq)
    assert all(t.statement.endswith(":= by") for t in lean)
    assert all(t.informal_statement for t in coq)


def test_find_theorem_by_benchmark_and_name(shared_data):
    t = find_theorem("miniF2F/mathd_algebra_10", "coq", str(shared_data))
    assert t.statement.startswith("Theorem mathd_algebra_10") and t.split == "valid"
    assert find_theorem("miniF2F/valid/mathd_algebra_10", "lean", str(shared_data)).system == "lean"


@pytest.mark.parametrize(
    "spec, message",
    [
        ("nosuch/x", "unknown benchmark"),
        ("miniF2F/nosuch_theorem", "no theorem"),
        ("miniF2F", "expected"),
        ("miniF2F/train/x", "no split"),
    ],
)
def test_bad_theorem_specs_say_what_exists(shared_data, spec, message):
    with pytest.raises(DataError, match=message):
        find_theorem(spec, "coq", str(shared_data))


def test_missing_data_dir_explains_how_to_get_the_files(tmp_path):
    with pytest.raises(DataError, match="stp data fetch"):
        load_benchmark("miniF2F", "valid", "coq", str(tmp_path))


def test_upstream_coq_files_convert_to_the_shared_records(shared_data):
    for line in open(shared_data / "minif2f" / "rocq_valid.jsonl", encoding="utf-8"):
        rec = json.loads(line)
        got = coq_record(rec["name"], "valid", rec["full_text"], "src")
        assert got["header"] == rec["header"]
        assert got["formal_statement"] == split_sentences(rec["formal_statement"])[0]


def tarball(files: dict[str, str]) -> bytes:
    """A .tar.gz archive of `files` (path -> text), as GitHub's codeload serves a pinned commit."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_fetch_writes_our_layout_from_an_upstream_archive(tmp_path):
    lean_file = "import Mathlib\n\ntheorem t1 (n : ℕ) : n + 0 = n := by\n  sorry\n"
    archive = tarball(
        {"repo-abc/MiniF2F/Valid/t1.lean": lean_file, "repo-abc/MiniF2F/Test/t2.lean": lean_file.replace("t1", "t2")}
    )
    written = fetch_benchmark("miniF2F", str(tmp_path), ["lean"], download=lambda url, timeout: archive)
    assert sorted(p.name for p in written) == ["lean4_test.jsonl", "lean4_valid.jsonl"]
    [t] = load_benchmark("miniF2F", "valid", "lean", str(tmp_path))
    assert t.name == "t1" and t.header == "import Mathlib\n\n" and t.statement.endswith(":= by")
    assert lean_record("t1", "valid", lean_file, "s")["formal_statement"] == "theorem t1 (n : ℕ) : n + 0 = n := by"


def test_fetch_without_network_fails_clearly(tmp_path):
    def offline(url, timeout):
        raise FetchError(f"cannot download {url}: no route")

    with pytest.raises(FetchError, match="cannot download"):
        fetch_benchmark("miniF2F", str(tmp_path), download=offline)
