#!/usr/bin/env bash
# The whole test suite, as the README's quick start gives it: installs the test dependencies
# into .venv, lints, checks migrations, then runs pytest on SQLite and on PostgreSQL.
#   TEST_POSTGRES_URL  PostgreSQL server for the second run
#                      (default postgres://postgres@127.0.0.1:5432/test; Django creates test_<name>)
#   PYTEST_ARGS        extra pytest arguments for both runs (e.g. "-m 'not slow'")
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -U pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
# axe-core for the browser tests' accessibility checks (package.json; the npm registry).
npm ci --no-audit --no-fund --loglevel=error

export LEADBRIDGE_INSECURE_DEV_KEY=1
echo "== translations"
.venv/bin/python -m leadbridge.core.messages compile  # .po -> .mo in pure Python (Babel)
echo "== lint"
.venv/bin/ruff check src bench
.venv/bin/ruff format --check src bench
.venv/bin/mypy
echo "== container files"
.venv/bin/hadolint Dockerfile
# `docker compose` (v2 plugin) or `docker-compose` (Debian's package, which .ci/run installs).
# Both setups: the default one and the `scaled` profile (app ×2, worker ×2, nginx, Redis).
if docker compose version >/dev/null 2>&1; then
  SECRET_KEY=check docker compose -f compose.yaml config -q
  SECRET_KEY=check docker compose -f compose.yaml --profile scaled config -q
elif command -v docker-compose >/dev/null 2>&1; then
  SECRET_KEY=check docker-compose -f compose.yaml config -q
  SECRET_KEY=check docker-compose -f compose.yaml --profile scaled config -q
elif [ -n "${CI:-}" ]; then
  echo "docker compose is missing" >&2; exit 1
else
  echo "(skipped the compose check: no docker compose here; apt-get install docker-compose)"
fi
echo "== migrations"
DATABASE_URL="sqlite:///$(mktemp -d)/check.sqlite3" .venv/bin/python -m django makemigrations --check --dry-run \
  --settings=leadbridge.settings_test >/dev/null

PG_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
eval "EXTRA=(${PYTEST_ARGS:-})"  # honours quotes: PYTEST_ARGS="-m 'not slow'"

echo "== tests on SQLite"
DATABASE_URL="sqlite:///$(mktemp -d)/leadbridge.sqlite3" .venv/bin/pytest "${EXTRA[@]}"

echo "== tests on PostgreSQL ($PG_URL)"
DATABASE_URL="$PG_URL" .venv/bin/pytest "${EXTRA[@]}"
