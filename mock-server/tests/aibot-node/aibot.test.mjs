// WeCom's AI-bot Node SDK (@wecom/aibot-node-sdk 1.0.7), unchanged, against the mock's long connection at
// ws://127.0.0.1:PORT (the root path, through the SDK's own wsUrl option). MOCK is the mock's base URL. Every
// wait is on something the SDK or the mock's event stream reports (Board), never a sleep.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import AiBot, { generateReqId, WecomCrypto } from "@wecom/aibot-node-sdk";
import httpsProxyAgent from "https-proxy-agent"; // 5.x is CommonJS: the class is a property of its export
const { HttpsProxyAgent } = httpsProxyAgent;

const MOCK = process.env.MOCK;
const WS = MOCK.replace("http://", "ws://");
const ANSWER = ["one", "one two", "one two three"]; // each chunk is the whole text so far
const MEMBER = "zhangsan";
const PING_FAULT = "aibot:ping";
const WAIT_MS = 10000;

async function call(method, path, body) {
  const r = await fetch(MOCK + path, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

async function ok(method, path, body) {
  const r = await call(method, path, body);
  assert.equal(r.status, 200, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Everything a test observes, in order; wait() resolves when a predicate over it holds. */
class Board {
  constructor() {
    this.seen = [];
    this.waiters = new Set();
  }
  fire(source, name, value) {
    this.seen.push({ source, name, value });
    for (const w of this.waiters) w();
  }
  wait(pred, what, ms = WAIT_MS) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const failed = this.seen.filter((s) => s.name === "handler_error");
        if (failed.length) return done(() => reject(new Error(`waiting for ${what}, a handler threw: ${JSON.stringify(failed)}`)));
        const got = pred();
        if (got) done(() => resolve(got));
      };
      const timer = setTimeout(() => {
        const recent = this.seen.filter((s) => !String(s.value).startsWith("DEBUG")).slice(-30);
        done(() => reject(new Error(`no ${what} within ${ms} ms; seen: ${JSON.stringify(recent)}`)));
      }, ms);
      const done = (settle) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
    });
  }
}

/** One SDK client and what it reported: its events and log lines, under `label` on the board. */
class Bot {
  /** `proxied`: no wsUrl (the SDK's wss://openws.work.weixin.qq.com), through the mock as HTTPS proxy. */
  constructor(board, bot, { secret, label = "sdk", proxied = false } = {}) {
    this.board = board;
    this.label = label;
    const line = (level) => (m, ...a) => this.fire("log", `${level} ${[m, ...a].join(" ")}`);
    const logger = { debug: line("DEBUG"), info: line("INFO"), warn: line("WARN"), error: line("ERROR") };
    this.client = new AiBot.WSClient({
      botId: bot.botid,
      secret: secret ?? bot.secret,
      ...(proxied ? { wsOptions: { agent: new HttpsProxyAgent(MOCK) } } : { wsUrl: WS }),
      heartbeatInterval: 1000,
      reconnectInterval: 200,
      logger,
    });
    for (const n of ["authenticated", "disconnected", "reconnecting", "error"]) {
      this.client.on(n, (v) => this.fire(n, v instanceof Error ? v.message : v));
    }
  }
  fire(name, value) {
    this.board.fire(this.label, name, value);
  }
  values(name) {
    return this.board.seen.filter((s) => s.source === this.label && s.name === name).map((s) => s.value);
  }
  count(name) {
    return this.values(name).length;
  }
  reach(name, n = 1, ms) {
    return this.board.wait(() => this.count(name) >= n, `${this.label}: ${name} #${n}`, ms);
  }
  logged(text) {
    return this.board.wait(() => this.values("log").find((l) => l.includes(text)), `${this.label}: log ${text}`);
  }
  /** A handler whose failure is on the board, so the test fails at once rather than at a timeout. */
  on(event, handler) {
    this.client.on(event, async (frame) => {
      try {
        await handler(frame);
      } catch (e) {
        this.fire("handler_error", e instanceof Error ? e.message : JSON.stringify(e));
      }
    });
  }
  async connect(n = 1) {
    this.client.connect();
    await this.reach("authenticated", n);
  }
  answerWith(chunks = ANSWER) {
    this.on("message.text", async (frame) => {
      const sid = generateReqId("stream");
      for (let i = 0; i < chunks.length; i++) {
        const ack = await this.client.replyStream(frame, sid, chunks[i], i === chunks.length - 1);
        this.fire("ack", ack.errcode);
      }
    });
  }
}

