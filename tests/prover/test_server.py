"""`stp serve` for real: the server process on a loopback port, spoken to over HTTP through `ServerClient`, with the
Coq backend and a tiny model built from a config (the built-in portfolio answers when a request asks for it)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Optional

import pytest

from stp_prover.prover.client import ServerClient, ServerError, ServerTimeout, ServerUnreachable
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


def launch(args: list[str], env: dict, token: Optional[str] = None) -> tuple[subprocess.Popen, ServerClient]:
    """`stp serve ARGS` on a free loopback port, started in its own session; returns once it answers /health."""
    port = _free_port()
    cmd = [sys.executable, "-m", "stp_prover", "serve", "--port", str(port), *args]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True)
    client = ServerClient(f"http://127.0.0.1:{port}", timeout=120, token=token)
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            pytest.fail(f"server exited: {proc.stderr.read()[-2000:]}")
        try:
            client.wait_until_healthy(timeout=1)
            return proc, client
        except ServerUnreachable:
            if time.monotonic() > deadline:
                pytest.fail(f"server did not answer /health within 120 s: {stop(proc)[-2000:]}")


def stop(proc: subprocess.Popen) -> str:
    """SIGTERM the server's process group; its stderr."""
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)
    return proc.stderr.read()


def refusal(request: Callable[[], object]) -> ServerError:
    """The ServerError `request` must get; no answer may carry a traceback."""
    with pytest.raises(ServerError) as info:
        request()
    assert "Traceback" not in str(info.value.body)
    return info.value


def raw_post(client: ServerClient, path: str, data: bytes) -> tuple[int, bytes]:
    """RAW SENDER for bytes ServerClient never sends (malformed JSON): status and body."""
    host, port = client.base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("POST", path, data, {"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from stp_prover.training import TinyModelConfig, init_model

    model = init_model(tmp_path_factory.mktemp("model") / "tiny", TinyModelConfig(width=32, layers=1, heads=2))
    env = dict(os.environ, STP_DATA_DIR=str(SHARED / "data"))
    args = ["--backend", "coq", "--model", str(model), "--workers", "2", "--budget", "20"]
    proc, client = launch(args, env)
    yield client
    stop(proc)


def test_health_reports_backend_model_and_load(server):
    health = server.health()
    assert health.status == "ok" and health.backend == "coq" and health.policies == ["model", "portfolio"]
    assert health.load.capacity == 2 and "infra_retries" in health.verifier


def test_lean_copilot_generate_with_the_model_and_the_portfolio(server):
    state = "x : R\nh : x + 1 = 3\n============================\nx = 2"
    outputs = server.generate(state, name="stp")
    assert outputs and all(isinstance(o.output, str) and isinstance(o.score, float) for o in outputs)
    assert [o.output for o in server.generate(state, prefix="l", name="portfolio")] == ["lia", "lra"]


def test_lean_copilot_encode(server):
    vector = server.encode("n + 0 = n", name="stp")
    assert len(vector) == 384 and abs(sum(x * x for x in vector) - 1.0) < 1e-3


def test_llmstep_request(server):
    suggestions = server.llmstep("n : nat\n============================\nn + 0 = n")
    assert isinstance(suggestions, list) and suggestions and all(isinstance(s, str) for s in suggestions)


def test_check_accepts_a_proof_and_refuses_cheats(server):
    verdict = server.check("Proof. lra. Qed.", **EASY)
    assert verdict.ok and verdict.kind == "proved" and verdict.theorem == "t"
    verdict = server.check("Proof. admit. Admitted.", **EASY)
    assert not verdict.ok and verdict.kind == "untrusted"
    verdict = server.check("Proof. intros. lra. Qed.", benchmark="miniF2F/mathd_algebra_104")
    assert verdict.ok, verdict


def test_prove_a_theorem_and_a_goal_with_a_verified_proof(server, coq_env):
    job = server.prove(**EASY, policy="portfolio")
    assert job.status == "done" and job.proved, job
    from stp_prover.data import user_theorem

    assert coq_env.check(user_theorem("t", "coq", HEADER, EASY["statement"]), job.proof).ok
    job = server.prove(goal="forall n : nat, n + 0 = n", policy="portfolio")
    assert job.proved and job.theorem == "stp_goal"


def test_bad_requests_get_clear_4xx(server):
    assert refusal(lambda: server.prove(**EASY, goal="True")).status == 422
    assert refusal(lambda: server.generate(None)).status == 422
    assert raw_post(server, "/check", b"{not json")[0] == 422
    err = refusal(lambda: server.prove(statement="Theorem z : nope = 1."))
    assert err.status == 400 and "does not elaborate" in err.detail
    assert refusal(lambda: server.prove(benchmark="miniF2F/no_such_theorem")).status == 404
    assert refusal(lambda: server.job("unknown")).status == 404
    assert refusal(lambda: server.prove(**EASY, budget_seconds=-1)).status == 422


def test_a_long_search_is_cancelled_and_concurrent_requests_share_the_server(server):
    job = server.prove(**HARD, policy="portfolio", budget_seconds=500, job_id="long-one", wait=False)
    assert job.job_id == "long-one" and not job.finished
    assert refusal(lambda: server.prove(**HARD, job_id="long-one", wait=False)).status == 409
    # While it runs, other requests are served.
    with ThreadPoolExecutor(max_workers=2) as ex:
        jobs = list(ex.map(lambda _: server.prove(**EASY, policy="portfolio"), range(2)))
    assert all(j.proved for j in jobs)
    load = server.health().load
    assert load.running + load.queued >= 1
    assert server.cancel("long-one").job_id == "long-one"
    job = server.wait_for_job("long-one", timeout=60)
    assert job.status == "cancelled" and not job.proved, "cancellation did not stop the search"


def test_a_client_that_leaves_cancels_its_search(server):
    impatient = ServerClient(server.base_url, timeout=2)
    with pytest.raises(ServerTimeout):  # the client gives up after 2 s; the server notices and stops the search
        impatient.prove(**HARD, policy="portfolio", budget_seconds=500, job_id="left")
    assert server.wait_for_job("left", timeout=60).status == "cancelled", "the search outlived its client"
