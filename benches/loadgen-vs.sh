#!/usr/bin/env bash
# loadgen against oha and wrk, driving the same bare axum handler (benches/src/bin/bare-axum.rs) on the same
# machine in the same run, with the same connection count and the same POST body; then the open workload at each
# rate of --rates (loadgen at fixed rates the server keeps up with: the rate reached must be within 1% of the
# rate asked, and corrected minus uncorrected latency, at p50 and p99, is loadgen's own timing error).
#
# Usage: benches/loadgen-vs.sh [--rounds N (3)] [--duration SECONDS (10)] [--connections C (32)]
#                              [--rates PER_SECOND,... (2000,20000)] [--wrk-threads T (1)]
# Each round runs the three tools in turn, the order reversed every other round (loadgen, oha, wrk, then wrk,
# oha, loadgen, ...), then the open workload at each rate, so drift on a shared machine hits all alike; the
# tables show medians over the rounds.
# Needs wrk (installed from Debian's packages if missing) and oha (`cargo install oha --locked`; found on PATH,
# in $OHA, or installed under the target directory if missing). Traffic goes to 127.0.0.1 only; everything
# started here is stopped on exit. Exits 1 when the open workload misses its rate by more than 1%.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3 secs=10 conns=32 rates=2000,20000 wrk_threads=1
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --duration) secs=${2%s}; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    --rates | --rate) rates=${2//\/s/}; shift 2 ;;
    --wrk-threads) wrk_threads=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
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

# The open workload at RATE: "asked reached length lo hi errors late cp50 cp99 up50 up99"; the rate reached is
# iterations started over the phase's length.
run_open() {
  measure "open$1" "$bin/loadgen" run benches/scenarios/bare-open.yaml --target "http://$addr" \
    --rate "$1/s" --duration "${secs}s" --quiet --out "$tmp/open$1"
  python3 - "$tmp/open$1/report.json" "$1" <<'PY'
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
}

echo "bare-axum at $addr; $rounds rounds x $secs s per tool, $conns connections; oha: $("$oha" --version); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)" >&2
# Warm the server (and the page cache for the binaries).
wrk -t1 -c"$conns" -d2s -s "$tmp/post.lua" "$url" >/dev/null
rows=() opens=()
for r in $(seq "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then order=(loadgen oha wrk); else order=(wrk oha loadgen); fi
  declare -A got=()
  for tool in "${order[@]}"; do
    got[$tool]=$("run_$tool" "$tool$r")
    echo "round $r $tool: ${got[$tool]} (req/s, client CPU us/req, server CPU us/req)" >&2
  done
  rows+=("${got[loadgen]} ${got[oha]} ${got[wrk]}")
  unset got
  for rate in ${rates//,/ }; do
    o=$(run_open "$rate")
    echo "round $r open $rate/s: $o (asked, reached, s, whole-second min/max, errors, late, corrected p50/p99, uncorrected p50/p99 us)" >&2
    opens+=("$o")
  done
done

python3 - "$secs" "$conns" "$wrk_threads" "${#rows[@]}" "${rows[@]}" "${opens[@]}" <<'PY'
import statistics as st, sys
secs, conns, wt, n = sys.argv[1:5]
rounds = [list(map(float, row.split())) for row in sys.argv[5:5 + int(n)]]
opens = [row.split() for row in sys.argv[5 + int(n):]]
med = lambda i: st.median(r[i] for r in rounds)
print(f"\nPOST /cgi-bin/message/send on bare-axum, {conns} connections, {len(rounds)} rounds x {secs} s, "
      f"alternating order, medians; wrk -t{wt}")
print(f"{'tool':<10}{'req/s':>10}{'client CPU/req':>17}{'server CPU/req':>17}   rounds (req/s; client CPU us/req)")
for name, base in (("loadgen", 0), ("oha", 3), ("wrk", 6)):
    each = ", ".join(f"{r[base]:.0f}" for r in rounds)
    cpus = ", ".join(f"{r[base + 1]:.2f}" for r in rounds)
    print(f"{name:<10}{med(base):>10.0f}{med(base + 1):>14.2f} us{med(base + 2):>14.2f} us   {each}; {cpus}")
for what, i, name, base in (("throughput", 0, "oha", 3), ("throughput", 0, "wrk", 6),
                            ("client CPU/req", 1, "oha", 3), ("client CPU/req", 1, "wrk", 6)):
    ratios = [r[i] / r[base + i] for r in rounds]
    print(f"{what} loadgen/{name:<4}: {st.median(ratios):.3f} (median of per-round ratios; "
          f"range {min(ratios):.3f}-{max(ratios):.3f}); ratio of medians {med(i) / med(base + i):.3f}")
ok = True
print(f"\nopen workload, {secs} s per rate per round; timing error = corrected - uncorrected latency "
      "(loadgen's own lateness in starting each iteration), medians over the rounds")
for rate in dict.fromkeys(o[0] for o in opens):
    rs = [list(map(float, o)) for o in opens if o[0] == rate]
    asked = rs[0][0]
    devs = [(r[1] - asked) / asked * 100 for r in rs]
    worst = max(devs, key=abs)
    m = lambda i: st.median(r[i] for r in rs)
    e50 = [r[7] - r[9] for r in rs]
    e99 = [r[8] - r[10] for r in rs]
    print(f"  {asked:.0f}/s: reached {m(1):.1f}/s (worst round {worst:+.2f}%), errors {m(5):.0f}, late starts "
          f"{m(6):.0f}; corrected p50/p99 {m(7):.0f}/{m(8):.0f} us, uncorrected {m(9):.0f}/{m(10):.0f} us")
    print(f"  {asked:.0f}/s timing error: p50 {st.median(e50):.0f} us (rounds {', '.join(f'{e:.0f}' for e in e50)}), "
          f"p99 {st.median(e99):.0f} us (rounds {', '.join(f'{e:.0f}' for e in e99)})")
    ok = ok and abs(worst) <= 1
print(f"  every rate reached within 1%: {'yes' if ok else 'NO'}")
sys.exit(0 if ok else 1)
PY
