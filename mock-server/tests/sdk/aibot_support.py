"""What test_aibot_sdks.py needs around the two Python AI-bot SDKs: one adapter per SDK (they differ in handler
style, frame type and method names), waits on what an SDK reports (its events and log lines) and on the mock's
event stream, so that no test sleeps to wait for something."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from typing import Any, Awaitable, Callable

import aiohttp

# The official SDK passes ssl=<certifi context> to websockets.connect for every URL, and websockets >= 14
# refuses an ssl argument for a ws:// URI ("ssl argument is incompatible with a ws:// URI"). None gives plain
# ws://, which is what a developer pointing it at the mock has to set too (docs/aibot.md).
import aibot.ws  # noqa: E402

aibot.ws._SSL_CONTEXT = None

from aibot import WSClient as WeComClient  # noqa: E402
from aibot import WSClientOptions as WeComOptions  # noqa: E402
from aibot import generate_req_id as wecom_req_id  # noqa: E402
from wecom_aibot_sdk import WSClient as TpClient  # noqa: E402
from wecom_aibot_sdk import WSClientOptions as TpOptions  # noqa: E402
from wecom_aibot_sdk import generate_req_id as tp_req_id  # noqa: E402

# Short enough that a missed-pong test takes about 3 s: two unacked pings, then the check at the third tick.
HEARTBEAT_MS = 1000
RECONNECT_MS = 200
WAIT_S = 10.0
# What the SDKs upload per chunk (512 KiB before base64), as WeCom requires.
CHUNK = 512 * 1024


class Board:
    """Everything a test observes (each SDK client's events and log lines, the mock's events), in order, with
    one condition to await any of it instead of polling. A handler that raised fails every wait at once."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, Any]] = []
        self._changed = asyncio.Condition()

    def fire(self, source: str, name: str, value: Any = None) -> None:
        self.seen.append((source, name, value))
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _failed(self) -> list[str]:
        return [f"{src}: {v}" for src, n, v in self.seen if n == "handler_error"]

    async def wait(self, pred: Callable[[], Any], what: str, timeout: float) -> Any:
        async def until() -> Any:
            async with self._changed:
                while not (got := pred()):
                    if failed := self._failed():
                        raise AssertionError(f"waiting for {what}, a handler raised: {failed}")
                    await self._changed.wait()
                return got

        try:
            return await asyncio.wait_for(until(), timeout)
        except asyncio.TimeoutError:
            recent = [x for x in self.seen if x[1] != "log" or not str(x[2]).startswith("DEBUG")][-30:]
            raise AssertionError(f"no {what} within {timeout} s; seen: {recent}") from None


class Signals:
    """One source's view of the board: an SDK client's events and log lines, or the mock's event stream."""

    def __init__(self, board: Board, source: str) -> None:
        self.board = board
        self.source = source

    def fire(self, name: str, value: Any = None) -> None:
        self.board.fire(self.source, name, value)

    def values(self, name: str) -> list[Any]:
        return [v for src, n, v in self.board.seen if src == self.source and n == name]

    def count(self, name: str) -> int:
        return len(self.values(name))

    async def wait(self, pred: Callable[[], Any], what: str, timeout: float = WAIT_S) -> Any:
        return await self.board.wait(pred, f"{self.source}: {what}", timeout)

    async def reach(self, name: str, n: int = 1, timeout: float = WAIT_S) -> None:
        await self.wait(lambda: self.count(name) >= n, f"{name} #{n}", timeout)

    async def logged(self, text: str, timeout: float = WAIT_S) -> str:
        return await self.wait(
            lambda: next((v for v in self.values("log") if text in v), None), f"log line {text!r}", timeout
        )


class Log:
    """The logger both SDKs accept (debug/info/warn/error); every line becomes a signal."""

    def __init__(self, signals: Signals) -> None:
        self.signals = signals

    def _line(self, level: str, msg: Any, *args: Any) -> None:
        text = str(msg) % args if args and "%" in str(msg) else " ".join([str(msg), *map(str, args)])
        self.signals.fire("log", f"{level} {text}")

    def debug(self, m: Any, *a: Any) -> None:
        self._line("DEBUG", m, *a)

    def info(self, m: Any, *a: Any) -> None:
        self._line("INFO", m, *a)

    def warn(self, m: Any, *a: Any) -> None:
        self._line("WARN", m, *a)

    def error(self, m: Any, *a: Any) -> None:
        self._line("ERROR", m, *a)


