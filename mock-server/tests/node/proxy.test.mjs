// A Node client that hard-codes https://qyapi.weixin.qq.com, unchanged: NODE_USE_ENV_PROXY=1 with HTTPS_PROXY
// sends it through the mock, NODE_EXTRA_CA_CERTS makes it trust the mock's CA. MOCK is the mock's own address,
// for the test's checks only.
import { test } from "node:test";
import assert from "node:assert/strict";
import https from "node:https";

const MOCK = process.env.MOCK;
const API = "https://qyapi.weixin.qq.com/cgi-bin";

async function world() {
  const r = await fetch(`${MOCK}/mock/world`);
  assert.equal(r.status, 200);
  return r.json();
}

function httpsGet(url) {
  return new Promise((resolve, reject) => {
    https
      .get(url, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode, body }));
      })
      .on("error", reject);
  });
}

async function credentials() {
  const w = await world();
  const corp = w.corps.find((c) => c.apps.some((a) => a.agentid === 1000002));
  return { corpid: corp.corpid, secret: corp.apps.find((a) => a.agentid === 1000002).secret };
}

test("https.get reaches the mock on the hard-coded host", async () => {
  const { corpid, secret } = await credentials();
  const r = await httpsGet(`${API}/gettoken?corpid=${corpid}&corpsecret=${secret}`);
  assert.equal(r.status, 200);
  const token = JSON.parse(r.body);
  assert.equal(token.errcode, 0);
  assert.ok(token.access_token);
});

test("fetch sends a message that lands in the member's inbox", async () => {
  const { corpid, secret } = await credentials();
  const { access_token } = await (await fetch(`${API}/gettoken?corpid=${corpid}&corpsecret=${secret}`)).json();
  const sent = await fetch(`${API}/message/send?access_token=${access_token}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ touser: "lisi", msgtype: "text", agentid: 1000002, text: { content: "来自 Node" } }),
  });
  const res = await sent.json();
  assert.equal(res.errcode, 0);
  const inbox = await (await fetch(`${MOCK}/mock/inboxes/user/lisi`)).json();
  assert.ok(inbox.messages.some((m) => m.msgid === res.msgid));
});

test("other hosts are refused, not forwarded", async () => {
  await assert.rejects(fetch("https://example.com/"));
  const j = await (await fetch(`${MOCK}/mock/journal?limit=50`)).json();
  assert.ok(j.entries.some((e) => e.method === "CONNECT" && e.path === "example.com:443" && e.status === 403));
});

test("the guard stops a connection beyond loopback", async () => {
  const net = await import("node:net");
  const before = globalThis.__connected.length;
  assert.throws(() => net.connect(443, "192.0.2.1"), /non-loopback host 192.0.2.1:443/);
  assert.equal(globalThis.__connected.length, before);
});

test("every connection went to the mock on loopback", () => {
  const port = new URL(MOCK).port;
  assert.ok(globalThis.__connected.length > 0);
  for (const c of globalThis.__connected) assert.equal(c, `127.0.0.1:${port}`);
});
