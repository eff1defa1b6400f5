"""Shared fixtures: the shared data folder beside the project, and skips with a printed reason."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("STP_SHARED_DIR", ROOT.parent / "shared"))
TRANSCRIPTS = SHARED / "lean" / "repl_transcripts"
DOUBLE = ROOT / "tests" / "itp" / "lean_repl_double.py"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip(f"../shared/data not found at {path}")
    return path


@pytest.fixture(scope="session")
def coq_env():
    """One warm Coq environment for the whole session (real coqtop)."""
    from stp_prover.itp.coq import CoqEnv

    if shutil.which("coqtop") is None:
        pytest.fail("coqtop is not installed: run scripts/install.sh")
    env = CoqEnv()
    yield env
    env.close()


TRACED_FILES = ["theories/Arith/Between.v", "theories/Arith/Compare_dec.v", "theories/Arith/Wf_nat.v"]


@pytest.fixture(scope="session")
def traced_dir(tmp_path_factory):
    """Three Coq standard-library files traced for real, with corpus, theorems and splits built."""
    from stp_prover.data.traced import build_dataset, trace_library

    out = tmp_path_factory.mktemp("traced")
    trace_library("coq", out, TRACED_FILES)
    build_dataset(out)
    return out


def repl_double_command(*uses: str, extra: Path | None = None, hang_on=(), exit_on=()) -> list[str]:
    """argv that starts the Lean REPL test double answering from the named transcripts."""
    cmd = [sys.executable, str(DOUBLE), "--transcripts", str(TRANSCRIPTS)]
    for u in uses:
        cmd += ["--use", u]
    if extra:
        cmd += ["--extra", str(extra)]
    for h in hang_on:
        cmd += ["--hang-on", h]
    for e in exit_on:
        cmd += ["--exit-on", e]
    return cmd


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    """Tiny Hugging Face checkpoints built from a config (no download): `gpt` a decoder like DeepSeek-Prover,
    `t5` an encoder-decoder like ReProver."""
    from stp_prover.training import TinyModelConfig, init_model

    root = tmp_path_factory.mktemp("generation-models")
    for name, kind in (("t5", "tiny-t5"), ("gpt", "tiny-gpt2")):
        init_model(root / name, TinyModelConfig(kind=kind, width=64, layers=2, heads=2, context=1024))
    return root
