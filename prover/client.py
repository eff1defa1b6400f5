"""A client for `stp serve`, standard library only: one method per route, typed records back, and two errors —
`ServerError` (the server answered 4xx/5xx: its status and `detail`) and `ServerUnreachable` (no answer at all:
refused, reset, or `ServerTimeout`). Safe to share between threads: every call opens its own connection."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field, fields
from http.client import HTTPException
from typing import Any, Optional

FINISHED = ("done", "cancelled", "error")  # job states that no longer change


class ClientError(Exception):
    """Anything this client raises."""


class ServerError(ClientError):
    """The server answered with a non-2xx status (or an unreadable body); `detail` is its message."""

    def __init__(self, status: int, detail: str, body: Any = None, retry_after: Optional[float] = None):
        super().__init__(f"HTTP {status}: {detail}")
        self.status, self.detail, self.body, self.retry_after = status, detail, body, retry_after


class ServerUnreachable(ClientError):
    """No HTTP answer came back: the connection was refused or dropped, or the server is not there."""


class ServerTimeout(ServerUnreachable):
    """No answer within the client's timeout (for a waiting /prove the server then cancels the search)."""


@dataclass
class Generated:
    """One Lean Copilot `/generate` output: a tactic and its score (log-probability)."""

    output: str
    score: float


@dataclass
class CheckResult:
    """`/check`'s verdict: `ok` only for kind "proved"; `theorem` is the name that was checked."""

    ok: bool
    kind: str  # proved | rejected | untrusted | timeout | bad_statement | error
    theorem: str = ""
    reason: str = ""
    messages: list[str] = field(default_factory=list)
    axioms: list[str] = field(default_factory=list)
    header_axioms: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error_offset: Optional[int] = None


@dataclass
class JobRecord:
    """A `/prove` job as the server reports it; `result` is the search's own record (open-ended) once it ran."""

    job_id: str
    theorem: str
    method: str
    policy: str
    budget_seconds: float
    status: str  # queued | running | done | cancelled | error
    proved: bool = False
    proof: Optional[str] = None
    result: Optional[dict[str, Any]] = None
    error: str = ""
    queued_seconds: float = 0.0
    run_seconds: float = 0.0

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


@dataclass
class Load:
    running: int
    queued: int
    capacity: int
    busy: float


@dataclass
class Health:
    """`/health`: backend, model, policies on offer, load and request counters; `verifier` is the pool's stats."""

    status: str
    backend: str
    model: Optional[str]
    policies: list[str]
    uptime_seconds: float
    load: Load
    requests: dict[str, int] = field(default_factory=dict)
    verifier: dict[str, Any] = field(default_factory=dict)
    sandbox: dict[str, Any] = field(default_factory=dict)  # whether checks run in the OS sandbox, and why not


def _record(cls, data: dict):
    # Keys a newer server adds are ignored, so an older client keeps working.
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def _detail(body: Any, fallback: str) -> str:
    """The server's message: FastAPI's `detail`, a string or (422) a list of field errors made readable."""
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        parts = []
        for err in detail:
            where = ".".join(str(x) for x in err.get("loc", ()) if x != "body") if isinstance(err, dict) else ""
            msg = err.get("msg", err) if isinstance(err, dict) else err
            parts.append(f"{where}: {msg}" if where else str(msg))
        return "; ".join(parts)
    return fallback


