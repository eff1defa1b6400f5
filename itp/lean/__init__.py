"""Lean 4 backends: the Lean REPL client and the LeanDojo adapter."""

from .dojo import LeanDojoEnv
from .env import LeanEnv, prescreen, prescreen_file, require_lean
from .lexer import LexError, Token, TokenKind, tokenize
from .policy import PolicyViolation, header_axioms, screen_file, screen_header, screen_proof, screen_statement
from .repl import LeanRepl, ReplDied, ReplTimeout, validate_request
from .session import LeanHeaderError, LeanSession

__all__ = [
    "LexError",
    "PolicyViolation",
    "Token",
    "TokenKind",
    "header_axioms",
    "prescreen",
    "prescreen_file",
    "screen_file",
    "screen_header",
    "screen_proof",
    "screen_statement",
    "tokenize",
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
