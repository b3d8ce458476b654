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


# The calls throughput.sh and instructions.sh measure: `calls` (each "NAME SCRIPT PATH", the mock's path also
# carrying the token) and their wrk scripts in $tmp (SCRIPT.lua). The bodies are benches/src/lib.rs's.
write_calls() {
  printf 'wrk.method = "POST"\nwrk.body = %s\n' \
    "'{\"touser\":\"lisi\",\"msgtype\":\"text\",\"agentid\":1000002,\"text\":{\"content\":\"负载测试 load test message\"},\"safe\":0}'" \
    >"$tmp/send.lua"
  printf 'wrk.method = "POST"\nwrk.body = %s\n' "'{\"limit\":10,\"open_kfid\":\"wkDemoSupportDesk00000000000001A\"}'" >"$tmp/sync.lua"
  echo 'wrk.method = "GET"' >"$tmp/get.lua"
  calls=(
    "message/send send /cgi-bin/message/send"
    "externalcontact/get get /cgi-bin/externalcontact/get?external_userid=wmDemoXiaoHong00000000000000002B"
    "kf/sync_msg sync /cgi-bin/kf/sync_msg"
  )
}

# prepare_mock ADDR: readies a demo mock for those calls and sets $token (the demo bot's): the per-member limit
# off (WeCom's 30 a minute would drop most messages unrouted), and a page for kf/sync_msg (the demo customer
# writes benches' N_SYNC_MESSAGES, 10, to the support desk).
prepare_mock() {
  token=$(curl -s "http://$1/cgi-bin/gettoken?corpid=ww5e2d1c0b9a8f7e6d&corpsecret=demo-bot-secret-0123456789abcdefghijklmnopq" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  curl -s -X PATCH "http://$1/mock/settings" -d '{"member_per_minute": 0, "member_per_hour": 0}' >/dev/null
  for i in $(seq 10); do
    curl -s -X POST "http://$1/mock/kf/wkDemoSupportDesk00000000000001A/messages" \
      -d "{\"from\":\"wmDemoXiaoHong00000000000000002B\",\"msgtype\":\"text\",\"text\":{\"content\":\"你好，我想问一下订单 $i 的物流\"}}" >/dev/null
  done
}
