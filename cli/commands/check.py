"""`stp check FILE`: verify a `.v` or `.lean` file under the trust policy."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from stp_prover.itp import ItpConfig, backend_for_file, ensure_available, make_env, prescreen_file

from ..errors import UsageError
from ..options import add_backend_option, add_itp_options, add_json_option, itp_settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="verify a .v or .lean file (compiles, axioms audited, no sorry/admit)")
    p.add_argument("file", help="a Coq .v or Lean .lean file")
    p.add_argument("--theorem", action="append", metavar="NAME", help="only this theorem (repeatable)")
    add_backend_option(p, checks=True, help="default: from the file's extension")
    add_json_option(p, "one JSON object")
    add_itp_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    settings = itp_settings(args)
    if settings.verdicts not in (None, "strict"):
        # STP's verifier checks (statement, proof) pairs; it has no file mode to mirror (docs/trust-policy.md).
        raise UsageError(f"--verdicts {settings.verdicts} applies to `stp verify` only; `stp check` is strict")
    config = settings.apply(ItpConfig())
    backend = args.backend or backend_for_file(path.name)
    if backend is None:
        raise UsageError(f"cannot tell the proof assistant of {path.name}; pass --backend coq|lean")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text") from None
    # The trust policy's refusal needs no proof assistant: it is given even where the backend is not installed.
    result = prescreen_file(backend, text)
    if result is None:
        ensure_available(backend)
        with make_env(backend, config) as env:
            try:
                result = env.check_file(text, args.theorem)
            except KeyError as exc:
                raise UsageError(f"{path.name}: no theorem {exc.args[0]}") from None
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
        return 0 if result.ok else 1
    for t in result.theorems:
        axioms = f"  axioms: {', '.join(t['axioms'])}" if t["axioms"] else ""
        print(f"{'ok  ' if t['ok'] else 'FAIL'} {t['name']}{axioms}{'  — ' + t['reason'] if t['reason'] else ''}")
    if result.reason and not result.theorems:
        print(f"FAIL {path.name} — {result.reason}")
    proved = sum(t["ok"] for t in result.theorems)
    print(f"{path.name}: {proved}/{len(result.theorems)} theorems verified in {result.seconds:.2f}s")
    return 0 if result.ok else 1
