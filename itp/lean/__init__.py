"""Lean 4 backends: the Lean REPL client and the LeanDojo adapter."""

from .dojo import LeanDojoEnv
from .env import LeanEnv, require_lean
from .repl import LeanRepl, ReplDied, ReplTimeout, validate_request
from .session import LeanHeaderError, LeanSession

__all__ = [
    "LeanDojoEnv",
    "LeanEnv",
    "LeanHeaderError",
    "LeanRepl",
    "LeanSession",
    "ReplDied",
    "ReplTimeout",
    "require_lean",
    "validate_request",
]
