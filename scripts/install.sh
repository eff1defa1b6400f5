#!/usr/bin/env bash
# Installs everything the platform needs on a Debian machine: Coq from Debian's packages, then a virtual
# environment (.venv) with the CPU build of torch and this project. Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
# The portfolio's defaults use them all: CoqHammer's `sauto`, the Interval library's `interval` (loaded before every
# benchmark header), and csdp, the external solver Psatz's `psatz R 3` / `psatz Z 3` call.
COQ_PACKAGES="coq libcoq-coquelicot libcoq-hammer libcoq-interval coinor-csdp"
# shellcheck disable=SC2086
if ! command -v coqtop >/dev/null 2>&1 || ! dpkg -s $COQ_PACKAGES >/dev/null 2>&1; then
  echo "[install] Coq 8.16, Coquelicot, CoqHammer's tactics, Interval and csdp from Debian's packages"
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $COQ_PACKAGES >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "[install] virtual environment in .venv"
  "$PYTHON" -m venv .venv
fi
# The CPU wheel first: otherwise a dependency pulls a multi-GB CUDA build. Override with TORCH_SPEC.
if ! .venv/bin/python -c "import torch" >/dev/null 2>&1; then
  echo "[install] ${TORCH_SPEC:-torch==2.13.0}"
  .venv/bin/pip install -q "${TORCH_SPEC:-torch==2.13.0}"
fi
echo "[install] stp-prover and its dependencies"
.venv/bin/pip install -q -e ".[test]"
echo "[install] done: $(coqc --version | head -1)"