/** `GET /mock/events` as Server-Sent Events, read into the board; open before the test acts. */
async function events(board, query = "route=aibot") {
  const ctl = new AbortController();
  const r = await fetch(`${MOCK}/mock/events?${query}`, { signal: ctl.signal });
  assert.equal(r.status, 200);
  const list = [];
  (async () => {
    const decoder = new TextDecoder();
    let buf = "";
    try {
      for await (const chunk of r.body) {
        buf += decoder.decode(chunk, { stream: true });
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          if (!line.startsWith("data:")) continue;
          try {
            const e = JSON.parse(line.slice(5));
            list.push(e);
            board.fire("mock", "event", e);
          } catch {
            // a `missed` notice carries a count, not an event
          }
        }
      }
    } catch (e) {
      if (e.name !== "AbortError") throw e;
    }
  })();
  const find = (pred, what) => board.wait(() => list.find(pred), `mock: ${what}`);
  return {
    list,
    wait: (kind, msgid) => find((e) => e.kind === kind && e.msgid === msgid, `${kind} ${msgid}`),
    find,
    close: () => ctl.abort(),
  };
}

let BOT;
beforeEach(async () => {
  await ok("POST", "/mock/reset");
  await ok("DELETE", "/mock/faults");
  BOT ??= (await ok("GET", "/mock/world")).corps.flatMap((c) => c.aibots ?? [])[0];
});

/** `GET /mock/aibots/{botid}`; its counters are the server's since start (a reset keeps them). */
const botState = () => ok("GET", `/mock/aibots/${BOT.botid}`);
const since = (before, after) => ({
  connected: after.connected,
  n_connections: after.n_connections - before.n_connections,
  n_kicked: after.n_kicked - before.n_kicked,
});
const said = (content) => ["POST", `/mock/aibots/${BOT.botid}/messages`, { from: MEMBER, chattype: "single", msgtype: "text", content }];
const inbox = async () => (await ok("GET", `/mock/inboxes/user/${MEMBER}`)).messages;

test("replyStream: three chunks, first_chunk then delivered, one answer in the member's inbox", async () => {
  const board = new Board();
  const bot = new Bot(board, BOT);
  bot.answerWith();
  const ev = await events(board);
  try {
    await bot.connect();
    const { msgid } = await ok(...said("你好, bot"));
    const first = await ev.wait("first_chunk", `re_${msgid}`);
    const done = await ev.wait("delivered", `re_${msgid}`);
    await bot.reach("ack", 3);
    assert.deepEqual(bot.values("ack"), [0, 0, 0]);
    assert.equal(first.detail.in_reply_to, msgid);
    assert.equal(done.detail.in_reply_to, msgid);
    const answers = (await inbox()).filter((m) => m.msgid === `re_${msgid}`);
    assert.equal(answers.length, 1);
    assert.equal(answers[0].msgtype, "text");
    assert.equal(answers[0].content.content, ANSWER.at(-1));
  } finally {
    ev.close();
    bot.client.disconnect();
  }
});

