#!/usr/bin/env bash
# GPU smoke test: one self-play run of the cluster rehearsal's round (configs/selfplay_smoke_gpu.yaml: a tiny model,
# vLLM on CUDA in bf16, Coq verifier actors, training on the GPU the engine freed) on this node, in under 10 minutes,
# then a pass/fail table per stage.
#   bash scripts/gpu_smoke.sh [RUN_DIR]        (default: a fresh folder under /tmp)
# Exit 0: every stage passed; 1: a stage failed (the table and the run's log say which); 2: this node cannot run it
# (no GPU, or the GPU extras missing). Needs: an NVIDIA GPU, torch with CUDA, vllm (CUDA build), coqtop, and the
# miniF2F data (`stp data fetch miniF2F`, or STP_DATA_DIR).
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
LIMIT_S="${STP_SMOKE_LIMIT_S:-600}"

fail_setup() { echo "gpu_smoke: $*" >&2; exit 2; }

command -v nvidia-smi >/dev/null 2>&1 || fail_setup "no nvidia-smi: this node has no NVIDIA GPU (or no driver)"
nvidia-smi -L >/dev/null 2>&1 || fail_setup "nvidia-smi finds no GPU"
"$PY" - <<'EOF' || fail_setup "torch sees no CUDA GPU: install the GPU extras (torch with CUDA) on this node"
import sys, torch
sys.exit(0 if torch.cuda.is_available() and torch.cuda.device_count() > 0 else 1)
EOF
"$PY" -c "import vllm" 2>/dev/null || fail_setup "vllm is not importable: pip install 'stp-prover[vllm]' (the CUDA build)"
command -v coqtop >/dev/null 2>&1 || fail_setup "coqtop not on PATH: the verifier actors need Coq"

RUN_DIR="${1:-$(mktemp -d /tmp/stp-gpu-smoke.XXXXXX)/run}"
LOG="$RUN_DIR.log"
SUMMARY="$RUN_DIR.json"
echo "gpu_smoke: run folder $RUN_DIR, log $LOG (limit ${LIMIT_S}s)"
start=$(date +%s)
timeout --signal=INT --kill-after=30 "$LIMIT_S" "$PY" -m stp_prover selfplay --config configs/selfplay_smoke_gpu.yaml \
  --run-dir "$RUN_DIR" --json >"$SUMMARY" 2>"$LOG"
rc=$?
echo "gpu_smoke: the run exited with $rc after $(( $(date +%s) - start ))s"

"$PY" - "$RUN_DIR" "$SUMMARY" "$rc" <<'EOF'
"""One row per stage, from the run folder and the JSON summary: PASS, FAIL (with why)."""
import json
import sys
from pathlib import Path

run, summary_path, rc = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
try:
    summary = json.loads(summary_path.read_text().strip().splitlines()[-1])
except (OSError, ValueError, IndexError):
    summary = {}


def lines(path):
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()] if path.exists() else []


r0, r1 = run / "round-000", run / "round-001"
targets = lines(r0 / "targets.jsonl")
policies = {k: v for k, v in summary.get("placement", {}).items() if k.startswith("policy-")}
rows = [
    ("run finished", rc == 0, f"exit code {rc}"),
    ("policy actor on a GPU", any(v.get("accelerators", {}).get("GPU") for v in policies.values()), "no GPU id"),
    ("sampling", (r0 / ".done-targets").exists() and bool(targets), "round 0 targets not sampled"),
    ("verification", any(t.get("correct", 0) > 0 for t in targets), "no verified proof in round 0"),
    ("conjecturing", (r1 / "conjectures.jsonl").exists(), "round 1 wrote no conjectures"),
    ("selection", (r1 / "selected.json").exists(), "round 1 has no selection"),
    ("training", all((r / "model.json").exists() for r in (r0, r1)), "a round has no trained model"),
    ("final", (run / "final" / "model.json").exists(), "no final model"),
    ("teardown", summary.get("orphans") == 0, f"orphans: {summary.get('orphan_pids', 'no summary')}"),
]
width = max(len(name) for name, _, _ in rows)
print(f"{'stage':<{width}}  result")
for name, ok, why in rows:
    print(f"{name:<{width}}  {'PASS' if ok else 'FAIL  ' + why}")
if summary.get("phase_seconds"):
    print("phase seconds:", json.dumps(summary["phase_seconds"]))
sys.exit(0 if all(ok for _, ok, _ in rows) else 1)
EOF
status=$?
[ $status -ne 0 ] && echo "gpu_smoke: FAIL (run log: $LOG)" >&2 || echo "gpu_smoke: PASS"
exit $status
