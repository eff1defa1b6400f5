"""Coq 8.16 backend: `coqtop -emacs` for tactics and warm checks, `coqc` for files."""

from .coqc import check_cold, check_file
from .env import CoqEnv, has_library, library_dir, require_coq
from .policy import PolicyViolation, screen_file, screen_proof, screen_tactic
from .sentences import SentenceError, split_sentences
from .session import CoqSession, HeaderError
from .trace import trace_file

__all__ = [
    "CoqEnv",
    "CoqSession",
    "HeaderError",
    "PolicyViolation",
    "SentenceError",
    "check_cold",
    "check_file",
    "has_library",
    "library_dir",
    "require_coq",
    "screen_file",
    "screen_proof",
    "screen_tactic",
    "split_sentences",
    "trace_file",
]
