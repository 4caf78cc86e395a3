#!/usr/bin/env bash
# Create (or reuse) a virtual environment and install the core, every plugin and
# the reference deployment into it, editable. Usage: scripts/setup.sh [VENV_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
packages=(-e ".[test,docs,postgres]")
for dir in plugins/*/ examples/*/; do
  # With their test extras: the reference deployment's browser tests need playwright.
  [ -f "$dir/pyproject.toml" ] && packages+=(-e "${dir%/}[test]")
done
"$venv/bin/python" -m pip install --quiet "${packages[@]}"
