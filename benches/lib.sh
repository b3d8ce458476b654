# Shared by the bench scripts (source it): a temporary directory, the children started, killed on exit, and
# `start`, which waits for a server's "listening on" line.
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

# start NAME CMD...: runs CMD, waits for its "listening on http://ADDR" line (up to START_WAIT_S, 10 s), sets $addr.
start() {
  local name=$1; shift
  "$@" >"$tmp/$name.out" 2>&1 &
  pids+=($!)
  for _ in $(seq $((${START_WAIT_S:-10} * 10))); do
    addr=$(grep -om1 'listening on http://[0-9.:]*' "$tmp/$name.out" | sed 's|listening on http://||' || true)
    [ -n "$addr" ] && return 0
    sleep 0.1
  done
  echo "$name did not start" >&2; cat "$tmp/$name.out" >&2; exit 1
}

