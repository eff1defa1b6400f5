"""Lean 4 backends: the Lean REPL client and the LeanDojo adapter. Importing the package registers both (spec.py);
the names below load their modules on first use."""

from stp_prover.lazy import lazy_exports

from . import spec as _spec  # noqa: F401  (registers the backends)
from .config import LEAN_STANDARD_AXIOMS, LeanConfig
from .dialect import LEAN

_EXPORTS = {
    "LeanDojoEnv": ".dojo",
    "LeanEnv": ".env",
    "prescreen": ".env",
    "prescreen_file": ".env",
    "require_lean": ".env",
    "LexError": ".lexer",
    "Token": ".lexer",
    "TokenKind": ".lexer",
    "tokenize": ".lexer",
    "PolicyViolation": ".policy",
    "header_axioms": ".policy",
    "screen_file": ".policy",
    "screen_header": ".policy",
    "screen_proof": ".policy",
    "screen_statement": ".policy",
    "LeanRepl": ".repl",
    "ReplDied": ".repl",
    "ReplTimeout": ".repl",
    "validate_request": ".repl",
    "LeanHeaderError": ".session",
    "LeanSession": ".session",
    "lean_record": ".benchmarks",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)

__all__ = ["LEAN", "LEAN_STANDARD_AXIOMS", "LeanConfig", *_EXPORTS]
