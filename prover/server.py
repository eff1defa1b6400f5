"""`stp serve`: the HTTP API editors call. Lean Copilot's external-model API (`/generate`, `/encode`), llmstep's
request (`POST /`), and our own `/prove`, `/check`, `/jobs/{id}` and `/health`. Requests are validated (4xx with a
message), every request shares one ProvingService, and long searches can be cancelled."""

from __future__ import annotations

import asyncio
from typing import Literal, Optional

from fastapi import FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, model_validator

from data import DataError, find_theorem, user_theorem
from itp import StatementError
from itp.dialect import declared_name, dialect

from .service import JobConflict, ProvingService

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
    context: str = Field(default="", max_length=MAX_TEXT)


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


class ProveRequest(BaseModel):
    theorem: Optional[TheoremIn] = None
    benchmark: Optional[str] = None
    goal: Optional[str] = Field(default=None, max_length=MAX_TEXT, description="a proposition, hypotheses reverted")
    header: str = Field(default="", max_length=MAX_TEXT, description="with `goal`: imports and opens it needs")
    method: Literal["best-first", "sample"] = "best-first"
    policy: Optional[Literal["model", "portfolio"]] = None
    budget_seconds: Optional[float] = Field(default=None, gt=0)
    job_id: Optional[str] = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    wait: bool = True

    @model_validator(mode="after")
    def _one_source(self):
        if sum(x is not None for x in (self.theorem, self.benchmark, self.goal)) != 1:
            raise ValueError("give exactly one of `theorem`, `benchmark` or `goal`")
        return self


def create_app(service: ProvingService) -> FastAPI:
    app = FastAPI(title="stp-prover", description=__doc__)
    system = service.system

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
    def generate(req: GenerateRequest) -> dict:
        policy = "portfolio" if req.name == "portfolio" or not service.model_policies else "model"
        outs = service.suggest(req.input, req.prefix, policy=policy)
        return {"outputs": [{"output": c.text, "score": c.logprob} for c in outs]}

    @app.post("/encode")
    def encode(req: EncodeRequest) -> dict:
        return {"outputs": service.encode(req.input)}

    @app.post("/")
    @app.post("/llmstep")
    def llmstep(req: LLMStepRequest) -> dict:
        return {"suggestions": [c.text for c in service.suggest(req.tactic_state, req.prefix)]}

    @app.post("/check")
    def check(req: CheckRequest) -> dict:
        theorem = theorem_of(req.theorem, req.benchmark)
        verdict = service.check(theorem, req.proof)
        return {**verdict.to_dict(), "theorem": theorem.name, "ok": verdict.ok}

    @app.post("/prove")
    async def prove(req: ProveRequest, request: Request) -> dict:
        job = await run_in_threadpool(submit, req)
        # A waiting client that goes away (an editor closed, curl interrupted) cancels its search.
        while req.wait and not job.done.is_set():
            if await request.is_disconnected():
                service.cancel(job.id)
                break
            await asyncio.sleep(POLL_SECONDS)
        return job.to_dict()

    def submit(req: ProveRequest):
        theorem = theorem_of(req.theorem, req.benchmark, req.goal, req.header)
        budget = min(req.budget_seconds or service.config.default_budget, service.config.max_budget)
        try:
            service.elaborate(theorem)  # a statement that does not elaborate is bad input, found now
        except StatementError as exc:
            raise HTTPException(400, f"the statement does not elaborate: {exc}") from None
        try:
            return service.submit(theorem, req.method, budget, req.policy, req.job_id)
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
