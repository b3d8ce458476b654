#!/usr/bin/env bash
# loadgen against oha and wrk, driving the same bare axum handler (benches/src/bin/bare-axum.rs) on the same
# machine in the same run, with the same connection count and the same POST body; then an open-workload check
# (loadgen at a fixed rate the server keeps up with: the rate reached must be within 1% of the rate asked).
#
# Usage: benches/loadgen-vs.sh [--rounds N (3)] [--duration SECONDS (10)] [--connections C (32)]
#                              [--rate PER_SECOND (20000)] [--wrk-threads T (1)]
# Each round runs the three tools in turn, the order reversed every other round (loadgen, oha, wrk, then wrk,
# oha, loadgen, ...), so drift on a shared machine hits all alike; the table shows medians over the rounds.
# Needs wrk (installed from Debian's packages if missing) and oha (`cargo install oha --locked`; found on PATH,
# in $OHA, or installed under the target directory if missing). Traffic goes to 127.0.0.1 only; everything
# started here is stopped on exit. Exits 1 when the open workload misses its rate by more than 1%.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3 secs=10 conns=32 rate=20000 wrk_threads=1
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --duration) secs=${2%s}; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    --rate) rate=${2%/s}; shift 2 ;;
    --wrk-threads) wrk_threads=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

target_dir=${CARGO_TARGET_DIR:-target}
bin=$target_dir/release

if ! command -v wrk >/dev/null; then
  echo "installing wrk from Debian's packages" >&2
  (apt-get update -qq && apt-get install -y -qq wrk) >/dev/null
fi
oha=${OHA:-$(command -v oha || true)}
for guess in "$HOME/.cargo/bin/oha" "$target_dir/oha/bin/oha" /tmp/oha-install/bin/oha; do
  [ -z "$oha" ] && [ -x "$guess" ] && oha=$guess
done
if [ -z "$oha" ]; then
  echo "installing oha with cargo install (once, under $target_dir/oha)" >&2
  cargo install -q oha --locked --root "$target_dir/oha"
  oha=$target_dir/oha/bin/oha
fi
cargo build -q --release -p loadgen --bin loadgen -p benches --bin bare-axum

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$bin/bare-axum" --bind 127.0.0.1:0 >"$tmp/bare.out" 2>&1 &
pids+=($!)
server_pid=$!
addr=
for _ in $(seq 100); do
  addr=$(grep -om1 'listening on http://127\.0\.0\.1:[0-9]*' "$tmp/bare.out" | sed 's|listening on http://||' || true)
  [ -n "$addr" ] && break
  sleep 0.1
done
[ -n "$addr" ] || { echo "bare-axum did not start" >&2; cat "$tmp/bare.out" >&2; exit 1; }
url="http://$addr/cgi-bin/message/send"

# The same body for all three: benches::BODY (loadgen's scenario writes it as YAML; same keys, same bytes).
body='{"touser":"lisi","msgtype":"text","agentid":1000002,"text":{"content":"负载测试 load test message"},"safe":0}'
cat >"$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
LUA

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# Each run_* prints "requests/s client-CPU-µs/request server-CPU-µs/request".
measure() { # measure NAME CMD... ; the command's output goes to $tmp/NAME.out, its CPU (user+sys, s) to NAME.cpu
  local before after
  before=$(ticks "$server_pid")
  /usr/bin/time -f '%U %S' -o "$tmp/$1.cpu" "${@:2}" >"$tmp/$1.out" 2>"$tmp/$1.err" ||
    { echo "$1 failed:" >&2; cat "$tmp/$1.err" >&2; exit 1; }
  after=$(ticks "$server_pid")
  echo $((after - before)) >"$tmp/$1.server"
}
per_request() { # per_request NAME REQUESTS SECONDS
  awk -v n="$2" -v s="$3" -v st="$(cat "$tmp/$1.server")" -v hz="$hz" '
    {printf "%.0f %.2f %.2f\n", n / s, ($1 + $2) * 1e6 / n, st / hz * 1e6 / n}' "$tmp/$1.cpu"
}
run_loadgen() {
  measure "$1" "$bin/loadgen" run benches/scenarios/bare-closed.yaml --target "http://$addr" \
    --vus "$conns" --duration "${secs}s" --quiet --out "$tmp/$1"
  read -r n s < <(python3 - "$tmp/$1/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c = r["counters"]
assert c["n_errors"] == 0, f"loadgen saw errors: {c}"
ph = r["run"]["phases"][0]
print(c["n_requests"], ph["duration_ms"] / 1000)
PY
)
  per_request "$1" "$n" "$s"
}
run_oha() {
  measure "$1" "$oha" -z "${secs}s" -c "$conns" -m POST -H 'Content-Type: application/json' -d "$body" \
    --no-tui --output-format json "$url"
  read -r n s < <(python3 - "$tmp/$1.out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
codes = r["statusCodeDistribution"]
assert set(codes) == {"200"}, f"oha saw other statuses: {codes}"
n = sum(codes.values())
print(n, n / r["summary"]["requestsPerSec"])
PY
)
  per_request "$1" "$n" "$s"
}
run_wrk() {
  measure "$1" wrk -t"$wrk_threads" -c"$conns" -d"${secs}s" -s "$tmp/post.lua" "$url"
  if grep -q 'Non-2xx' "$tmp/$1.out"; then echo "wrk saw non-2xx answers" >&2; cat "$tmp/$1.out" >&2; exit 1; fi
  read -r n s < <(awk '/requests in/ {n = $1; s = $4; sub(/s,?$/, "", s); print n, s}' "$tmp/$1.out")
  per_request "$1" "$n" "$s"
}

