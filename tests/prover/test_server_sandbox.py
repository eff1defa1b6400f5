"""The server and the OS sandbox, in process with the real proving service on Coq: `/health` says whether checks are
sandboxed; where they are not, `/check` and `/prove` are refused (503) unless the server was started with
`allow_unsandboxed`, which `/health` reports too."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from stp_prover.itp import ItpSettings
from stp_prover.itp.sandbox import probe
from stp_prover.prover.server import create_app
from stp_prover.prover.service import ProvingService, ServerConfig

CHECK = {"theorem": {"statement": "Theorem t : 1 + 1 = 2."}, "proof": "Proof. reflexivity. Qed."}
PROVE = {"goal": "1 + 1 = 2", "policy": "portfolio", "budget_seconds": 10}


def client_for(**config) -> tuple[TestClient, ProvingService]:
    service = ProvingService(ServerConfig(workers=1, **config))
    return TestClient(create_app(service), raise_server_exceptions=False), service


def test_unsandboxed_checks_are_refused_without_the_opt_out():
    client, service = client_for(itp=ItpSettings(sandbox="off"))
    try:
        sandbox = client.get("/health").json()["sandbox"]
        assert sandbox["sandboxed"] is False and sandbox["allow_unsandboxed"] is False
        for path, body in (("/check", CHECK), ("/prove", PROVE)):
            resp = client.post(path, json=body)
            assert resp.status_code == 503 and "--allow-unsandboxed" in resp.json()["detail"], resp.text
    finally:
        service.close()


def test_the_opt_out_accepts_them_and_health_says_so():
    client, service = client_for(itp=ItpSettings(sandbox="off"), allow_unsandboxed=True)
    try:
        assert client.get("/health").json()["sandbox"]["allow_unsandboxed"] is True
        resp = client.post("/check", json=CHECK)
        assert resp.status_code == 200 and resp.json()["ok"], resp.text
    finally:
        service.close()


@pytest.mark.skipif(probe() is not None, reason=f"bubblewrap does not run here: {probe()}")
def test_by_default_checks_are_sandboxed_and_accepted():
    client, service = client_for()
    try:
        sandbox = client.get("/health").json()["sandbox"]
        assert sandbox["sandboxed"] is True and sandbox["mode"] == "auto"
        resp = client.post("/check", json=CHECK)
        assert resp.status_code == 200 and resp.json()["ok"], resp.text
    finally:
        service.close()
