from stp_prover.data import ResultLog


def test_result_log_resumes_and_drops_a_torn_last_line(tmp_path):
    path = tmp_path / "out.jsonl"
    with ResultLog(path) as log:
        log.append({"index": 0, "ok": True})
        log.append({"index": 1, "ok": False})
    with open(path, "a") as fh:
        fh.write('{"index": 2, "ok"')  # the process died mid-write
    with ResultLog(path) as log:
        assert log.done() == {0, 1}
        log.append({"index": 2, "ok": True})
    assert [r["index"] for r in ResultLog(path).records()] == [0, 1, 2]


def test_read_log_reads_without_writing_and_skips_a_torn_line(tmp_path):
    from stp_prover.data import read_log

    path = tmp_path / "log.jsonl"
    assert read_log(path) == [] and not path.exists()
    path.write_text('{"index": 0}\n{"index": 1}\n{"ind')
    assert read_log(path) == [{"index": 0}, {"index": 1}]
    assert path.read_text().endswith('{"ind')  # a reader leaves the file to its writer


# Characters that str.splitlines() treats as line ends but JSON does not escape (a sampled proof held U+0085).
LINE_BREAKERS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def test_records_survive_every_line_breaking_character(tmp_path):
    from stp_prover.data import read_log

    path = tmp_path / "log.jsonl"
    texts = [f"a{c}b" for c in LINE_BREAKERS] + ["\r\n", "\r"]
    with ResultLog(path) as log:
        for i, text in enumerate(texts):
            log.append({"index": i, "proof": text})
    assert [r["proof"] for r in read_log(path)] == texts
    assert [r["proof"] for r in ResultLog(path).records()] == texts


def test_a_write_that_fails_leaves_no_torn_line_and_says_why(tmp_path):
    """A real full disk: the file-size limit makes write() fail with EFBIG partway through a record."""
    import json
    import subprocess
    import sys
    import textwrap

    path = tmp_path / "log.jsonl"
    script = textwrap.dedent(
        f"""
        import resource, signal
        from stp_prover.data import ResultLog, ResultLogError
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))
        with ResultLog({str(path)!r}) as log:
            log.append({{"index": 0, "proof": "x" * 50}})
            try:
                log.append({{"index": 1, "proof": "y" * 500}})
            except ResultLogError as exc:
                print("ERR", exc)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert "ERR cannot write results to" in out.stdout, out.stderr
    lines = path.read_text().split("\n")
    assert lines[-1] == "" and [json.loads(x)["index"] for x in lines[:-1]] == [0]


def test_a_results_path_under_a_file_is_a_clear_error(tmp_path):
    import pytest

    from stp_prover.data import ResultLogError

    (tmp_path / "file").write_text("x")
    with pytest.raises(ResultLogError, match="cannot write results"):
        ResultLog(tmp_path / "file" / "out.jsonl")


def test_any_text_survives_the_log_round_trip(tmp_path_factory):
    """Property: whatever a model writes (any Unicode, lone surrogates aside) comes back from the log unchanged."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from stp_prover.data import read_log

    folder = tmp_path_factory.mktemp("logs")
    counter = iter(range(10**9))

    @settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",))), max_size=5))
    def round_trip(texts):
        path = folder / f"{next(counter)}.jsonl"
        with ResultLog(path) as log:
            for i, text in enumerate(texts):
                log.append({"index": i, "proof": text})
        assert [r["proof"] for r in read_log(path)] == texts
        with ResultLog(path) as log:
            assert log.done() == set(range(len(texts)))

    round_trip()