class EventStream:
    """`GET /mock/events` (Server-Sent Events) read in the test's loop: opened before the test acts, so nothing
    the test causes is missed."""

    def __init__(self, board: Board, base: str, **filters: str) -> None:
        self.url = base + "/mock/events"
        self.filters = filters
        self.events: list[dict] = []
        self.signals = Signals(board, "mock")

    async def __aenter__(self) -> "EventStream":
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_read=None))
        self._resp = await self._http.get(self.url, params=self.filters)
        assert self._resp.status == 200, self._resp.status
        self._task = asyncio.get_running_loop().create_task(self._read())
        return self

    async def _read(self) -> None:
        async for raw in self._resp.content:
            line = raw.decode("utf-8").strip()
            if line.startswith("data:"):
                try:
                    event = json.loads(line[5:])
                except json.JSONDecodeError:  # a `missed` notice carries a count, not an event
                    continue
                self.events.append(event)
                self.signals.fire("event", event)

    async def wait(self, kind: str, msgid: str, timeout: float = WAIT_S) -> dict:
        def found():
            return next((e for e in self.events if e["kind"] == kind and e["msgid"] == msgid), None)

        return await self.signals.wait(found, f"event {kind} for {msgid}", timeout)

    async def __aexit__(self, *exc: Any) -> None:
        self._task.cancel()
        self._resp.close()
        await self._http.close()


async def call(mock, method: str, path: str, body: Any = None, params: dict | None = None):
    """The mock's control API from async code (requests in a thread, so the SDK's loop keeps running)."""

    def go():
        r = mock.http.request(method, mock.base + path, json=body, params=params, timeout=10)
        return r.status_code, (r.json() if r.content else None)

    return await asyncio.to_thread(go)


async def ok(mock, method: str, path: str, body: Any = None, params: dict | None = None) -> Any:
    status, got = await call(mock, method, path, body, params)
    assert status == 200, f"{method} {path}: {status} {got}"
    return got


def ws_url(mock) -> str:
    """The long connection is the root path of the mock's own port, as WeCom's is of openws.work.weixin.qq.com."""
    return mock.base.replace("http://", "ws://")


Handler = Callable[[Any], Awaitable[None]]


class WeComSdk:
    """WeCom's `wecom-aibot-python-sdk` 1.0.2 (module `aibot`): pyee handlers, dict frames, sync disconnect()."""

    def __init__(self, board: Board, mock, bot: dict, secret: str | None = None, label: str = "wecom",
                 default_url: bool = False) -> None:
        self.signals = Signals(board, label)
        opts = WeComOptions(
            bot_id=bot["botid"],
            secret=secret or bot["secret"],
            ws_url=None if default_url else ws_url(mock),
            heartbeat_interval=HEARTBEAT_MS,
            reconnect_interval=RECONNECT_MS,
            logger=Log(self.signals),
        )
        self.client = WeComClient(opts)
        for name in ("authenticated", "disconnected", "reconnecting", "error"):
            self.client.on(name, (lambda n: lambda *a: self.signals.fire(n, a[0] if a else None))(name))

    def on(self, event: str, handler: Handler) -> None:
        self.client.on(event, guarded(self.signals, handler))

    @staticmethod
    def userid(frame: dict) -> str:
        return frame["body"]["from"]["userid"]

    async def connect(self) -> None:
        await self.client.connect()  # returns once the auth frame is sent, before its ack

    async def close(self) -> None:
        if self.client._started:
            self.client.disconnect()
        await settle()

    async def reply_stream(self, frame: dict, stream_id: str, text: str, finish: bool) -> int:
        return (await self.client.reply_stream(frame, stream_id, text, finish=finish))["errcode"]

    async def reply_welcome(self, frame: dict, body: dict) -> int:
        return (await self.client.reply_welcome(frame, body))["errcode"]

    async def upload(self, data: bytes, filename: str, kind: str = "file") -> str:
        """1.0.2 has no upload helper: the three commands through its own serial reply queue (send_reply waits
        for each ack and raises on an errcode), named as the Node SDK names them."""
        wm = self.client._ws_manager
        n = (len(data) + CHUNK - 1) // CHUNK
        init = {"type": kind, "filename": filename, "total_size": len(data), "total_chunks": n,
                "md5": hashlib.md5(data).hexdigest()}
        got = await wm.send_reply(wecom_req_id("aibot_upload_media_init"), init, "aibot_upload_media_init")
        upload_id = got["body"]["upload_id"]
        for i in range(n):
            chunk = {"upload_id": upload_id, "chunk_index": i,
                     "base64_data": base64.b64encode(data[i * CHUNK:(i + 1) * CHUNK]).decode()}
            await wm.send_reply(wecom_req_id("aibot_upload_media_chunk"), chunk, "aibot_upload_media_chunk")
        done = await wm.send_reply(
            wecom_req_id("aibot_upload_media_finish"), {"upload_id": upload_id}, "aibot_upload_media_finish"
        )
        assert done["body"]["type"] == kind, done
        return done["body"]["media_id"]

    async def send(self, chatid: str, body: dict) -> int:
        return (await self.client.send_message(chatid, body))["errcode"]

    @staticmethod
    def stream_id() -> str:
        return wecom_req_id("stream")