class ServerClient:
    """Calls one `stp serve` at `base_url` (e.g. http://127.0.0.1:23337); `token` when it was started with one."""

    def __init__(self, base_url: str = "http://127.0.0.1:23337", timeout: float = 120.0, token: Optional[str] = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.token = token

    # -- editor APIs ----------------------------------------------------------------------------------------------
    def generate(self, input: str, prefix: str = "", name: str = "") -> list[Generated]:
        """Lean Copilot's `/generate`: tactics for a goal state, best first; name "portfolio" asks the portfolio."""
        body = self._call("POST", "/generate", {"name": name, "input": input, "prefix": prefix})
        return [_record(Generated, o) for o in body["outputs"]]

    def encode(self, input: str, name: str = "") -> list[float]:
        """Lean Copilot's `/encode`: the text's embedding."""
        return self._call("POST", "/encode", {"name": name, "input": input})["outputs"]

    def llmstep(self, tactic_state: str, prefix: str = "", context: str = "") -> list[str]:
        """llmstep's request (`POST /`): suggested tactics."""
        body = {"tactic_state": tactic_state, "prefix": prefix, "context": context}
        return self._call("POST", "/", body)["suggestions"]

    # -- checking and proving -------------------------------------------------------------------------------------
    def check(
        self,
        proof: str,
        statement: Optional[str] = None,
        header: str = "",
        name: Optional[str] = None,
        benchmark: Optional[str] = None,
    ) -> CheckResult:
        """Check `proof` of a statement (with its header) or of a benchmark theorem ("miniF2F/NAME")."""
        body = {"proof": proof, **_source(statement, header, name, benchmark)}
        return _record(CheckResult, self._call("POST", "/check", body))

    def prove(
        self,
        statement: Optional[str] = None,
        header: str = "",
        name: Optional[str] = None,
        benchmark: Optional[str] = None,
        goal: Optional[str] = None,
        method: Optional[str] = None,
        policy: Optional[str] = None,
        budget_seconds: Optional[float] = None,
        job_id: Optional[str] = None,
        wait: bool = True,
    ) -> JobRecord:
        """Search for a proof of a statement, a benchmark theorem or a bare `goal`; with `wait=False` the job comes
        back queued (poll it with `job` or `wait_for_job`)."""
        body = _source(statement, header, name, benchmark, goal)
        options = {"method": method, "policy": policy, "budget_seconds": budget_seconds, "job_id": job_id}
        body.update({k: v for k, v in options.items() if v is not None}, wait=wait)
        return _record(JobRecord, self._call("POST", "/prove", body))

    def job(self, job_id: str) -> JobRecord:
        return _record(JobRecord, self._call("GET", f"/jobs/{job_id}"))

    def cancel(self, job_id: str) -> JobRecord:
        """Ask the server to stop a job; it comes back as it stands (cancellation takes effect shortly after)."""
        return _record(JobRecord, self._call("DELETE", f"/jobs/{job_id}"))

    def wait_for_job(self, job_id: str, timeout: float = 600.0, poll: float = 0.2) -> JobRecord:
        """Poll a job until it is finished; past `timeout` seconds, the job as last seen (check `.finished`)."""
        deadline = time.monotonic() + timeout
        job = self.job(job_id)
        while not job.finished and time.monotonic() < deadline:
            time.sleep(poll)
            job = self.job(job_id)
        return job

    # -- health ---------------------------------------------------------------------------------------------------
    def health(self, timeout: Optional[float] = None) -> Health:
        """`/health`: the server's state and load (`timeout`: this call's, default the client's)."""
        body = self._call("GET", "/health", timeout=timeout)
        return _record(Health, {**body, "load": _record(Load, body["load"])})

    def wait_until_healthy(self, timeout: float = 60.0, poll: float = 0.3) -> Health:
        """Poll `/health` until the server answers; ServerUnreachable if it does not within `timeout` seconds.
        A refusal (401: wrong token) is raised at once, since waiting cannot cure it."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.health(timeout=max(0.1, min(self.timeout, deadline - time.monotonic())))
            except ServerUnreachable as exc:
                if time.monotonic() + poll >= deadline:
                    raise ServerUnreachable(f"{self.base_url} not healthy within {timeout:g} s: {exc}") from None
                time.sleep(poll)

    # -- transport ------------------------------------------------------------------------------------------------
    def _call(self, method: str, path: str, body: Optional[dict] = None, timeout: Optional[float] = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        where = f"{method} {self.base_url}{path}"
        try:
            with urllib.request.urlopen(req, timeout=timeout or self.timeout) as resp:  # noqa: S310 - caller's URL
                raw, status = resp.read(), resp.status
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            parsed = _json_or_text(raw)
            retry = exc.headers.get("Retry-After") if exc.headers else None
            fallback = exc.reason if isinstance(exc.reason, str) else raw.decode("utf-8", "replace")[:200]
            raise ServerError(
                exc.code, _detail(parsed, fallback), parsed, float(retry) if retry and retry.isdigit() else None
            ) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise ServerTimeout(f"{where}: no answer within {timeout or self.timeout:g} s") from None
            raise ServerUnreachable(f"{where}: {exc.reason}") from None
        except TimeoutError:
            raise ServerTimeout(f"{where}: no answer within {timeout or self.timeout:g} s") from None
        except (OSError, HTTPException) as exc:
            raise ServerUnreachable(f"{where}: {type(exc).__name__}: {exc}") from None
        try:
            return json.loads(raw)
        except ValueError:
            raise ServerError(status, f"the answer is not JSON: {raw[:200]!r}", raw) from None


def _json_or_text(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def _source(
    statement: Optional[str], header: str, name: Optional[str], benchmark: Optional[str], goal: Optional[str] = None
) -> dict[str, Any]:
    """The request's theorem fields. Which of statement / benchmark / goal was given is the server's to judge (it
    answers 422 unless exactly one), so a client never disagrees with the server it talks to."""
    out: dict[str, Any] = {}
    if statement is not None:
        out["theorem"] = {"statement": statement, "header": header, **({"name": name} if name else {})}
    if benchmark is not None:
        out["benchmark"] = benchmark
    if goal is not None:
        out["goal"] = goal
        out["header"] = header
    return out
