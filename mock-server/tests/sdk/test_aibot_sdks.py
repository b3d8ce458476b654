"""The two Python AI-bot (智能机器人) SDKs, unchanged, against the mock's long connection at ws://127.0.0.1:PORT
(the root path): WeCom's `wecom-aibot-python-sdk` 1.0.2 and the third-party `wecom-aibot-sdk-python` 0.1.7. Each
receives a member's message and streams its answer, welcomes on enter_chat, uploads a file in chunks and sends
it, survives a missed pong, is kicked by a newer connection, and is refused a wrong secret. Each test runs its
own asyncio loop; every wait is on something an SDK or the mock reports (aibot_support.Board)."""

from __future__ import annotations

import asyncio
import os
import ssl

import aibot.ws
import pytest

import netguard
from aibot_support import RECONNECT_MS, SDKS, Board, EventStream, call, ok

ANSWER = ["one", "one two", "one two three"]  # each chunk is the whole text so far: WeCom replaces, not appends
MEMBER = "zhangsan"
# 1.2 MB: three chunks of at most 512 KiB.
FILE_BYTES = 1_228_800
PING_FAULT = "aibot:ping"
# The kick's TCP drop after disconnected_event, shortened from WeCom's 2 s (still after a 200 ms reconnect).
KICK_MS = 500


def demo_bot(mock) -> dict:
    return next(b for c in mock.world["corps"] for b in c.get("aibots", []))


def botid(mock) -> str:
    return demo_bot(mock)["botid"]


def bot_state(mock) -> dict:
    """`GET /mock/aibots/{botid}`. Its counters are the server's since start (a reset keeps them)."""
    return mock.get(f"/mock/aibots/{botid(mock)}")


def since(before: dict, after: dict) -> dict:
    """What the counters of `GET /mock/aibots/{botid}` gained between two readings, and whether it is connected."""
    return {"connected": after["connected"], "n_connections": after["n_connections"] - before["n_connections"],
            "n_kicked": after["n_kicked"] - before["n_kicked"]}


def said(mock, content: str, frm: str = MEMBER) -> tuple[str, str, dict]:
    return "POST", f"/mock/aibots/{botid(mock)}/messages", {
        "from": frm, "chattype": "single", "msgtype": "text", "content": content,
    }


async def connected(sdk, n: int = 1):
    await sdk.connect()
    await sdk.signals.reach("authenticated", n)


def answer_with(sdk, chunks=ANSWER):
    """A handler that streams `chunks` on one stream id, each waiting for its ack as the SDKs do."""

    async def on_text(frame):
        sid = sdk.stream_id()
        for i, text in enumerate(chunks):
            sdk.signals.fire("ack", await sdk.reply_stream(frame, sid, text, i == len(chunks) - 1))

    return on_text


@pytest.fixture(autouse=True)
def loopback_only(mock):
    """Every TCP connection a test here made went to the mock on 127.0.0.1 (netguard refuses anything else)."""
    before = len(netguard.CONNECTED)
    yield
    mine = netguard.CONNECTED[before:]
    port = int(mock.base.rsplit(":", 1)[1])
    assert mine and all(c == ("127.0.0.1", port) for c in mine), mine


@pytest.mark.parametrize("kind", SDKS)
def test_streams_an_answer_in_three_chunks(mock, kind):
    async def run():
        board = Board()
        sdk = SDKS[kind](board, mock, demo_bot(mock))
        sdk.on("message.text", answer_with(sdk))
        async with EventStream(board, mock.base, route="aibot") as ev:
            await connected(sdk)
            msgid = (await ok(mock, *said(mock, "你好, bot")))["msgid"]
            first = await ev.wait("first_chunk", f"re_{msgid}")
            done = await ev.wait("delivered", f"re_{msgid}")
            await sdk.signals.reach("ack", len(ANSWER))
        await sdk.close()
        return msgid, first, done, sdk.signals.values("ack")

    msgid, first, done, acks = asyncio.run(run())
    assert acks == [0, 0, 0]
    assert first["detail"]["in_reply_to"] == msgid and done["detail"]["in_reply_to"] == msgid
    assert first["mono_us"] <= done["mono_us"]
    answers = [m for m in mock.user_inbox(MEMBER)["messages"] if m["msgid"] == f"re_{msgid}"]
    assert len(answers) == 1, answers
    assert answers[0]["msgtype"] == "text" and answers[0]["content"]["content"] == ANSWER[-1]


