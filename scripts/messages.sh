#!/usr/bin/env bash
# The catalogues, the same way for everyone (docs/i18n.md):
#   scripts/messages.sh extract   makemessages for every language (needs GNU gettext's xgettext)
#   scripts/messages.sh compile   .po -> .mo in pure Python (Babel): no GNU gettext needed
#   scripts/messages.sh           both
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
export LEADBRIDGE_INSECURE_DEV_KEY=1
step=${1:-all}
if [ "$step" = extract ] || [ "$step" = all ]; then
  "$PY" -m leadbridge.core.messages extract
fi
if [ "$step" = compile ] || [ "$step" = all ]; then
  "$PY" -m leadbridge.core.messages compile
fi
