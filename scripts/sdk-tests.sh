#!/usr/bin/env bash
# The SDK compatibility suite: real wechatpy calls against a freshly built mock-server, on loopback only.
# Usage: bash scripts/sdk-tests.sh [extra pytest args]   (from any directory)
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)

# Honour CARGO_TARGET_DIR, so a second checkout's build (or a second developer) does not share binaries.
target_dir=${CARGO_TARGET_DIR:-$root/target}
venv=$target_dir/sdk-venv
reqs=mock-server/tests/sdk/requirements.txt
stamp=$venv/.requirements.sha256

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
want=$(sha256sum "$reqs" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$reqs"
    echo "$want" >"$stamp"
fi

cargo build -q -p mock-server --bin mock-server

status=0
MOCK_SERVER_BIN="$target_dir/debug/mock-server" \
    "$venv/bin/python" -m pytest mock-server/tests/sdk -q -p no:cacheprovider "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "sdk-tests: pytest collected no tests" >&2
fi
exit "$status"
