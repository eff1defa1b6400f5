"""`stp serve`: the proving server for editors (Lean Copilot, llmstep, our Lean tactics) and scripts (curl)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from stp_prover.itp import BackendUnavailable, default_backend, ensure_available

from ..errors import UsageError
from ..options import add_backend_option, add_engine_options, add_itp_options, engine_settings, itp_settings

LOOPBACK = ("127.0.0.1", "localhost", "::1")
TOKEN_ENV = "STP_SERVER_TOKEN"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="HTTP server: Lean Copilot /generate /encode, llmstep, /prove, /check")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    p.add_argument("--port", type=int, default=23337, help="default 23337, the port Lean Copilot calls")
    add_backend_option(p)
    p.add_argument("--model", help="Hugging Face path or hub id, or vllm:ID; default: the built-in portfolio only")
    p.add_argument("--retriever", metavar="INDEX", help="premise index for the tactic policy")
    p.add_argument("--workers", type=int, default=2, help="searches running at once (one proof environment each)")
    p.add_argument("--budget", type=float, default=30.0, help="default seconds per /prove request")
    p.add_argument("--max-budget", type=float, default=600.0, help="largest budget a request may ask for")
    p.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host (needs a token)")
    p.add_argument(
        "--token",
        help=f"bearer token every request must carry (Authorization: Bearer TOKEN); default ${TOKEN_ENV}, which "
        "keeps it out of the process list",
    )
    p.add_argument("--max-request-bytes", type=int, default=2_000_000, help="larger request bodies get 413")
    p.add_argument("--max-per-client", type=int, default=64, help="requests in flight per client before 429")
    p.add_argument("--max-pending", type=int, default=256, help="requests in flight in all before 429")
    p.add_argument(
        "--allow-unsandboxed",
        action="store_true",
        help="accept /check and /prove even where proof-assistant processes cannot run in the OS sandbox "
        "(bubblewrap); without it such a server answers them with 503",
    )
    add_itp_options(p)
    add_engine_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from stp_prover.policy import PolicyUnavailable
    from stp_prover.prover.server import create_app
    from stp_prover.prover.service import ProvingService, ServerConfig

    token = args.token or os.environ.get(TOKEN_ENV) or None
    if args.host not in LOOPBACK and not args.allow_remote:
        raise UsageError(f"--host {args.host} is not loopback: add --allow-remote and a token (${TOKEN_ENV})")
    if args.allow_remote and not token:
        raise UsageError(f"--allow-remote needs a bearer token: set ${TOKEN_ENV} (or --token)")
    if not (0 < args.port < 65536) or args.workers < 1 or args.budget <= 0 or args.max_budget < args.budget:
        raise UsageError("--port must be 1..65535, --workers and --budget positive, --max-budget >= --budget")
    if min(args.max_request_bytes, args.max_per_client, args.max_pending) < 1:
        raise UsageError("--max-request-bytes, --max-per-client and --max-pending must be positive")
    settings = itp_settings(args)
    try:
        engine = engine_settings(args)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    backend = args.backend or default_backend()
    ensure_available(backend)
    config = ServerConfig(
        args.host,
        args.port,
        backend,
        args.model,
        args.retriever,
        None,
        args.workers,
        args.budget,
        args.max_budget,
        token=token,
        max_request_bytes=args.max_request_bytes,
        max_per_client=args.max_per_client,
        max_pending=args.max_pending,
        itp=settings,
        engine=engine,
        allow_unsandboxed=args.allow_unsandboxed,
    )
    try:
        service = ProvingService(config)
    except (PolicyUnavailable, BackendUnavailable) as exc:
        raise UsageError(str(exc)) from None
    if not service.sandbox["sandboxed"]:
        if args.allow_unsandboxed:
            warning = (
                f"WARNING: proof-assistant processes are NOT sandboxed ({service.sandbox['why_not']}) and "
                "--allow-unsandboxed is set: proofs and statements from clients run with this server's rights"
            )
            logging.getLogger("stp.serve").warning(warning)
        else:
            warning = (
                f"stp serve: proof-assistant processes are not sandboxed ({service.sandbox['why_not']}); /check "
                "and /prove are refused (503) unless the server is started with --allow-unsandboxed"
            )
        print(warning, file=sys.stderr)
    print(f"stp serve: {backend}, model {args.model or 'portfolio'}, http://{args.host}:{args.port}", file=sys.stderr)
    try:
        uvicorn.run(create_app(service), host=args.host, port=args.port, log_level="warning")
    finally:
        service.close()
    return 0
