#!/usr/bin/env bash
# Every test of the project: the Rust workspace (unit, integration, property, doc tests, and each benchmark run
# once as a smoke test), then the wechatpy SDK compatibility suite, which installs its own pinned venv.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --workspace --all-targets
cargo test --workspace --doc
bash scripts/sdk-tests.sh