class ThirdPartySdk:
    """The third-party `wecom-aibot-sdk-python` 0.1.7 (module `wecom_aibot_sdk`): coroutine handlers run as
    tasks, WsFrame dataclass frames (pass the frame itself to reply*: a dict is taken as its headers)."""

    def __init__(self, board: Board, mock, bot: dict, secret: str | None = None, label: str = "third_party",
                 default_url: bool = False) -> None:
        self.signals = Signals(board, label)
        opts = TpOptions(
            bot_id=bot["botid"],
            secret=secret or bot["secret"],
            ws_url=None if default_url else ws_url(mock),
            heartbeat_interval=HEARTBEAT_MS,
            reconnect_interval=RECONNECT_MS,
            logger=Log(self.signals),
        )
        self.client = TpClient(opts)
        for name in ("authenticated", "disconnected", "reconnecting", "error"):
            self.client.on(name, self._mark(name))

    def _mark(self, name: str) -> Handler:
        async def handler(frame) -> None:
            self.signals.fire(name, frame.body)

        return handler

    def on(self, event: str, handler: Handler) -> None:
        self.client.on(event, guarded(self.signals, handler))

    @staticmethod
    def userid(frame) -> str:
        return frame.body["from"]["userid"]

    async def connect(self) -> None:
        await self.client.connect_async()

    async def close(self) -> None:
        await self.client.disconnect()
        await settle()

    async def reply_stream(self, frame, stream_id: str, text: str, finish: bool) -> int:
        return (await self.client.reply_stream(frame, stream_id, text, finish)).errcode

    async def reply_welcome(self, frame, body: dict) -> int:
        return (await self.client.reply_welcome(frame, body)).errcode

    async def upload(self, data: bytes, filename: str, kind: str = "file") -> str:
        """Its own upload_media: a file path, chunks sent one after the other; the type guessed from the name."""
        import os
        import tempfile

        with tempfile.TemporaryDirectory(prefix="aibot-upload-") as d:
            path = os.path.join(d, filename)
            with open(path, "wb") as f:
                f.write(data)
            res = await self.client.upload_media(path)
        assert res.media_type == kind, res
        return res.media_id

    async def send(self, chatid: str, body: dict) -> int:
        return (await self.client.send_message(chatid, body)).errcode

    @staticmethod
    def stream_id() -> str:
        return tp_req_id("stream")


SDKS = {"wecom": WeComSdk, "third_party": ThirdPartySdk}


def guarded(signals: Signals, handler: Handler) -> Handler:
    """The handler, with what it raises put on the board (both SDKs only log it), so the test fails at once."""

    async def run(frame) -> None:
        try:
            await handler(frame)
        except Exception as e:
            signals.fire("handler_error", repr(e))
            raise

    return run


async def settle(timeout: float = 2.0) -> None:
    """Lets the tasks an SDK left behind (its close, handlers finishing) end, so the next test starts clean."""
    me = asyncio.current_task()
    rest = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
    if rest:
        _, pending = await asyncio.wait(rest, timeout=timeout)
        for t in pending:
            t.cancel()
