#!/usr/bin/env bash
# Every test of the project: the Rust workspace (unit, integration, property, doc tests, and each benchmark run
# once as a smoke test, the round-trip bench and the kf-customer-service scenario for a second), then the wechatpy SDK compatibility suite, which installs its own pinned venv.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --workspace --all-targets
cargo test --workspace --doc
# The round-trip bench for one second: every customer message answered through the reference bot.
cargo run -q -p benches --bin roundtrip -- --rate 200 --secs 1
# The README's main command, as a binary, for one second.
cargo run -q -p loadgen -- run scenarios/kf-customer-service.yaml --duration 1s --quiet --out target/loadgen/ci
bash scripts/sdk-tests.sh
