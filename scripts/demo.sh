#!/usr/bin/env bash
# From a fresh clone: install everything, load the demo into SQLite (commons.db)
# and serve the reference deployment when it is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh .venv
.venv/bin/commons db upgrade
.venv/bin/commons demo
.venv/bin/commons report community-summary --community 文化路社区
if .venv/bin/commons serve --help >/dev/null 2>&1; then
  exec .venv/bin/commons serve --host 127.0.0.1 --port 8000
fi
