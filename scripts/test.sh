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

export LEADBRIDGE_INSECURE_DEV_KEY=1
echo "== lint"
.venv/bin/ruff check src bench
.venv/bin/ruff format --check src bench
.venv/bin/mypy
echo "== migrations"
DATABASE_URL="sqlite:///$(mktemp -d)/check.sqlite3" .venv/bin/python -m django makemigrations --check --dry-run \
  --settings=leadbridge.settings_test >/dev/null

PG_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
read -r -a EXTRA <<<"${PYTEST_ARGS:-}"

echo "== tests on SQLite"
DATABASE_URL="sqlite:///$(mktemp -d)/leadbridge.sqlite3" .venv/bin/pytest "${EXTRA[@]}"

echo "== tests on PostgreSQL ($PG_URL)"
DATABASE_URL="$PG_URL" .venv/bin/pytest "${EXTRA[@]}"