echo "bare-axum at $addr; $rounds rounds x $secs s per tool, $conns connections; oha: $("$oha" --version); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)" >&2
# Warm the server (and the page cache for the binaries).
wrk -t1 -c"$conns" -d2s -s "$tmp/post.lua" "$url" >/dev/null
rows=()
for r in $(seq "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then order=(loadgen oha wrk); else order=(wrk oha loadgen); fi
  declare -A got=()
  for tool in "${order[@]}"; do
    got[$tool]=$("run_$tool" "$tool$r")
    echo "round $r $tool: ${got[$tool]} (req/s, client CPU us/req, server CPU us/req)" >&2
  done
  rows+=("${got[loadgen]} ${got[oha]} ${got[wrk]}")
  unset got
done

# The open workload: loadgen at a fixed rate; the rate reached is iterations started over the phase's length.
measure open "$bin/loadgen" run benches/scenarios/bare-open.yaml --target "http://$addr" \
  --rate "$rate/s" --duration "${secs}s" --quiet --out "$tmp/open"
open=$(python3 - "$tmp/open/report.json" "$rate" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
asked = float(sys.argv[2])
c = r["counters"]
ph = r["run"]["phases"][0]
length = ph["duration_ms"] / 1000
# Whole seconds only: the first and the last point of the series are partial.
per_s = [p["n_iterations"] for p in r["series"]][1:-1] or [0]
m = r["metrics"]["iterations"]
co, un = m["corrected"], m["uncorrected"]
print(f"{asked:.0f} {c['n_iterations'] / length:.1f} {length:.3f} {min(per_s)} {max(per_s)} {c['n_errors']} "
      f"{c['n_late_iterations']} {co['p50_us']} {co['p99_us']} {un['p50_us']} {un['p99_us']}")
PY
)

python3 - "$secs" "$conns" "$wrk_threads" "$open" "${rows[@]}" <<'PY'
import statistics as st, sys
secs, conns, wt, open_ = sys.argv[1:5]
rounds = [list(map(float, row.split())) for row in sys.argv[5:]]
med = lambda i: st.median(r[i] for r in rounds)
print(f"\nPOST /cgi-bin/message/send on bare-axum, {conns} connections, {len(rounds)} rounds x {secs} s, "
      f"alternating order, medians; wrk -t{wt}")
print(f"{'tool':<10}{'req/s':>10}{'client CPU/req':>17}{'server CPU/req':>17}   rounds (req/s)")
for name, base in (("loadgen", 0), ("oha", 3), ("wrk", 6)):
    each = ", ".join(f"{r[base]:.0f}" for r in rounds)
    print(f"{name:<10}{med(base):>10.0f}{med(base + 1):>14.2f} us{med(base + 2):>14.2f} us   {each}")
for name, base in (("oha", 3), ("wrk", 6)):
    ratios = [r[0] / r[base] for r in rounds]
    print(f"loadgen/{name:<4}: {st.median(ratios):.3f} (median of per-round ratios; "
          f"range {min(ratios):.3f}-{max(ratios):.3f}); ratio of medians {med(0) / med(base):.3f}")
asked, reached, length, lo, hi, errors, late, cp50, cp99, up50, up99 = open_.split()
dev = (float(reached) - float(asked)) / float(asked) * 100
print(f"\nopen workload: asked {float(asked):.0f}/s for {secs} s: reached {float(reached):.1f}/s ({dev:+.2f}%; "
      f"iterations completed over the phase's {length} s), whole seconds {lo}-{hi}/s; errors {errors}, "
      f"late starts {late}")
print(f"  latency p50/p99: corrected {cp50}/{cp99} us, uncorrected {up50}/{up99} us")
print(f"  within 1%: {'yes' if abs(dev) <= 1 else 'NO'}")
sys.exit(0 if abs(dev) <= 1 else 1)
PY
