#!/usr/bin/env bash
# Install everything into a fresh virtual environment, then lint, type-check and
# run every test suite on SQLite and PostgreSQL. This is what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-test
if [ -z "${COMMONS_REUSE_VENV:-}" ]; then
  rm -rf "$venv"
fi
scripts/setup.sh "$venv"

# PostgreSQL: start the local server if it is down.
export COMMONS_TEST_POSTGRES_URL="${COMMONS_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}"
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi

mypy_paths=(src)
test_paths=(tests)
for dir in plugins/*/ examples/*/; do
  [ -d "$dir/src" ] && mypy_paths+=("$dir/src")
  [ -d "$dir/tests" ] && test_paths+=("$dir/tests")
done

"$venv/bin/ruff" check src tests plugins examples benchmarks
"$venv/bin/ruff" format --check src tests plugins examples benchmarks
"$venv/bin/mypy" --strict "${mypy_paths[@]}"
"$venv/bin/pytest" -n 2 "${test_paths[@]}"
