"""STP: a self-play theorem prover for Lean 4 and Coq, in one importable namespace.

The layers live in folders at the repository root and are mapped under this package by `pyproject.toml`
(`stp_prover.itp` is `itp/`, `stp_prover.prover` is `prover/`, ...). The names below are the public API most users
need; each is imported on first use, so `import stp_prover` stays cheap and loads neither torch nor a proof
assistant."""

from __future__ import annotations

from .lazy import lazy_exports

__version__ = "0.1.0"

# name -> module that defines it; resolved lazily (PEP 562) so that importing a subpackage stays light.
_EXPORTS = {
    "Theorem": "stp_prover.itp",
    "Verdict": "stp_prover.itp",
    "VerdictKind": "stp_prover.itp",
    "State": "stp_prover.itp",
    "StepResult": "stp_prover.itp",
    "StepKind": "stp_prover.itp",
    "ProofEnv": "stp_prover.itp",
    "VerifierPool": "stp_prover.itp",
    "make_env": "stp_prover.itp",
    "load_benchmark": "stp_prover.data",
    "find_theorem": "stp_prover.data",
    "user_theorem": "stp_prover.data",
    "prove_theorem": "stp_prover.prover.prove",
    "make_policies": "stp_prover.prover",
    "SearchConfig": "stp_prover.search",
    "search_names": "stp_prover.search",
    "ServerClient": "stp_prover.prover.client",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


__getattr__ = lazy_exports(__name__, _EXPORTS)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
