#!/usr/bin/env bash
# CI, after the test suite: build the PyInstaller bundle, smoke-run it on a clean environment,
# and report its size and start-up time against the installed app.
# Exits non-zero when the build or the smoke test fails (or the bundle passes 250 MB).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
if [ ! -x "$PY" ]; then
    python3 -m venv .venv
fi

echo "=== install PyInstaller (the project's build extra) ==="
"$PY" -m pip install --quiet --upgrade pip
"$PY" -m pip install --quiet -e ".[build,test]"

echo "=== build dist/proximity (build.spec) ==="
start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --log-level WARN build.spec
echo "built in $(( $(date +%s) - start )) s"

echo "=== smoke test: the bundle on a clean environment ==="
# tests/packaging/test_bundle.py runs dist/proximity/proximity with env -i (HOME, PATH,
# QT_QPA_PLATFORM only): --self-test on a new default database, --version, config show/check,
# and PostgreSQL when PROXIMITY_TEST_POSTGRES_URL is set.
set +e
PROXIMITY_TEST_BUNDLE=1 PROXIMITY_BUNDLE_DIR="$PWD/dist/proximity" \
    "$PY" -m pytest -q -p no:cacheprovider tests/packaging
code=$?
set -e
if [ "$code" -ne 0 ]; then
    echo "bundle smoke test FAILED (pytest exit $code)"
    exit 1
fi

echo "=== bundle size on disk ==="
du -sh dist/proximity

echo "=== start-up: bundle vs installed app (--self-test, median of 3; goal ratio <= 1.2) ==="
"$PY" benchmarks/bundle.py --bundle dist/proximity --runs 3