test("the default wss:// URL through the mock as proxy: an agent in wsOptions, the CA in NODE_EXTRA_CA_CERTS", async () => {
  // ws ignores HTTPS_PROXY (and NODE_USE_ENV_PROXY): the proxy has to be an agent.
  const board = new Board();
  const bot = new Bot(board, BOT, { proxied: true });
  bot.answerWith();
  const ev = await events(board);
  const mark = (await ok("GET", "/mock/journal?limit=1")).entries[0]?.seq ?? -1;
  try {
    await bot.connect();
    const { msgid } = await ok(...said("走代理"));
    await ev.wait("delivered", `re_${msgid}`);
    const journal = (await ok("GET", "/mock/journal?limit=100&path=openws.work.weixin.qq.com%3A443")).entries;
    const tunnels = journal.filter((e) => e.seq > mark);
    assert.deepEqual(tunnels.map((t) => [t.method, t.status]), [["CONNECT", 200]]);
  } finally {
    ev.close();
    bot.client.disconnect();
  }
});

test("replyWelcome on enter_chat lands in the member's inbox", async () => {
  const board = new Board();
  const bot = new Bot(board, BOT);
  bot.on("event.enter_chat", async (frame) => {
    const ack = await bot.client.replyWelcome(frame, { msgtype: "text", text: { content: `欢迎, ${frame.body.from.userid}` } });
    bot.fire("ack", ack.errcode);
  });
  const ev = await events(board);
  try {
    await bot.connect();
    const { msgid } = await ok("POST", `/mock/aibots/${BOT.botid}/enter`, { from: MEMBER });
    const done = await ev.wait("delivered", `re_${msgid}`);
    await bot.reach("ack");
    assert.deepEqual(bot.values("ack"), [0]);
    assert.equal(done.detail.in_reply_to, msgid);
    const welcomes = (await inbox()).filter((m) => m.msgid === `re_${msgid}`);
    assert.deepEqual(welcomes.map((w) => w.content.content), [`欢迎, ${MEMBER}`]);
  } finally {
    ev.close();
    bot.client.disconnect();
  }
});

test("uploadMedia (3 chunks, sent concurrently) and sendMediaMessage deliver a file", async () => {
  const board = new Board();
  const bot = new Bot(board, BOT);
  const data = randomBytes(1_228_800);
  bot.on("message.text", async (frame) => {
    const up = await bot.client.uploadMedia(data, { type: "file", filename: "report.bin" });
    bot.fire("uploaded", up);
    const ack = await bot.client.sendMediaMessage(frame.body.from.userid, "file", up.media_id);
    bot.fire("ack", ack.errcode);
  });
  const ev = await events(board);
  try {
    await bot.connect();
    await ok(...said("把季度报表发给我"));
    await bot.reach("ack");
    const sent = await ev.find((e) => e.kind === "delivered" && e.detail?.send_msg, "delivered with send_msg");
    const [up] = bot.values("uploaded");
    assert.deepEqual(bot.values("ack"), [0]);
    assert.equal(up.type, "file");
    assert.ok(up.media_id);
    assert.equal(sent.receiver, `user:${MEMBER}`);
    const files = (await inbox()).filter((m) => m.msgid === sent.msgid);
    assert.equal(files.length, 1);
    assert.equal(files[0].msgtype, "file");
    assert.equal(files[0].content.media_id, up.media_id);
  } finally {
    ev.close();
    bot.client.disconnect();
  }
});

test("a missed pong: the SDK terminates after two unacked pings, reconnects, and answers once the fault clears", async () => {
  const board = new Board();
  const bot = new Bot(board, BOT);
  bot.answerWith();
  const ev = await events(board);
  const before = await botState();
  try {
    await bot.connect();
    await ok("POST", "/mock/faults", { path: PING_FAULT, drop: true });
    await bot.logged("No heartbeat ack received for 2 consecutive pings");
    await bot.reach("reconnecting");
    await ok("DELETE", `/mock/faults?path=${encodeURIComponent(PING_FAULT)}`);
    await bot.reach("authenticated", 2);
    const { msgid } = await ok(...said("还在吗?"));
    await ev.wait("delivered", `re_${msgid}`);
    const state = since(before, await botState());
    assert.ok(state.connected && state.n_connections >= 2 && state.n_kicked === 0, JSON.stringify(state));
  } finally {
    ev.close();
    bot.client.disconnect();
  }
});

