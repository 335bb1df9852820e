#!/usr/bin/env bash
# Set up (idempotent) and run the whole test suite: Debian packages, lint, types, tests.
# The README's test command; .ci/run calls it as-is. Needs python3 (>= 3.11), PyPI and
# Debian's package archive (apt-get: root, or sudo when the packages are not yet installed).
set -euo pipefail
cd "$(dirname "$0")/.."

# --- Debian packages the tests need; one `need` line per package group -------------------------
need() {  # install Debian packages if any is missing
    local missing=()
    for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
    if [ "${#missing[@]}" -gt 0 ]; then
        local sudo=()
        [ "$(id -u)" -eq 0 ] || sudo=(sudo)
        "${sudo[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}"
    fi
}
need postgresql  # service storage tests start a throwaway PostgreSQL cluster
need fonts-wqy-microhei poppler-utils chromium  # report (CJK PDF/plots, pdftoppm), browser tests

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'

echo "== ruff"
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
# In parallel (pytest-xdist): one worker per core unless BREASTCDS_TEST_WORKERS says otherwise
# (a number, or 0 for no workers). Tests of one file stay on one worker, in order (module-scoped
# servers, the browser session). Slow tests (-m slow) are included.
workers="${BREASTCDS_TEST_WORKERS:-auto}"
set +e
.venv/bin/python -m pytest -n "$workers" --dist loadfile "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
    echo "pytest collected no tests: failing (a run that executes no test is a failure)" >&2
    exit 1
fi
exit "$rc"
