"""`stp serve`: the HTTP API editors call. Lean Copilot's external-model API (`/generate`, `/encode`), llmstep's
request (`POST /`), and our own `/prove`, `/check`, `/jobs/{id}` and `/health`. Requests are validated (4xx with a
message), every request shares one ProvingService, and long searches can be cancelled. As a public service would:
an optional bearer token, a body-size limit, admission limits per client and in all (429, never an unbounded
queue), and no traceback in any response."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import threading
from collections import Counter
from typing import Iterator, Literal, Optional

from fastapi import FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator, model_validator

from stp_prover.data import DataError, find_theorem, user_theorem
from stp_prover.itp import StatementError, UntrustedInput
from stp_prover.itp.dialect import declared_name, dialect
from stp_prover.itp.verdicts import verdict_rules
from stp_prover.search import search_names

from .service import JobConflict, ProvingService

log = logging.getLogger("stp.serve")

MAX_TEXT = 200_000  # characters in any one text field
POLL_SECONDS = 0.2  # how often a waiting /prove looks for a finished job or a client that left


class GenerateRequest(BaseModel):
    """Lean Copilot's `GeneratorRequest`: `name` picks the policy ("portfolio" or anything else: the model)."""

    name: str = ""
    input: str = Field(max_length=MAX_TEXT)
    prefix: str = ""


class EncodeRequest(BaseModel):
    name: str = ""
    input: str = Field(max_length=MAX_TEXT)


class LLMStepRequest(BaseModel):
    tactic_state: str = Field(max_length=MAX_TEXT)
    prefix: str = ""
    # llmstep sends the whole file as context, and its client reads `suggestions` from whatever comes back
    # (llmstep python/suggest.py `suggest`), so a 422 would crash it: a long context keeps its end instead.
    context: str = ""

    @field_validator("context")
    @classmethod
    def _keep_the_end(cls, value: str) -> str:
        return value[-MAX_TEXT:]


class TheoremIn(BaseModel):
    statement: str = Field(min_length=1, max_length=MAX_TEXT)
    header: str = Field(default="", max_length=MAX_TEXT)
    name: Optional[str] = None  # default: the name the statement declares


class CheckRequest(BaseModel):
    theorem: Optional[TheoremIn] = None
    benchmark: Optional[str] = Field(default=None, description="BENCHMARK/NAME, e.g. miniF2F/mathd_algebra_10")
    proof: str = Field(max_length=MAX_TEXT)

    @model_validator(mode="after")
    def _one_source(self):
        if (self.theorem is None) == (self.benchmark is None):
            raise ValueError("give exactly one of `theorem` or `benchmark`")
        return self


SEARCH_METHODS = search_names()  # search's registry: the one list of methods `prove` and `stp eval` offer too


class ProveRequest(BaseModel):
    theorem: Optional[TheoremIn] = None
    benchmark: Optional[str] = None
    goal: Optional[str] = Field(default=None, max_length=MAX_TEXT, description="a proposition, hypotheses reverted")
    header: str = Field(default="", max_length=MAX_TEXT, description="with `goal`: imports and opens it needs")
    method: Literal[SEARCH_METHODS] = "best-first"
    policy: Optional[Literal["model", "portfolio"]] = None
    budget_seconds: Optional[float] = Field(default=None, gt=0)
    job_id: Optional[str] = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    wait: bool = True

    @model_validator(mode="after")
    def _one_source(self):
        if sum(x is not None for x in (self.theorem, self.benchmark, self.goal)) != 1:
            raise ValueError("give exactly one of `theorem`, `benchmark` or `goal`")
        return self


class Admission:
    """Requests in flight, per client and in all; a request past either limit is refused with 429 at once."""

    def __init__(self, per_client: int, total: int, jobs_of=lambda client: 0):
        self.per_client, self.total = per_client, total
        self._jobs_of = jobs_of  # unfinished /prove jobs of a client (they count while they run)
        self._in_flight: Counter[str] = Counter()
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def slot(self, client: str) -> Iterator[None]:
        with self._lock:
            mine = self._in_flight[client] + self._jobs_of(client)
            everyone = sum(self._in_flight.values()) + self._jobs_of(None)
            if mine >= self.per_client or everyone >= self.total:
                who = "this client has" if mine >= self.per_client else "the server has"
                raise HTTPException(429, f"{who} too many requests in flight; retry later", {"Retry-After": "1"})
            self._in_flight[client] += 1
        try:
            yield
        finally:
            with self._lock:
                self._in_flight[client] -= 1
                if not self._in_flight[client]:
                    del self._in_flight[client]