@pytest.mark.parametrize("kind", SDKS)
def test_the_default_url_through_the_mock_as_proxy(mock, kind, monkeypatch):
    """No ws_url: the SDK's own wss://openws.work.weixin.qq.com, reached through the mock as HTTPS proxy
    (websockets follows HTTPS_PROXY). Trusting the mock's CA is the one other setting: SSL_CERT_FILE for the
    third party, which uses the default context; WeCom's SDK pins certifi, so its _SSL_CONTEXT."""
    monkeypatch.setenv("HTTPS_PROXY", mock.base)
    if kind == "wecom":
        monkeypatch.setattr(aibot.ws, "_SSL_CONTEXT", ssl.create_default_context(cafile=mock.ca_pem))
    else:
        monkeypatch.setenv("SSL_CERT_FILE", mock.ca_pem)
    mark = mock.journal_mark()

    async def run():
        board = Board()
        sdk = SDKS[kind](board, mock, demo_bot(mock), default_url=True)
        sdk.on("message.text", answer_with(sdk))
        async with EventStream(board, mock.base, route="aibot") as ev:
            await connected(sdk)
            msgid = (await ok(mock, *said(mock, "走代理")))["msgid"]
            await ev.wait("delivered", f"re_{msgid}")
        await sdk.close()
        return msgid

    msgid = asyncio.run(run())
    tunnels = mock.journal("openws.work.weixin.qq.com:443", since=mark)
    assert [(t["method"], t["status"]) for t in tunnels] == [("CONNECT", 200)], tunnels
    answers = [m for m in mock.user_inbox(MEMBER)["messages"] if m["msgid"] == f"re_{msgid}"]
    assert [a["content"]["content"] for a in answers] == [ANSWER[-1]]


@pytest.mark.parametrize("kind", SDKS)
def test_welcomes_a_member_on_enter_chat(mock, kind):
    async def run():
        board = Board()
        sdk = SDKS[kind](board, mock, demo_bot(mock))

        async def on_enter(frame):
            welcome = {"msgtype": "text", "text": {"content": f"欢迎, {sdk.userid(frame)}"}}
            sdk.signals.fire("ack", await sdk.reply_welcome(frame, welcome))

        sdk.on("event.enter_chat", on_enter)
        async with EventStream(board, mock.base, route="aibot") as ev:
            await connected(sdk)
            msgid = (await ok(mock, "POST", f"/mock/aibots/{botid(mock)}/enter", {"from": MEMBER}))["msgid"]
            done = await ev.wait("delivered", f"re_{msgid}")
            await sdk.signals.reach("ack")
        await sdk.close()
        return msgid, done, sdk.signals.values("ack")

    msgid, done, acks = asyncio.run(run())
    assert acks == [0] and done["detail"]["in_reply_to"] == msgid
    welcomes = [m for m in mock.user_inbox(MEMBER)["messages"] if m["msgid"] == f"re_{msgid}"]
    assert [w["content"]["content"] for w in welcomes] == [f"欢迎, {MEMBER}"]


