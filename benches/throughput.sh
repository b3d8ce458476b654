#!/usr/bin/env bash
# mock-server's message/send throughput against the bare axum baseline, same machine, same run, same driver.
# Usage: benches/throughput.sh [SECONDS per run (default 10)] [CONNECTIONS (default 32)] [ROUNDS (default 3)]
# Each round runs bare, mock, mock, bare (so drift on a shared machine hits both alike); the ratio reported is
# the median over rounds, with the lowest and highest beside it. Then the same call as HTTPS through the mock as
# its clients' proxy (CONNECT, TLS) beside plain HTTP, both from benches' https-send driver, alternated the same way.
# Traffic goes to 127.0.0.1 only; each wrk and https-send run stops by itself after SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-32}
rounds=${3:-3}

if ! command -v wrk >/dev/null; then
  echo "installing wrk from Debian's packages" >&2
  (apt-get update -qq && apt-get install -y -qq wrk) >/dev/null
fi
cargo build -q --release -p mock-server --bin mock-server -p benches --bin bare-axum --bin https-send

# shellcheck source=benches/lib.sh
. benches/lib.sh

start mock target/release/mock-server --bind 127.0.0.1:0 --ca-dir "$tmp/ca"
mock=$addr
mock_pid=${pids[-1]}
start bare target/release/bare-axum --bind 127.0.0.1:0
bare=$addr
bare_pid=${pids[-1]}

token=$(curl -s "http://$mock/cgi-bin/gettoken?corpid=ww5e2d1c0b9a8f7e6d&corpsecret=demo-bot-secret-0123456789abcdefghijklmnopq" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
# Measure full delivery: WeCom's per-member limit (30 a minute) would otherwise drop most messages unrouted.
curl -s -X PATCH "http://$mock/mock/settings" -d '{"member_per_minute": 0, "member_per_hour": 0}' >/dev/null
body='{"touser":"lisi","msgtype":"text","agentid":1000002,"text":{"content":"负载测试 load test message"},"safe":0}'
cat >"$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
LUA

run() { # run NAME PID URL → prints "requests/s cpu-µs-per-request"
  local before after
  before=$(awk '{print $14 + $15}' "/proc/$2/stat")
  wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$tmp/post.lua" "$3" >"$tmp/$1.wrk"
  after=$(awk '{print $14 + $15}' "/proc/$2/stat")
  awk -v ticks="$((after - before))" -v hz="$(getconf CLK_TCK)" '
    /Requests\/sec/ {rps = $2}
    /requests in/ {n = $1}
    END {printf "%s %.2f\n", rps, ticks / hz * 1e6 / n}' "$tmp/$1.wrk"
}

# Warm both, then alternate so drift on a shared machine hits both alike.
wrk -t1 -c"$conns" -d2s -s "$tmp/post.lua" "http://$bare/cgi-bin/message/send" >/dev/null
wrk -t1 -c"$conns" -d2s -s "$tmp/post.lua" "http://$mock/cgi-bin/message/send?access_token=$token" >/dev/null
rows=()
for r in $(seq "$rounds"); do
  b1=$(run "bare$r.1" "$bare_pid" "http://$bare/cgi-bin/message/send")
  m1=$(run "mock$r.1" "$mock_pid" "http://$mock/cgi-bin/message/send?access_token=$token")
  m2=$(run "mock$r.2" "$mock_pid" "http://$mock/cgi-bin/message/send?access_token=$token")
  b2=$(run "bare$r.2" "$bare_pid" "http://$bare/cgi-bin/message/send")
  rows+=("$b1 $b2 $m1 $m2")
done

# The same calls as HTTPS through the mock as a proxy (CONNECT, TLS with the mock's CA), against plain HTTP from the
# same driver (wrk has no proxy support), alternated as above.
https_rows=()
for r in $(seq "$rounds"); do
  drive() { target/release/https-send --mock "$mock" --mode "$1" --ca "$tmp/ca/ca.pem" --token "$token" \
    --connections "$conns" --seconds "$secs"; }
  p1=$(drive plain); t1=$(drive proxied); t2=$(drive proxied); p2=$(drive plain)
  https_rows+=("$p1 $p2 $t1 $t2")
done

ok=$(curl -s "http://$mock/mock/inboxes/user/lisi?limit=0" | python3 -c 'import json,sys; print(json.load(sys.stdin)["n_total"])')
python3 - "$ok" "$secs" "$conns" "${#rows[@]}" "${rows[@]}" "${https_rows[@]}" <<'PY'
import statistics, sys
ok, secs, conns, n = sys.argv[1:5]
n = int(n)
rounds = []
for row in sys.argv[5:5 + n]:
    b1, bc1, b2, bc2, m1, mc1, m2, mc2 = map(float, row.split())
    rounds.append(((b1 + b2) / 2, (bc1 + bc2) / 2, (m1 + m2) / 2, (mc1 + mc2) / 2))
print(f"message/send, {conns} connections, wrk -t1, {len(rounds)} rounds of bare,mock,mock,bare x {secs}s, same machine")
for i, (b, bc, m, mc) in enumerate(rounds, 1):
    print(f"round {i}: bare {b:8.0f} req/s {bc:5.2f} us CPU/req | mock {m:8.0f} req/s {mc:5.2f} us CPU/req | ratio {m / b:.2f}")
ratios = [m / b for b, _, m, _ in rounds]
cpu = [bc / mc for _, bc, _, mc in rounds]
print(f"bare axum   : {statistics.median(r[0] for r in rounds):8.0f} req/s (median)")
print(f"mock-server : {statistics.median(r[2] for r in rounds):8.0f} req/s (median)")
print(f"ratio       : {statistics.median(ratios):.2f} by throughput (range {min(ratios):.2f}-{max(ratios):.2f}), "
      f"{statistics.median(cpu):.2f} by server CPU per request  (target >= 0.80)")
https = []
for row in sys.argv[5 + n:]:
    p1, p2, t1, t2 = map(float, row.split())
    https.append(((p1 + p2) / 2, (t1 + t2) / 2))
tls = [t / p for p, t in https]
print(f"https-send  : plain {statistics.median(p for p, _ in https):8.0f} req/s, "
      f"HTTPS through the proxy {statistics.median(t for _, t in https):8.0f} req/s (medians; same driver, one thread)")
print(f"proxied     : {statistics.median(tls):.2f} of plain (range {min(tls):.2f}-{max(tls):.2f})")
print(f"delivered   : {ok} messages counted in lisi's inbox")
PY
grep -A4 'Latency Distribution' "$tmp/mock1.1.wrk" | sed 's/^/mock latency (round 1) /'
