"""`stp serve` as a public service would run: a bearer token, body and admission limits (401/413/429), hostile
headers refused before Coq sees them, correct verdicts under a burst of concurrent checks, no traceback ever."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from stp_prover.prover.client import ServerClient
from tests.conftest import ROOT, SHARED
from tests.prover.test_server import HARD, launch, refusal, stop

TOKEN = "test-token-0123456789"
ARITH = "Require Import Arith Lia.\n"


@pytest.fixture(scope="module")
def secured():
    env = dict(os.environ, STP_DATA_DIR=str(SHARED / "data"), STP_SERVER_TOKEN=TOKEN)
    args = ["--backend", "coq", "--workers", "2", "--max-per-client", "24", "--max-request-bytes", "20000"]
    proc, client = launch(args, env, token=TOKEN)
    yield client
    assert "Traceback" not in stop(proc)


def test_requests_without_the_token_are_refused(secured):
    anonymous = ServerClient(secured.base_url, timeout=30)
    assert refusal(anonymous.health).status == 401
    assert refusal(ServerClient(secured.base_url, timeout=30, token="wrong").health).status == 401
    err = refusal(lambda: anonymous.check("", benchmark="x"))
    assert err.status == 401 and "token" in err.detail
    assert secured.health().status == "ok"


def test_a_body_over_the_limit_is_413(secured):
    proof = "Proof. " + "idtac. " * 5000 + "exact I. Qed."
    err = refusal(lambda: secured.check(proof, statement="Theorem big : True."))
    assert err.status == 413 and "bytes" in err.detail


def test_hostile_headers_are_refused_through_check_and_prove(secured):
    thm = {"header": ARITH + 'Redirect "stp_leak" Print nat.\n', "statement": "Theorem good : 1 + 1 = 2."}
    verdict = secured.check("Proof. reflexivity. Qed.", **thm)
    assert verdict.kind == "untrusted" and "Redirect" in verdict.reason
    err = refusal(lambda: secured.prove(**thm, policy="portfolio"))
    assert err.status == 400 and "trust policy" in err.detail
    err = refusal(lambda: secured.prove(goal="1 + 1 = 2", header=ARITH + 'Cd "/tmp".\n'))
    assert err.status == 400 and "trust policy" in err.detail
    assert not (ROOT / "stp_leak.out").exists()


PROOFS = [
    ("Proof. intros; lia. Qed.", "proved"),
    ("Proof. intros. rewrite Nat.add_comm. reflexivity. Qed.", "proved"),
    ("Proof. intros. reflexivity. Qed.", "rejected"),
    ("Proof. Admitted.", "untrusted"),
]


def test_a_burst_of_concurrent_checks_gets_every_verdict_right(secured):
    before = secured.health().verifier["infra_retries"]

    def one(i: int) -> tuple[str, str]:
        proof, expected = PROOFS[i % len(PROOFS)]
        statement = f"Theorem burst_{i} : forall n : nat, n + {i} = {i} + n."
        return secured.check(proof, statement=statement, header=ARITH).kind, expected

    with ThreadPoolExecutor(max_workers=20) as ex:
        results = list(ex.map(one, range(20)))
    assert [kind for kind, _ in results] == [expected for _, expected in results]
    assert secured.health().verifier["infra_retries"] == before


def test_a_client_past_its_limit_gets_429_not_a_queue(secured):
    ids = [f"lim-{i}" for i in range(24)]
    try:
        for job_id in ids:
            secured.prove(**HARD, policy="portfolio", budget_seconds=300, job_id=job_id, wait=False)
        err = refusal(lambda: secured.check("Proof. Qed.", **HARD))
        assert err.status == 429 and "too many" in err.detail and err.retry_after == 1
    finally:
        for job_id in ids:
            secured.cancel(job_id)
    assert all(secured.wait_for_job(j, timeout=60).finished for j in ids)
    assert secured.health().status == "ok"


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