test("a kick: the older connection gets disconnected_event, terminates itself and does not reconnect", async () => {
  const board = new Board();
  const first = new Bot(board, BOT, { label: "first" });
  const second = new Bot(board, BOT, { label: "second" });
  first.on("event.disconnected_event", async () => first.fire("kicked"));
  second.answerWith();
  const ev = await events(board);
  const before = await botState();
  try {
    await first.connect();
    await second.connect();
    await first.reach("kicked");
    // The SDK marks the close as manual and terminates at once: 'disconnected' is its last word.
    await first.reach("disconnected");
    const { msgid } = await ok(...said("谁在回答?"));
    await ev.wait("delivered", `re_${msgid}`);
    assert.equal(first.count("reconnecting"), 0);
    assert.equal(first.count("authenticated"), 1);
    const state = since(before, await botState());
    assert.ok(state.connected && state.n_connections === 2 && state.n_kicked === 1, JSON.stringify(state));
  } finally {
    ev.close();
    first.client.disconnect();
    second.client.disconnect();
  }
});

test("a wrong secret: the SDK's error carries 853000", async () => {
  const board = new Board();
  const bot = new Bot(board, BOT, { secret: "not-the-secret" });
  try {
    bot.client.connect();
    const err = await board.wait(() => bot.values("error").find((e) => String(e).includes("853000")), "error with 853000");
    // Node then terminates and retries with its auth backoff: stop it before the retry.
    bot.client.disconnect();
    assert.match(err, /invalid bot_id or secret/);
    assert.equal(bot.count("authenticated"), 0);
    const r = await call(...said("有人吗?"));
    assert.equal(r.status, 409);
  } finally {
    bot.client.disconnect();
  }
});

test('callback-mode crypto: WecomCrypto(token, key, "") verifies and decrypts the known-answer vector', () => {
  // Built with an independent implementation (Python `cryptography`) on Tencent's example keys, receiveid "";
  // the mock's MsgCrypt must produce the same bytes (wecom-wire's vectors).
  const v = {
    token: "QDG6eK",
    key: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
    timestamp: "1409659813",
    nonce: "1372623149",
    msg: '{"msgid":"MOCKMSGID0001","aibotid":"aibDemoAssistant0000000000000001","chattype":"single","from":{"userid":"zhangsan"},"msgtype":"text","text":{"content":"你好"}}',
    encrypt:
      "RypEvHKD8QQKFhvQ6QleEPd7B2T2QhSBQMZJI/nYNhf9buQ4ZDfyv5cj+4XcSEFmEjnFGf7lD3lWqvWh6OVzkB7WCm96/5F1//nlOCJDZyDhssN4MmstDkXegNQDqd2YXpx6r6nDJhnQMP7sAyQ6VQ52xwak7x8zdjAjEqm9RCJWfmRzxXevCuMT9dLBZUFmex9wZk37JOoLT8Um20DckSWtGfVvIg1BP76dR6l1uJ2zPg0ZV/nVmJNtOOkw8hF2",
    msg_signature: "aa897c759cec3d25526ac7f238b489649f764afd",
  };
  const c = new WecomCrypto(v.token, v.key, "");
  assert.ok(c.verifySignature(v.msg_signature, v.timestamp, v.nonce, v.encrypt));
  assert.ok(!c.verifySignature(v.msg_signature, v.timestamp, "1372623150", v.encrypt));
  assert.equal(c.decrypt(v.encrypt), v.msg);
  const again = c.encrypt(v.msg, v.timestamp, v.nonce);
  assert.equal(c.decrypt(again.encrypt), v.msg);
  assert.ok(c.verifySignature(again.signature, v.timestamp, v.nonce, again.encrypt));
});

test("every connection went to the mock on loopback", () => {
  const port = new URL(MOCK).port;
  assert.ok(globalThis.__connected.length > 0);
  for (const c of globalThis.__connected) assert.equal(c, `127.0.0.1:${port}`);
});
