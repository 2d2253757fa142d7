#!/usr/bin/env bash
# Run the whole test suite: sets up .venv if needed, then lint, types and pytest.
# Keyring tests use a real Secret Service (gnome-keyring in a private D-Bus session) when it is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
.venv/bin/python -m ruff check .
.venv/bin/python -m mypy core ui
if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  export CLIPSHIP_SECRET_SERVICE=1
  KR_HOME=$(mktemp -d)
  mkdir -p "$KR_HOME/data" "$KR_HOME/runtime" && chmod 700 "$KR_HOME/runtime"
  unset DBUS_SESSION_BUS_ADDRESS
  set +e
  XDG_DATA_HOME="$KR_HOME/data" XDG_RUNTIME_DIR="$KR_HOME/runtime" dbus-run-session -- sh -c \
    'printf clipship-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec .venv/bin/python -m pytest "$@"' \
    pytest "$@"
  rc=$?
  set -e
  rm -rf "$KR_HOME"
else
  set +e
  .venv/bin/python -m pytest "$@"
  rc=$?
  set -e
fi
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: failing the run." >&2
  exit 1
fi
exit "$rc"
