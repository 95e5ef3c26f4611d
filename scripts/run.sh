#!/usr/bin/env bash
# Start the worker and the site together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
"$PY" -m flask --app app worker &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo "Storyloom is at http://127.0.0.1:5000 (the worker is running too; Ctrl-C stops both)"
# gthread workers: a long upload or recording holds a thread, not the whole process.
"$PY" -m gunicorn --config gunicorn.conf.py --worker-class gthread --workers 2 --threads 8 --timeout 120 \
  --bind 127.0.0.1:5000 --access-logfile - 'app:create_app()'
