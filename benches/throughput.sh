#!/usr/bin/env bash
# mock-server against bare axum handlers doing the same parse and reply (benches/src/lib.rs), same machine, same
# run, same driver, on three calls: message/send, externalcontact/get and a kf/sync_msg page of 10 messages.
# Usage: benches/throughput.sh [SECONDS per run (default 10)] [CONNECTIONS (default 32)] [ROUNDS (default 3)]
# Each round runs bare, mock, mock, bare (so drift on a shared machine hits both alike); the ratios reported are
# medians over rounds, by throughput (with the lowest and highest beside it) and by server CPU per request. Then
# message/send as HTTPS through the mock as its clients' proxy (CONNECT, TLS) beside plain HTTP, both from
# benches' https-send driver, alternated the same way.
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

prepare_mock "$mock"
write_calls
# The answers must be alike for the comparison to mean anything: print both sizes once.
for c in "${calls[@]}"; do
  read -r name script path <<<"$c"
  sep='?'; [[ $path == *\?* ]] && sep='&'
  method=GET body=
  [ "$script" != get ] && method=POST && body=$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" "$tmp/$script.lua")
  b=$(curl -s -X "$method" -d "$body" "http://$bare$path" | wc -c)
  m=$(curl -s -X "$method" -d "$body" "http://$mock$path${sep}access_token=$token" | wc -c)
  echo "$name: answers of $b bytes (bare) and $m bytes (mock)" >&2
done

run() { # run NAME PID URL SCRIPT → prints "requests/s cpu-µs-per-request"
  local before after
  before=$(awk '{print $14 + $15}' "/proc/$2/stat")
  wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$tmp/$4.lua" "$3" >"$tmp/$1.wrk"
  after=$(awk '{print $14 + $15}' "/proc/$2/stat")
  awk -v ticks="$((after - before))" -v hz="$(getconf CLK_TCK)" '
    /Requests\/sec/ {rps = $2}
    /requests in/ {n = $1}
    END {printf "%s %.2f\n", rps, ticks / hz * 1e6 / n}' "$tmp/$1.wrk"
}

# Per call: warm both, then alternate so drift on a shared machine hits both alike.
rows=()
for c in "${calls[@]}"; do
  read -r name script path <<<"$c"
  sep='?'; [[ $path == *\?* ]] && sep='&'
  bare_url="http://$bare$path" mock_url="http://$mock$path${sep}access_token=$token"
  wrk -t1 -c"$conns" -d2s -s "$tmp/$script.lua" "$bare_url" >/dev/null
  wrk -t1 -c"$conns" -d2s -s "$tmp/$script.lua" "$mock_url" >/dev/null
  for r in $(seq "$rounds"); do
    b1=$(run "bare-$script$r.1" "$bare_pid" "$bare_url" "$script")
    m1=$(run "mock-$script$r.1" "$mock_pid" "$mock_url" "$script")
    m2=$(run "mock-$script$r.2" "$mock_pid" "$mock_url" "$script")
    b2=$(run "bare-$script$r.2" "$bare_pid" "$bare_url" "$script")
    rows+=("$name $b1 $b2 $m1 $m2")
  done
done

# The same message/send as HTTPS through the mock as a proxy (CONNECT, TLS with the mock's CA), against plain
# HTTP from the same driver (wrk has no proxy support), alternated as above.
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
by_call = {}
for row in sys.argv[5:5 + n]:
    name, *v = row.split()
    b1, bc1, b2, bc2, m1, mc1, m2, mc2 = map(float, v)
    by_call.setdefault(name, []).append(((b1 + b2) / 2, (bc1 + bc2) / 2, (m1 + m2) / 2, (mc1 + mc2) / 2))
print(f"{conns} connections, wrk -t1, rounds of bare,mock,mock,bare x {secs}s, same machine; target >= 0.95")
for name, rounds in by_call.items():
    for i, (b, bc, m, mc) in enumerate(rounds, 1):
        print(f"{name:20} round {i}: bare {b:8.0f} req/s {bc:5.2f} us CPU/req | mock {m:8.0f} req/s {mc:5.2f} us CPU/req"
              f" | ratio {m / b:.2f}")
print(f"{'':20} {'bare req/s':>11} {'mock req/s':>11} {'bare CPU/req':>13} {'mock CPU/req':>13} {'by throughput':>22} {'by CPU':>7}")
for name, rounds in by_call.items():
    ratios = [m / b for b, _, m, _ in rounds]
    cpu = [bc / mc for _, bc, _, mc in rounds]
    med = lambda i: statistics.median(r[i] for r in rounds)
    print(f"{name:20} {med(0):11.0f} {med(2):11.0f} {med(1):10.2f} us {med(3):10.2f} us "
          f"{statistics.median(ratios):6.2f} ({min(ratios):.2f}-{max(ratios):.2f}) {statistics.median(cpu):7.2f}")
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
grep -A4 'Latency Distribution' "$tmp/mock-send1.1.wrk" | sed 's/^/mock message\/send latency (round 1) /'