@pytest.mark.parametrize("kind", SDKS)
def test_uploads_a_file_in_chunks_and_sends_it(mock, kind):
    """WeCom's SDK has no upload helper: its raw send drives init, chunk ×3 and finish; the third party's
    upload_media does it itself. The media_id then goes out with aibot_send_msg to the member who wrote."""
    data = os.urandom(FILE_BYTES)

    async def run():
        board = Board()
        sdk = SDKS[kind](board, mock, demo_bot(mock))

        async def on_text(frame):
            media_id = await sdk.upload(data, "report.bin")
            sdk.signals.fire("media_id", media_id)
            body = {"msgtype": "file", "file": {"media_id": media_id}}
            sdk.signals.fire("ack", await sdk.send(sdk.userid(frame), body))

        sdk.on("message.text", on_text)
        async with EventStream(board, mock.base, route="aibot") as ev:
            await connected(sdk)
            await ok(mock, *said(mock, "把季度报表发给我"))
            await sdk.signals.reach("ack")
            sent = await ev.signals.wait(
                lambda: next((e for e in ev.events if e["kind"] == "delivered"
                              and e["detail"].get("send_msg")), None),
                "delivered with send_msg",
            )
        await sdk.close()
        return sdk.signals.values("media_id")[0], sdk.signals.values("ack"), sent

    media_id, acks, sent = asyncio.run(run())
    assert acks == [0] and media_id
    assert sent["receiver"] == f"user:{MEMBER}"
    files = [m for m in mock.user_inbox(MEMBER)["messages"] if m["msgid"] == sent["msgid"]]
    assert len(files) == 1 and files[0]["msgtype"] == "file", files
    assert files[0]["content"]["media_id"] == media_id


@pytest.mark.parametrize("kind", SDKS)
def test_survives_a_missed_pong(mock, kind):
    """Pings go unacked; after two the SDK gives the connection up and sends a Close frame, which the mock,
    as a dead path would, answers by dropping TCP. WeCom's SDK reconnects only on that drop (a Close answered
    in kind ends its receive loop quietly, docs/aibot.md); the third party reconnects either way. Once the
    fault is cleared the new session is authenticated and answers."""

    async def run():
        board = Board()
        sdk = SDKS[kind](board, mock, demo_bot(mock))
        sdk.on("message.text", answer_with(sdk))
        async with EventStream(board, mock.base, route="aibot") as ev:
            await connected(sdk)
            await ok(mock, "POST", "/mock/faults", {"path": PING_FAULT, "drop": True})
            await sdk.signals.logged("No heartbeat ack received for 2 consecutive pings")
            await sdk.signals.reach("reconnecting")
            await ok(mock, "DELETE", "/mock/faults", params={"path": PING_FAULT})
            await sdk.signals.reach("authenticated", 2)
            msgid = (await ok(mock, *said(mock, "还在吗?")))["msgid"]
            await ev.wait("delivered", f"re_{msgid}")
        await sdk.close()
        return await ok(mock, "GET", f"/mock/aibots/{botid(mock)}")

    before = bot_state(mock)
    bot = since(before, asyncio.run(run()))
    assert bot["n_connections"] >= 2 and bot["n_kicked"] == 0, bot


def test_third_party_sdk_is_kicked_and_stays_away(mock, kick_ms):
    """A newer connection subscribes: the older gets disconnected_event, and when the mock drops its TCP
    (aibot_kick_close_ms later, no Close frame, as WeCom does) the third-party SDK does not reconnect."""

    async def run():
        board = Board()
        first = SDKS["third_party"](board, mock, demo_bot(mock), label="first")
        second = SDKS["third_party"](board, mock, demo_bot(mock), label="second")

        async def kicked(frame):
            first.signals.fire("kicked")

        first.on("event.disconnected_event", kicked)
        second.on("message.text", answer_with(second))
        async with EventStream(board, mock.base, route="aibot") as ev:
            await connected(first)
            await connected(second)
            await first.signals.reach("kicked")
            kicked_at = asyncio.get_running_loop().time()
            await first.signals.logged("Disconnected by new connection, not reconnecting")
            held_s = asyncio.get_running_loop().time() - kicked_at
            msgid = (await ok(mock, *said(mock, "谁在回答?")))["msgid"]
            await ev.wait("delivered", f"re_{msgid}")
        await second.close()
        await first.close()
        return first, held_s, await ok(mock, "GET", f"/mock/aibots/{botid(mock)}")

    before = bot_state(mock)
    first, held_s, after = asyncio.run(run())
    bot = since(before, after)
    # The mock held the kicked connection open for its kick delay, as WeCom does, then dropped it.
    assert held_s >= 0.8 * kick_ms / 1000, held_s
    assert first.signals.count("reconnecting") == 0 and first.signals.count("authenticated") == 1
    assert bot["n_connections"] == 2 and bot["n_kicked"] == 1, bot


