"""Coq's one registration: everything the platform knows about Coq, in one BackendSpec. The callables import the
backend's modules when called, so registering (on `import stp_prover.itp`) starts and loads nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..backends import BackendSpec, ItpConfig, SourceSet, register, with_system_config
from ..env import BackendUnavailable, ProofEnv
from .benchmarks import BENCHMARKS
from .config import CoqConfig
from .dialect import COQ
from .prelude import coq_prelude


def _make(config: ItpConfig) -> ProofEnv:
    from .env import CoqEnv

    return CoqEnv(config.coq, config.pool)


def _require(config: ItpConfig) -> None:
    from .env import require_coq

    require_coq(config.coq)


def _trace(text: str, path: str, logical_name: str, config: ItpConfig):
    from .trace import trace_file

    return trace_file(text, path, logical_name, config.coq)


def _mentions(tactic: str) -> list[str]:
    from .trace_names import mentions

    return mentions(tactic)


def _proof_tactics(proof: str) -> Optional[list[str]]:
    from .sentences import proof_tactics

    return proof_tactics(proof)


def _library(config: ItpConfig, library: str) -> SourceSet:
    """One installed Coq library: the standard library (`stdlib`) or a user-contrib package (`mathcomp`, ...)."""
    from .env import library_dir
    from .project import library_sources

    root = library_dir(config.coq.coqc)
    if not root:
        raise BackendUnavailable("Coq is not installed; install it with scripts/install.sh")
    found = library_sources(root, library)
    return SourceSet(found.root, found.files, config)


def _project(directory: Path, config: ItpConfig, jobs: int) -> SourceSet:
    """A user's Coq project from its `_CoqProject`, built, with the load paths its files need."""
    from .project import project_sources

    found = project_sources(directory, build=True, jobs=jobs)
    loaded = with_system_config(config, "coq", load_args=config.coq.load_args + found.load_args)
    return SourceSet(found.root, found.files, loaded)


SPEC = BackendSpec(
    "coq",
    "coq",
    _make,
    _require,
    file_suffix=".v",
    trace=_trace,
    library=_library,
    project=_project,
    mentions=_mentions,
    config=CoqConfig,
    dialect=COQ,
    prelude=coq_prelude,
    proof_tactics=_proof_tactics,
    benchmarks=BENCHMARKS,
)
register(SPEC)
