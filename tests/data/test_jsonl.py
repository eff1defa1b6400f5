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
