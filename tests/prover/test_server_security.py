"""`stp serve` as a public service would run: a bearer token, body and admission limits (401/411/413/429), hostile
headers refused before Coq sees them, correct verdicts under a burst of concurrent checks, no traceback ever."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import ROOT, SHARED
from tests.prover.test_server import HARD, launch, stop

TOKEN = "test-token-0123456789"
ARITH = "Require Import Arith Lia.\n"


def request(base: str, method: str, path: str, body=None, token: str | None = TOKEN, timeout: float = 120, **hdrs):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    headers = {"Content-Type": "application/json", **hdrs}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        assert b"Traceback" not in raw
        return exc.code, json.loads(raw or b"null")


@pytest.fixture(scope="module")
def secured():
    env = dict(os.environ, STP_DATA_DIR=str(SHARED / "data"), STP_SERVER_TOKEN=TOKEN)
    args = ["--backend", "coq", "--workers", "2", "--max-per-client", "24", "--max-request-bytes", "20000"]
    proc, base = launch(args, env, lambda base: request(base, "GET", "/health", timeout=2)[0])
    yield base
    assert "Traceback" not in stop(proc)


def test_requests_without_the_token_are_refused(secured):
    assert request(secured, "GET", "/health", token=None)[0] == 401
    assert request(secured, "GET", "/health", token="wrong")[0] == 401
    status, body = request(secured, "POST", "/check", {"benchmark": "x", "proof": ""}, token=None)
    assert status == 401 and "token" in body["detail"]
    assert request(secured, "GET", "/health")[0] == 200


def test_a_body_over_the_limit_is_413(secured):
    big = {"theorem": {"statement": "Theorem big : True."}, "proof": "Proof. " + "idtac. " * 5000 + "exact I. Qed."}
    status, body = request(secured, "POST", "/check", big)
    assert status == 413 and "bytes" in body["detail"]


def test_hostile_headers_are_refused_through_check_and_prove(secured):
    header = ARITH + 'Redirect "stp_leak" Print nat.\n'
    thm = {"header": header, "statement": "Theorem good : 1 + 1 = 2."}
    status, body = request(secured, "POST", "/check", {"theorem": thm, "proof": "Proof. reflexivity. Qed."})
    assert status == 200 and body["kind"] == "untrusted" and "Redirect" in body["reason"]
    status, body = request(secured, "POST", "/prove", {"theorem": thm, "policy": "portfolio"})
    assert status == 400 and "trust policy" in body["detail"]
    status, body = request(secured, "POST", "/prove", {"goal": "1 + 1 = 2", "header": ARITH + 'Cd "/tmp".\n'})
    assert status == 400 and "trust policy" in body["detail"]
    assert not (ROOT / "stp_leak.out").exists()


PROOFS = [
    ("Proof. intros; lia. Qed.", "proved"),
    ("Proof. intros. rewrite Nat.add_comm. reflexivity. Qed.", "proved"),
    ("Proof. intros. reflexivity. Qed.", "rejected"),
    ("Proof. Admitted.", "untrusted"),
]


def test_a_burst_of_concurrent_checks_gets_every_verdict_right(secured):
    before = request(secured, "GET", "/health")[1]["verifier"]["infra_retries"]

    def one(i: int):
        proof, expected = PROOFS[i % len(PROOFS)]
        thm = {"header": ARITH, "statement": f"Theorem burst_{i} : forall n : nat, n + {i} = {i} + n."}
        status, body = request(secured, "POST", "/check", {"theorem": thm, "proof": proof})
        return status, body.get("kind"), expected

    with ThreadPoolExecutor(max_workers=20) as ex:
        results = list(ex.map(one, range(20)))
    assert [(s, k) for s, k, _ in results] == [(200, e) for _, _, e in results]
    assert request(secured, "GET", "/health")[1]["verifier"]["infra_retries"] == before


def test_a_client_past_its_limit_gets_429_not_a_queue(secured):
    ids = [f"lim-{i}" for i in range(24)]
    try:
        for job_id in ids:
            body = {"theorem": HARD, "policy": "portfolio", "budget_seconds": 300, "job_id": job_id, "wait": False}
            assert request(secured, "POST", "/prove", body)[0] == 200
        status, body = request(secured, "POST", "/check", {"theorem": HARD, "proof": "Proof. Qed."})
        assert status == 429 and "too many" in body["detail"]
    finally:
        for job_id in ids:
            request(secured, "DELETE", f"/jobs/{job_id}")
    deadline = time.monotonic() + 60
    while any(request(secured, "GET", f"/jobs/{j}")[1]["status"] in ("queued", "running") for j in ids):
        assert time.monotonic() < deadline
        time.sleep(0.3)
    assert request(secured, "GET", "/health")[0] == 200


def test_an_internal_error_answers_500_without_a_traceback():
    """In-process: a route that fails unexpectedly (a TEST DOUBLE service stands in for the proving service)."""
    from fastapi.testclient import TestClient

    from stp_prover.prover.server import create_app
    from stp_prover.prover.service import ServerConfig

    class ServiceDouble:
        system = "coq"
        config = ServerConfig()

        def unfinished_jobs(self, client=None):
            return 0

        def health(self):
            raise RuntimeError("secret internal detail")

    client = TestClient(create_app(ServiceDouble()), raise_server_exceptions=False)
    resp = client.get("/health")
    assert resp.status_code == 500 and "secret" not in resp.text and "Traceback" not in resp.text
    assert resp.json()["detail"].startswith("internal error")


def test_llmstep_context_over_the_text_limit_keeps_its_end():
    from stp_prover.prover.server import MAX_TEXT, LLMStepRequest

    req = LLMStepRequest(tactic_state="n : nat\n⊢ n = n", context="x" * (MAX_TEXT + 10) + "END")
    assert len(req.context) == MAX_TEXT and req.context.endswith("END")
