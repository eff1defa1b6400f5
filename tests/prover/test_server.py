"""`stp serve` for real: the server process on a loopback port, spoken to over HTTP, with the Coq backend and a tiny
model built from a config (the built-in portfolio answers when a request asks for it)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import ROOT, SHARED

HEADER = "Require Import Reals.\nOpen Scope R_scope."
EASY = {"header": HEADER, "statement": "Theorem t (x : R) (h : x + 1 = 3) : x = 2."}
# Best-first search over the portfolio keeps finding new states here and runs until its budget (measured: 110
# expansions in 40 s, not proved).
HARD = {"statement": "Theorem hard : forall n m : nat, n * n * n + m * m * m <> 9 * n * m + 1."}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base: str, method: str, path: str, body=None, timeout: float = 120):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def launch(args: list[str], env: dict, ready) -> tuple[subprocess.Popen, str]:
    """`stp serve ARGS` on a free loopback port, started in its own session; returns once `ready(base)` is 200."""
    port = _free_port()
    cmd = [sys.executable, "-m", "stp_prover", "serve", "--port", str(port), *args]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited: {proc.stderr.read()[-2000:]}")
        try:
            if ready(base) == 200:
                break
        except OSError:
            time.sleep(0.3)
    return proc, base


def stop(proc: subprocess.Popen) -> str:
    """SIGTERM the server's process group; its stderr."""
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)
    return proc.stderr.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from stp_prover.training import TinyModelConfig, init_model

    model = init_model(tmp_path_factory.mktemp("model") / "tiny", TinyModelConfig(width=32, layers=1, heads=2))
    env = dict(os.environ, STP_DATA_DIR=str(SHARED / "data"))
    args = ["--backend", "coq", "--model", str(model), "--workers", "2", "--budget", "20"]
    proc, base = launch(args, env, lambda base: call(base, "GET", "/health", timeout=2)[0])
    yield base
    stop(proc)


def test_health_reports_backend_model_and_load(server):
    status, body = call(server, "GET", "/health")
    assert status == 200 and body["backend"] == "coq" and body["policies"] == ["model", "portfolio"]
    assert body["load"]["capacity"] == 2 and "verifier" in body


def test_lean_copilot_generate_with_the_model_and_the_portfolio(server):
    state = "x : R\nh : x + 1 = 3\n============================\nx = 2"
    status, body = call(server, "POST", "/generate", {"name": "stp", "input": state, "prefix": ""})
    assert status == 200 and body["outputs"]
    assert all(set(o) == {"output", "score"} and isinstance(o["score"], float) for o in body["outputs"])
    status, body = call(server, "POST", "/generate", {"name": "portfolio", "input": state, "prefix": "l"})
    assert [o["output"] for o in body["outputs"]] == ["lia", "lra"]


def test_lean_copilot_encode(server):
    status, body = call(server, "POST", "/encode", {"name": "stp", "input": "n + 0 = n"})
    assert status == 200 and len(body["outputs"]) == 384
    assert abs(sum(x * x for x in body["outputs"]) - 1.0) < 1e-3


def test_llmstep_request(server):
    status, body = call(
        server,
        "POST",
        "/",
        {"tactic_state": "n : nat\n============================\nn + 0 = n", "prefix": "", "context": ""},
    )
    assert status == 200 and isinstance(body["suggestions"], list) and body["suggestions"]


def test_check_accepts_a_proof_and_refuses_cheats(server):
    status, body = call(server, "POST", "/check", {"theorem": EASY, "proof": "Proof. lra. Qed."})
    assert status == 200 and body["ok"] and body["kind"] == "proved"
    status, body = call(server, "POST", "/check", {"theorem": EASY, "proof": "Proof. admit. Admitted."})
    assert status == 200 and not body["ok"] and body["kind"] == "untrusted"
    status, body = call(
        server, "POST", "/check", {"benchmark": "miniF2F/mathd_algebra_104", "proof": "Proof. intros. lra. Qed."}
    )
    assert status == 200 and body["ok"], body


def test_prove_a_theorem_and_a_goal_with_a_verified_proof(server, coq_env):
    status, body = call(server, "POST", "/prove", {"theorem": EASY, "policy": "portfolio"})
    assert status == 200 and body["status"] == "done" and body["proved"], body
    from stp_prover.data import user_theorem

    assert coq_env.check(user_theorem("t", "coq", HEADER, EASY["statement"]), body["proof"]).ok
    status, body = call(server, "POST", "/prove", {"goal": "forall n : nat, n + 0 = n", "policy": "portfolio"})
    assert status == 200 and body["proved"] and body["theorem"] == "stp_goal"


def test_bad_requests_get_clear_4xx(server):
    assert call(server, "POST", "/prove", {"theorem": EASY, "goal": "True"})[0] == 422
    assert call(server, "POST", "/generate", {"prefix": ""})[0] == 422
    assert call(server, "POST", "/check", b"{not json")[0] == 422
    status, body = call(server, "POST", "/prove", {"theorem": {"header": "", "statement": "Theorem z : nope = 1."}})
    assert status == 400 and "does not elaborate" in body["detail"]
    status, body = call(server, "POST", "/prove", {"benchmark": "miniF2F/no_such_theorem"})
    assert status == 404
    assert call(server, "GET", "/jobs/unknown")[0] == 404
    assert call(server, "POST", "/prove", {"theorem": EASY, "budget_seconds": -1})[0] == 422


def test_a_long_search_is_cancelled_and_concurrent_requests_share_the_server(server):
    status, body = call(
        server,
        "POST",
        "/prove",
        {"theorem": HARD, "policy": "portfolio", "budget_seconds": 500, "job_id": "long-one", "wait": False},
    )
    assert status == 200 and body["job_id"] == "long-one"
    assert call(server, "POST", "/prove", {"theorem": HARD, "job_id": "long-one", "wait": False})[0] == 409
    # While it runs, other requests are served.
    results = []
    threads = [
        threading.Thread(
            target=lambda: results.append(call(server, "POST", "/prove", {"theorem": EASY, "policy": "portfolio"}))
        )
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(s == 200 and b["proved"] for s, b in results)
    load = call(server, "GET", "/health")[1]["load"]
    assert load["running"] + load["queued"] >= 1
    t0 = time.monotonic()
    assert call(server, "DELETE", "/jobs/long-one")[0] == 200
    while call(server, "GET", "/jobs/long-one")[1]["status"] in ("queued", "running"):
        assert time.monotonic() - t0 < 60, "cancellation did not stop the search"
        time.sleep(0.2)
    body = call(server, "GET", "/jobs/long-one")[1]
    assert body["status"] == "cancelled" and not body["proved"]


def test_a_client_that_leaves_cancels_its_search(server):
    with pytest.raises(OSError):  # the client gives up after 2 s; the server notices and stops the search
        call(
            server,
            "POST",
            "/prove",
            {"theorem": HARD, "policy": "portfolio", "budget_seconds": 500, "job_id": "left"},
            timeout=2,
        )
    t0 = time.monotonic()
    while call(server, "GET", "/jobs/left")[1]["status"] in ("queued", "running"):
        assert time.monotonic() - t0 < 60, "the search outlived its client"
        time.sleep(0.2)
    assert call(server, "GET", "/jobs/left")[1]["status"] == "cancelled"
