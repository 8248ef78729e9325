#!/usr/bin/env bash
# Train the anomaly model, export it (anomaly.onnx, its sha256, reference vectors) and write
# REPORT.md (evaluate.py, then heldout.py's section on other hospitals). Deterministic: fixed
# seeds for the simulations and the training.
#
#   model/run.sh            # both
#   model/run.sh train      # the model only
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
cd "$EHR_ROOT"

VENV="${EHR_MODEL_VENV:-$HOME/.cache/ehr-chain/model-venv}"
WORK="${EHR_MODEL_WORK:-$HOME/.cache/ehr-chain/model-work}"
if [[ ! -x "$VENV/bin/python" ]]; then
	python3 -m venv "$VENV"
	"$VENV/bin/pip" install -q -r model/requirements.txt
fi
cargo build --locked -p ehr-anomaly
mkdir -p "$WORK"
"$VENV/bin/python" model/train.py --work "$WORK"
if [[ "${1:-all}" != train ]]; then
	"$VENV/bin/python" model/evaluate.py --work "$WORK"
	"$VENV/bin/python" model/heldout.py --work "$WORK"
fi
