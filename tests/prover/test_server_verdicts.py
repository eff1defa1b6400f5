"""(Proposed tests/prover/test_server_verdicts.py; not in the verdicts helper's files.) A server started with
`--verdicts stp` refuses /check and /prove: what it reports as proved must be a proof (prover/server.py)."""

from fastapi.testclient import TestClient

from stp_prover.itp import ItpSettings
from stp_prover.prover.server import create_app
from stp_prover.prover.service import ProvingService, ServerConfig

CHECK = {"theorem": {"statement": "Theorem t : 1 + 1 = 2."}, "proof": "Proof. reflexivity. Qed."}
PROVE = {"goal": "1 + 1 = 2", "policy": "portfolio", "budget_seconds": 10}


def test_stp_verdicts_are_never_served_as_proofs():
    service = ProvingService(ServerConfig(workers=1, itp=ItpSettings(sandbox="off", verdicts="stp"), allow_unsandboxed=True))
    client = TestClient(create_app(service), raise_server_exceptions=False)
    try:
        for path, body in (("/check", CHECK), ("/prove", PROVE)):
            resp = client.post(path, json=body)
            assert resp.status_code == 503 and "--verdicts stp" in resp.json()["detail"], resp.text
    finally:
        service.close()
