from data import ResultLog


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
    from data import read_log

    path = tmp_path / "log.jsonl"
    assert read_log(path) == [] and not path.exists()
    path.write_text('{"index": 0}\n{"index": 1}\n{"ind')
    assert read_log(path) == [{"index": 0}, {"index": 1}]
    assert path.read_text().endswith('{"ind')  # a reader leaves the file to its writer
