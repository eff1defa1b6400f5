"""`ServerClient` against a real `stp serve` (Coq backend, built-in portfolio, a bearer token) on loopback: every
method returns its typed record, a 4xx raises ServerError with the server's own message, and no answer at all
raises ServerUnreachable (ServerTimeout when the server is there but silent)."""

from __future__ import annotations

import os
import socket
import time

import pytest

from stp_prover.prover.client import (
    CheckResult,
    Generated,
    Health,
    JobRecord,
    ServerClient,
    ServerError,
    ServerTimeout,
    ServerUnreachable,
)
from tests.conftest import SHARED
from tests.prover.test_server import EASY, HARD, launch, stop

TOKEN = "client-token-42"
STATE = "n : nat\n============================\nn + 0 = n"


@pytest.fixture(scope="module")
def client():
    env = dict(os.environ, STP_DATA_DIR=str(SHARED / "data"), STP_SERVER_TOKEN=TOKEN)
    proc, client = launch(["--backend", "coq", "--workers", "2", "--budget", "20"], env, token=TOKEN)
    yield client
    stop(proc)


def test_health_is_a_typed_record(client):
    health = client.health()
    assert isinstance(health, Health) and health.backend == "coq" and health.model is None
    assert health.policies == ["portfolio"] and health.load.capacity == 2 and health.uptime_seconds >= 0
    assert client.wait_until_healthy(timeout=5).status == "ok"


def test_generate_encode_and_llmstep(client):
    outputs = client.generate(STATE, prefix="l")
    assert outputs and all(isinstance(o, Generated) and o.output.startswith("l") for o in outputs)
    vector = client.encode("n + 0 = n")
    assert len(vector) == 384 and all(isinstance(x, float) for x in vector)
    assert "lia" in client.llmstep(STATE, prefix="li")


def test_check_of_a_statement_and_of_a_benchmark_theorem(client):
    verdict = client.check("Proof. lra. Qed.", **EASY)
    assert isinstance(verdict, CheckResult) and verdict.ok and verdict.kind == "proved" and verdict.theorem == "t"
    verdict = client.check("Proof. reflexivity. Qed.", **EASY)
    assert not verdict.ok and verdict.kind == "rejected" and verdict.messages
    verdict = client.check("Proof. intros. lra. Qed.", benchmark="miniF2F/mathd_algebra_104")
    assert verdict.ok and verdict.theorem == "mathd_algebra_104"


def test_prove_waits_and_the_job_is_kept(client):
    job = client.prove(goal="forall n : nat, n + 0 = n", policy="portfolio", job_id="client-goal")
    assert isinstance(job, JobRecord) and job.finished and job.proved and job.proof
    assert client.job("client-goal") == job


def test_a_job_submitted_without_waiting_is_polled_and_cancelled(client):
    job = client.prove(**HARD, policy="portfolio", budget_seconds=300, job_id="client-hard", wait=False)
    assert job.job_id == "client-hard" and not job.finished
    assert not client.wait_for_job("client-hard", timeout=0.5, poll=0.1).finished  # still searching: as last seen
    client.cancel("client-hard")
    job = client.wait_for_job("client-hard", timeout=60)
    assert job.status == "cancelled" and not job.proved


def test_a_4xx_raises_server_error_with_the_servers_message(client):
    with pytest.raises(ServerError) as info:
        client.prove(statement="Theorem z : nope = 1.")
    assert info.value.status == 400 and "does not elaborate" in info.value.detail
    with pytest.raises(ServerError) as info:
        client.prove(**EASY, goal="True")
    assert info.value.status == 422 and "give exactly one of" in info.value.detail
    with pytest.raises(ServerError) as info:
        client.cancel("no-such-job")
    assert info.value.status == 404 and info.value.detail == "no job no-such-job"
    with pytest.raises(ServerError) as info:
        ServerClient(client.base_url, timeout=10).health()
    assert info.value.status == 401 and info.value.detail == "missing or wrong bearer token"
    assert str(info.value) == "HTTP 401: missing or wrong bearer token"


def test_a_wrong_token_is_not_waited_out(client):
    t0 = time.monotonic()
    with pytest.raises(ServerError):
        ServerClient(client.base_url, timeout=10, token="wrong").wait_until_healthy(timeout=30)
    assert time.monotonic() - t0 < 5


def test_a_refused_connection_raises_server_unreachable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: a connection is refused
        nobody = ServerClient(f"http://127.0.0.1:{port}", timeout=5)
        with pytest.raises(ServerUnreachable, match="refused") as info:
            nobody.health()
        assert not isinstance(info.value, ServerTimeout)
        t0 = time.monotonic()
        with pytest.raises(ServerUnreachable, match="not healthy within 1 s"):
            nobody.wait_until_healthy(timeout=1, poll=0.1)
        assert time.monotonic() - t0 < 5


def test_a_silent_server_raises_server_timeout():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()  # the kernel accepts the connection, nobody ever answers
        silent = ServerClient(f"http://127.0.0.1:{s.getsockname()[1]}", timeout=1)
        t0 = time.monotonic()
        with pytest.raises(ServerTimeout, match="no answer within 1 s"):
            silent.check("Proof. Qed.", statement="Theorem t : True.")
        assert time.monotonic() - t0 < 5
