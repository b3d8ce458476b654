#!/usr/bin/env bash
# Worlds of many customers: what loading one costs (contacts-scale at 1,000,000 and at BIG customers over 1,000
# members) and whether 客户联系 keeps its latency at that size (worlds-paging: batch/get_by_user paging over one
# member with 100,000 customers in a world of 200,000 and in one of BIG, rounds alternating small, big, big, small,
# in-process, no traffic leaves the process).
# Usage: benches/worlds.sh [BIG customers (default 10000000)] [ROUNDS (default 3)]
set -euo pipefail
cd "$(dirname "$0")/.."
big=${1:-10000000}
rounds=${2:-3}

cargo build -q --release -p benches --bin contacts-scale --bin worlds-paging

# shellcheck source=benches/lib.sh
. benches/lib.sh

for n in 1000000 "$big"; do
  target/release/contacts-scale --users 1000 --customers "$n" >"$tmp/scale-$n.out"
done
target/release/worlds-paging --big "$big" --small 200000 --focus 100000 --rounds "$rounds" >"$tmp/paging.out"

printf '%-34s %12s %12s\n' "world" "load s" "B/customer"
for n in 1000000 "$big"; do
  sed -E 's/.* ([0-9]+) customers: loaded in ([0-9.]+) s, .* ([0-9]+) bytes per customer.*/\1 \2 \3/' "$tmp/scale-$n.out" |
    awk '{printf "%-34s %12s %12s\n", "1,000 members, " $1 " customers", $2, $3}'
done
echo
cat "$tmp/paging.out"
