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

# Browser tests drive Debian's Chromium (never a browser Playwright downloads); a CJK
# font makes their screenshots readable.
if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk"; then
  apt-get install -y chromium fonts-wqy-zenhei >/dev/null 2>&1 \
    || { apt-get update >/dev/null 2>&1 && apt-get install -y chromium fonts-wqy-zenhei >/dev/null 2>&1; } \
    || echo "warning: could not install chromium; browser tests will be skipped" >&2
fi

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

lint_paths=()
for dir in src tests plugins examples benchmarks; do
  [ -d "$dir" ] && lint_paths+=("$dir")
done

"$venv/bin/ruff" check "${lint_paths[@]}"
"$venv/bin/ruff" format --check "${lint_paths[@]}"
"$venv/bin/mypy" --strict "${mypy_paths[@]}"
"$venv/bin/lint-imports"
"$venv/bin/pytest" -n 2 "${test_paths[@]}"
