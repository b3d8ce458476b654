#!/usr/bin/env bash
# The soak: the kf round trip (customer → bot → customer) at a steady rate for minutes, against a mock-server
# and the reference bot each in its own process, their resident memory (VmRSS) sampled every few seconds.
# Usage: benches/soak.sh [MINUTES (default 3)] [RATE per second (default 2000)] [SAMPLE seconds (default 5)]
#                        [CUSTOMERS (default 2000, generated from the demo's seed)]
# Prints the samples, loadgen's summary, and for each process the slope (MB/min, least squares over the second
# half of the run: what it still grows once warm) and the plateau (the highest RSS seen).
# Bounded: loadgen stops by itself after MINUTES (and is sent SIGTERM if it has not a minute later); every
# child is killed on exit. Traffic goes to 127.0.0.1 only. CI never runs it: the caps have their own tests.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-3}
rate=${2:-2000}
every=${3:-5}
customers=${4:-2000}

cargo build -q --release -p mock-server --bin mock-server -p bot --bin bot -p loadgen --bin loadgen

# shellcheck source=benches/lib.sh
. benches/lib.sh

# The demo company with generated customers, as loadgen's `fixture: demo: { customers: N }` makes it.
sed "0,/^    customers:\$/s//    generate_customers: $customers\n    customers:/" \
  mock-server/src/world/default.yaml >"$tmp/fixture.yaml"
start mock target/release/mock-server --bind 127.0.0.1:0 --fixture "$tmp/fixture.yaml"
mock=$addr
mock_pid=${pids[-1]}
# The bot registers its own URL with the kf app (the mock verifies it) before loadgen starts.
start bot target/release/bot --bind 127.0.0.1:0 --api "http://$mock" --register 1000002
bot_pid=${pids[-1]}
for _ in $(seq 100); do grep -q '^registered with app' "$tmp/bot.out" && break; sleep 0.1; done
grep -q '^registered with app' "$tmp/bot.out" || { echo "the bot did not register" >&2; cat "$tmp/bot.out" >&2; exit 1; }

rss_mb() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo nan; }

target/release/loadgen run benches/scenarios/soak.yaml --target "http://$mock" --rate "$rate/s" \
  --duration "${minutes}m" --quiet --out "$tmp/run" >"$tmp/loadgen.out" 2>"$tmp/loadgen.err" &
lg_pid=$!
pids+=("$lg_pid")
deadline=$((SECONDS + minutes * 60 + 60))
start_s=$SECONDS
: >"$tmp/samples"
while kill -0 "$lg_pid" 2>/dev/null; do
  echo "$((SECONDS - start_s)) $(rss_mb "$mock_pid") $(rss_mb "$bot_pid")" >>"$tmp/samples"
  if [ "$SECONDS" -ge "$deadline" ]; then kill -TERM "$lg_pid" 2>/dev/null || true; fi
  sleep "$every"
done
lg_status=0
wait "$lg_pid" || lg_status=$?
# One more once the load has stopped: what the mock keeps.
echo "$((SECONDS - start_s)) $(rss_mb "$mock_pid") $(rss_mb "$bot_pid") idle" >>"$tmp/samples"

cat "$tmp/loadgen.out"
grep -v '^loadgen: note:' "$tmp/loadgen.err" >&2 || true
echo "loadgen exited $lg_status"
python3 - "$tmp/samples" "$rate" "$minutes" "$customers" <<'PY'
import sys
path, rate, minutes, customers = sys.argv[1:5]
rows = [l.split() for l in open(path) if l.strip()]
print(f"\nsoak: kf round trip at {rate}/s for {minutes} min, {customers} customers; RSS of each process (MB)")
print(f"{'t (s)':>6}  {'mock-server':>11}  {'bot':>8}")
for r in rows:
    print(f"{r[0]:>6}  {r[1]:>11}  {r[2]:>8}{'  (load stopped)' if len(r) > 3 else ''}")

def fit(points):
    """Least-squares slope of (minutes, MB)."""
    n = len(points)
    if n < 2:
        return float("nan")
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else float("nan")

loaded = [r for r in rows if len(r) == 3 and r[1] != "nan" and r[2] != "nan"]
end_s = float(loaded[-1][0]) if loaded else 0.0
half = [r for r in loaded if float(r[0]) >= end_s / 2]
for col, name in ((1, "mock-server"), (2, "bot")):
    slope = fit([(float(r[0]) / 60, float(r[col])) for r in half])
    plateau = max((float(r[col]) for r in rows if r[col] != "nan"), default=float("nan"))
    print(f"{name:>11}: slope {slope:+.1f} MB/min over the second half ({len(half)} samples), plateau {plateau:.1f} MB")
PY
