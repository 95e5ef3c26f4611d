#!/usr/bin/env bash
# Start the worker and the site together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
"$PY" -m flask --app app worker &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo "Storyloom is at http://127.0.0.1:5000 (the worker is running too; Ctrl-C stops both)"
"$PY" -m flask --app app run --host 127.0.0.1 --port 5000
