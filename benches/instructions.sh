#!/usr/bin/env bash
# Instructions per request, mock-server against the bare handlers, on the calls of benches/throughput.sh: each
# server run under valgrind's callgrind, warmed, its counters zeroed, driven by wrk for SECONDS, then dumped. An
# instruction count does not drift with what else the machine runs, so it is the figure to compare commits by;
# it counts the servers' own code only (not the kernel's part of a syscall), so the ratio here is lower than the
# CPU ratio of throughput.sh.
# Usage: benches/instructions.sh [SECONDS (default 5)] [CONNECTIONS (default 4)]
# Needs valgrind and wrk (both installed from Debian's packages if missing). Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
conns=${2:-4}
for tool in valgrind wrk; do
  if ! command -v "$tool" >/dev/null; then
    echo "installing $tool from Debian's packages" >&2
    (apt-get update -qq && apt-get install -y -qq "$tool") >/dev/null
  fi
done
cargo build -q --release -p mock-server --bin mock-server -p benches --bin bare-axum

# shellcheck source=benches/lib.sh
. benches/lib.sh
START_WAIT_S=120 # a server under callgrind starts some fifty times slower

write_calls

# measure KIND SCRIPT PATH → prints instructions per request
measure() {
  local kind=$1 script=$2 path=$3 out=$tmp/$1-$2 bin=target/release/mock-server url
  [ "$kind" = bare ] && bin=target/release/bare-axum
  start "$kind-$script" valgrind --tool=callgrind --callgrind-out-file="$out.cg" "$bin" --bind 127.0.0.1:0
  local pid=${pids[-1]}
  url="http://$addr$path"
  if [ "$kind" = mock ]; then
    local sep='?'
    prepare_mock "$addr"
    [[ $path == *\?* ]] && sep='&'
    url="$url${sep}access_token=$token"
  fi
  wrk -t1 -c"$conns" -d2s -s "$tmp/$script.lua" "$url" >/dev/null
  callgrind_control -z "$pid" >/dev/null 2>&1
  wrk -t1 -c"$conns" -d"${secs}s" -s "$tmp/$script.lua" "$url" >"$out.wrk"
  callgrind_control -d "$pid" >/dev/null 2>&1
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  local n ir
  n=$(awk '/requests in/ {print $1}' "$out.wrk")
  ir=$(callgrind_annotate "$(ls -t "$out".cg.* | head -1)" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
  echo $((ir / n))
}

printf '%-20s %14s %14s %7s\n' call "bare Ir/req" "mock Ir/req" ratio
for c in "${calls[@]}"; do
  read -r name script path <<<"$c"
  b=$(measure bare "$script" "$path")
  m=$(measure mock "$script" "$path")
  awk -v n="$name" -v b="$b" -v m="$m" 'BEGIN {printf "%-20s %14d %14d %7.2f\n", n, b, m, b / m}'
done
