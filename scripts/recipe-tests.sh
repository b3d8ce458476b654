#!/usr/bin/env bash
# The README's HTTPS recipes, run as written against a freshly built mock-server on loopback: curl through the
# proxy and against the TLS listener, and Java (HttpsURLConnection with the JVM's proxy and trust-store properties)
# where a JDK is installed. Go's recipe (HTTPS_PROXY + SSL_CERT_FILE) and the container's are not run here: this
# machine has no Go toolchain and no container runtime.
# Usage: bash scripts/recipe-tests.sh   (from any directory)
set -euo pipefail

cd "$(dirname "$0")/.."
target_dir=${CARGO_TARGET_DIR:-$(pwd)/target}
cargo build -q -p mock-server --bin mock-server

# shellcheck source=benches/lib.sh
. benches/lib.sh
start mock "$target_dir/debug/mock-server" --bind 127.0.0.1:0 --tls-bind 127.0.0.1:0 --ca-dir "$tmp/ca"
mock=$addr
tls=$(grep -om1 'direct: https://[0-9.:]*' "$tmp/mock.out" | sed 's|direct: https://||')
ca=$tmp/ca/ca.pem
corpid=ww5e2d1c0b9a8f7e6d
secret=demo-bot-secret-0123456789abcdefghijklmnopq
query="corpid=$corpid&corpsecret=$secret"
n=0

ok() { # ok NAME ANSWER: the answer must be a token
  case "$2" in
    *'"errcode":0'*'"access_token"'*) echo "recipe $1: ok"; n=$((n + 1)) ;;
    *) echo "recipe $1 FAILED: $2" >&2; exit 1 ;;
  esac
}

ok "curl through the proxy" \
  "$(curl -sS --proxy "http://$mock" --cacert "$ca" "https://qyapi.weixin.qq.com/cgi-bin/gettoken?$query")"
ok "curl with HTTPS_PROXY and CURL_CA_BUNDLE" \
  "$(HTTPS_PROXY="http://$mock" CURL_CA_BUNDLE="$ca" curl -sS "https://qyapi.weixin.qq.com/cgi-bin/gettoken?$query")"
ok "curl on the TLS listener, the host mapped to it" \
  "$(curl -sS --resolve "qyapi.weixin.qq.com:${tls##*:}:127.0.0.1" --cacert "$ca" \
      "https://qyapi.weixin.qq.com:${tls##*:}/cgi-bin/gettoken?$query")"
if curl -s -o /dev/null --proxy "http://$mock" --cacert "$ca" https://example.com/; then
  echo "recipe: a CONNECT to example.com was not refused" >&2; exit 1
fi

if command -v javac >/dev/null && command -v keytool >/dev/null; then
  keytool -importcert -noprompt -alias wecom-mock -file "$ca" -keystore "$tmp/trust.p12" -storetype PKCS12 \
    -storepass changeit >/dev/null 2>&1
  ok "Java (https.proxyHost + trustStore)" "$(java -Dhttps.proxyHost=127.0.0.1 -Dhttps.proxyPort="${mock##*:}" \
      -Djavax.net.ssl.trustStore="$tmp/trust.p12" -Djavax.net.ssl.trustStorePassword=changeit \
      mock-server/tests/recipes/Gettoken.java "$corpid" "$secret")"
else
  echo "recipe Java: skipped (no JDK on this machine)"
fi
echo "recipes: $n passed"