class Guard:
    """ASGI middleware for the bearer token and the body-size limit. Plain ASGI, not Starlette's BaseHTTPMiddleware,
    which hides a client's disconnect from the endpoint (and a waiting /prove must see it to cancel its search)."""

    def __init__(self, app, token: Optional[str], max_bytes: int):
        self.app, self.token, self.max_bytes = app, token, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        refusal = self._refusal(scope["method"], headers)
        if refusal is None:
            return await self.app(scope, receive, send)
        status, detail, extra = refusal
        await JSONResponse({"detail": detail}, status, extra)(scope, receive, send)

    def _refusal(self, method: str, headers: dict[str, str]) -> Optional[tuple[int, str, dict]]:
        if self.token is not None:
            given = headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode()):
                return 401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"}
        if method in ("POST", "PUT", "PATCH"):
            length = headers.get("content-length")
            if length is None:
                return 411, "a request body needs a Content-Length", {}
            if not length.isdigit() or int(length) > self.max_bytes:
                return 413, f"request body over {self.max_bytes} bytes", {}
        return None


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def create_app(service: ProvingService) -> FastAPI:
    app = FastAPI(title="stp-prover", description=__doc__)
    system = service.system
    config = service.config
    admission = Admission(config.max_per_client, config.max_pending, service.unfinished_jobs)

    app.add_middleware(Guard, token=config.token, max_bytes=config.max_request_bytes)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        # The traceback goes to the server's log, never to the client.
        log.exception("internal error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": f"internal error ({type(exc).__name__}); the server keeps serving"}, 500)

    def theorem_of(
        theorem: Optional[TheoremIn], benchmark: Optional[str], goal: Optional[str] = None, header: str = ""
    ):
        try:
            if benchmark is not None:
                return find_theorem(benchmark, system)
            if goal is not None:
                return user_theorem("stp_goal", system, header, dialect(system).statement_for("stp_goal", goal))
            name = theorem.name or declared_name(theorem.statement)
            if not name:
                raise HTTPException(422, "the statement declares no theorem name (Theorem NAME ... / theorem NAME ...)")
            return user_theorem(name, system, theorem.header, theorem.statement)
        except DataError as exc:
            raise HTTPException(404, str(exc)) from None

    @app.get("/health")
    def health() -> dict:
        return service.health()

    @app.post("/generate")
    def generate(req: GenerateRequest, request: Request) -> dict:
        policy = "portfolio" if req.name == "portfolio" or not service.model_policies else "model"
        with admission.slot(_client(request)):
            outs = service.suggest(req.input, req.prefix, policy=policy)
        return {"outputs": [{"output": c.text, "score": c.logprob} for c in outs]}

    @app.post("/encode")
    def encode(req: EncodeRequest, request: Request) -> dict:
        with admission.slot(_client(request)):
            return {"outputs": service.encode(req.input)}

    @app.post("/")
    @app.post("/llmstep")
    def llmstep(req: LLMStepRequest, request: Request) -> dict:
        with admission.slot(_client(request)):
            return {"suggestions": [c.text for c in service.suggest(req.tactic_state, req.prefix)]}

    def require_sandbox() -> None:
        why = service.untrusted_refusal()
        if why:
            raise HTTPException(503, why)
        require_strict_verdicts()

    def require_strict_verdicts() -> None:
        # What /check and /prove report as proved is a proof: a server started with `--verdicts stp` (STP's
        # verifier, no axiom audit or statement check: for comparing pass rates, itp/verdicts.py) refuses both.
        mode = service.config.itp.verdicts or "strict"
        if not verdict_rules(mode).publishable:
            raise HTTPException(503, f"this server runs `--verdicts {mode}`, whose verdicts are not proofs; "
                                     "restart it without --verdicts (strict) to check or prove")

    @app.post("/check")
    def check(req: CheckRequest, request: Request) -> dict:
        require_sandbox()
        theorem = theorem_of(req.theorem, req.benchmark)
        with admission.slot(_client(request)):
            verdict = service.check(theorem, req.proof)
        if not verdict_rules(verdict.verdicts).publishable:  # never reached while require_strict_verdicts holds
            raise HTTPException(503, f"a `{verdict.verdicts}` verdict is not a proof")
        return {**verdict.to_dict(), "theorem": theorem.name, "ok": verdict.ok}

    @app.post("/prove")
    async def prove(req: ProveRequest, request: Request) -> dict:
        job = await run_in_threadpool(submit, req, _client(request))
        # A waiting client that goes away (an editor closed, curl interrupted) cancels its search.
        while req.wait and not job.done.is_set():
            if await request.is_disconnected():
                service.cancel(job.id)
                break
            await asyncio.sleep(POLL_SECONDS)
        return job.to_dict()

    def submit(req: ProveRequest, client: str):
        require_sandbox()
        theorem = theorem_of(req.theorem, req.benchmark, req.goal, req.header)
        budget = min(req.budget_seconds or service.config.default_budget, service.config.max_budget)
        with admission.slot(client):  # the job itself counts against the client once it is queued
            try:
                service.elaborate(theorem)  # a statement that does not elaborate is bad input, found now
            except UntrustedInput as exc:
                raise HTTPException(400, f"refused by the trust policy: {exc}") from None
            except StatementError as exc:
                raise HTTPException(400, f"the statement does not elaborate: {exc}") from None
        try:
            return service.submit(theorem, req.method, budget, req.policy, req.job_id, client)
        except JobConflict as exc:
            raise HTTPException(409, str(exc)) from None
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None

    def job_or_404(job, job_id: str) -> dict:
        if job is None:
            raise HTTPException(404, f"no job {job_id}")
        return job.to_dict()

    @app.get("/jobs/{job_id}")
    def job_status(job_id: str) -> dict:
        return job_or_404(service.get(job_id), job_id)

    @app.delete("/jobs/{job_id}")
    def cancel(job_id: str) -> dict:
        return job_or_404(service.cancel(job_id), job_id)

    app.state.service = service
    return app