def test_wecom_sdk_kicked_disconnects_as_documented(mock, kick_ms):
    """WeCom's SDK reconnects when a kicked connection's TCP is dropped, and then kicks the newer one back
    (seen on WeCom's own server). The documented fix, a handler that calls disconnect() on disconnected_event,
    ends it: after the old connection's drop time the newer one still holds the bot."""

    async def run():
        board = Board()
        first = SDKS["wecom"](board, mock, demo_bot(mock), label="first")
        second = SDKS["wecom"](board, mock, demo_bot(mock), label="second")

        async def leave(frame):
            first.signals.fire("kicked")
            first.client.disconnect()

        first.on("event.disconnected_event", leave)
        await connected(first)
        await connected(second)
        await first.signals.reach("kicked")
        # An absence can only be watched for a while: the old TCP is dropped kick_ms after the event, and a
        # reconnect would follow RECONNECT_MS after that.
        await asyncio.sleep(kick_ms / 1000 + 5 * RECONNECT_MS / 1000)
        bot = await ok(mock, "GET", f"/mock/aibots/{botid(mock)}")
        await second.close()
        await first.close()
        return first, second, bot

    before = bot_state(mock)
    first, second, after = asyncio.run(run())
    bot = since(before, after)
    assert first.signals.count("reconnecting") == 0 and second.signals.count("authenticated") == 1
    assert bot["connected"] and bot["n_connections"] == 2 and bot["n_kicked"] == 1, bot


def test_wecom_sdk_kicked_without_the_fix_kicks_back(mock, kick_ms):
    """Without that handler WeCom's SDK reconnects once the mock drops the kicked connection, and the newer
    connection is kicked in turn: the flapping developers meet on WeCom. Here the newer one has the fix, so
    it stops after one round."""

    async def run():
        board = Board()
        first = SDKS["wecom"](board, mock, demo_bot(mock), label="first")
        second = SDKS["wecom"](board, mock, demo_bot(mock), label="second")

        async def leave(frame):
            second.signals.fire("kicked")
            second.client.disconnect()

        second.on("event.disconnected_event", leave)
        await connected(first)
        await connected(second)
        await first.signals.reach("reconnecting", timeout=kick_ms / 1000 + 5)
        await first.signals.reach("authenticated", 2)
        await second.signals.reach("kicked")
        bot = await ok(mock, "GET", f"/mock/aibots/{botid(mock)}")
        await first.close()
        await second.close()
        return bot

    before = bot_state(mock)
    bot = since(before, asyncio.run(run()))
    assert bot["n_connections"] == 3 and bot["n_kicked"] == 2, bot


@pytest.mark.parametrize("kind", SDKS)
def test_a_wrong_secret_is_refused_with_853000(mock, kind):
    """WeCom answers 853000 and keeps the socket open; neither SDK then retries or pings."""

    async def run():
        board = Board()
        sdk = SDKS[kind](board, mock, demo_bot(mock), secret="not-the-secret")
        await sdk.connect()
        # WeCom's SDK puts the code in its error; the third party logs only errmsg, and the frame at debug.
        line = await sdk.signals.logged("853000")
        refused = await sdk.signals.logged("Authentication failed")
        status, _ = await call(mock, *said(mock, "有人吗?"))
        bot = await ok(mock, "GET", f"/mock/aibots/{botid(mock)}")
        await sdk.close()
        return sdk, line, refused, status, bot

    before = bot_state(mock)
    sdk, line, refused, status, after = asyncio.run(run())
    bot = since(before, after)
    assert "invalid bot_id or secret" in refused or "invalid bot_id or secret" in line
    assert sdk.signals.count("authenticated") == 0 and sdk.signals.count("reconnecting") == 0
    # Nobody subscribed, so a member's message finds no connection.
    assert status == 409 and not bot["connected"] and bot["n_connections"] == 0, bot


@pytest.fixture
def kick_ms(mock):
    """How long after disconnected_event the mock drops the kicked connection: KICK_MS for the test (a reset
    keeps settings, so it is put back after)."""
    old = mock.get("/mock/settings")["aibot_kick_close_ms"]
    mock.settings(aibot_kick_close_ms=KICK_MS)
    yield KICK_MS
    mock.settings(aibot_kick_close_ms=old)
