"""wechatpy as the receiver: its WeChatCrypto verifies the mock's callback URL check and decrypts its pushes,
and the mock accepts a passive reply wechatpy encrypted. Everything stays on 127.0.0.1."""

from __future__ import annotations

import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from wechatpy.work import WeChatCrypto, parse_message

from conftest import BOT_AGENTID

TIMEOUT_S = 10


class Receiver:
    """A bot as an integrator would write it with wechatpy."""

    def __init__(self, crypto: WeChatCrypto, reply: str | None = None):
        self.crypto = crypto
        self.reply = reply
        self.got: queue.Queue = queue.Queue()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _q(self) -> dict:
                return {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}

            def _send(self, status: int, body: str) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                q = self._q()
                echo = receiver.crypto.check_signature(q["msg_signature"], q["timestamp"], q["nonce"], q["echostr"])
                self._send(200, echo)

            def do_POST(self):
                q = self._q()
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                xml = receiver.crypto.decrypt_message(body, q["msg_signature"], q["timestamp"], q["nonce"])
                msg = parse_message(xml)
                if receiver.reply is None:
                    self._send(200, "success")
                else:
                    reply = (
                        f"<xml><ToUserName><![CDATA[{msg.source}]]></ToUserName>"
                        f"<FromUserName><![CDATA[{msg.target}]]></FromUserName>"
                        f"<CreateTime>{msg.create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                        f"<Content><![CDATA[{receiver.reply}]]></Content></xml>"
                    )
                    self._send(200, receiver.crypto.encrypt_message(reply, q["nonce"], q["timestamp"]))
                receiver.got.put(msg)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def crypto(mock) -> WeChatCrypto:
    cb = mock.app(BOT_AGENTID)["callback"]
    return WeChatCrypto(cb["token"], cb["encoding_aes_key"], mock.corpid)


def _receiver(mock, crypto, reply=None) -> Receiver:
    r = Receiver(crypto, reply)
    resp = mock.http.put(mock.base + f"/mock/apps/{BOT_AGENTID}/callback", json={"url": r.url}, timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.json()["verified"] is True
    return r


def test_wechatpy_verifies_the_url_and_decrypts_a_push(mock, crypto):
    r = _receiver(mock, crypto)
    try:
        sent = mock.post(f"/mock/apps/{BOT_AGENTID}/messages", {"from": "zhangsan", "content": "你好，机器人"})
        msg = r.got.get(timeout=TIMEOUT_S)
        assert msg.type == "text"
        assert msg.content == "你好，机器人"
        assert msg.source == "zhangsan"
        assert msg.target == mock.corpid
        assert str(msg.agent) == str(BOT_AGENTID)
        assert str(msg.id) == sent["msgid"]
    finally:
        r.close()


def test_a_wechatpy_passive_reply_is_accepted(mock, crypto):
    r = _receiver(mock, crypto, reply="收到")
    try:
        sent = mock.post(f"/mock/apps/{BOT_AGENTID}/messages", {"from": "lisi", "content": "ping"})
        r.got.get(timeout=TIMEOUT_S)
        # The next push goes through the same worker: once it arrives, the first one's attempt is recorded.
        mock.post(f"/mock/apps/{BOT_AGENTID}/messages", {"from": "lisi", "content": "ping 2"})
        r.got.get(timeout=TIMEOUT_S)
        attempts = [a for a in mock.get("/mock/callbacks", limit=100)["attempts"] if a["msgid"] == sent["msgid"]]
        assert [a["outcome"] for a in attempts] == ["passive_reply"]
        # WeCom delivers the passive reply to the member who wrote. The first one is in by now (the second
        # push's arrival orders it); the second one's may still be on its way.
        inbox = mock.user_inbox("lisi")
        replies = [m for m in inbox["messages"] if m["msgtype"] == "text" and m["content"]["content"] == "收到"]
        assert 1 <= len(replies) <= 2
        assert replies[-1]["from"] == {"kind": "app", "agentid": BOT_AGENTID}
    finally:
        r.close()


def test_a_url_wechatpy_cannot_verify_is_refused(mock):
    wrong = WeChatCrypto("WrongToken", "DemoBotEncodingAESKey0123456789abcdefghijkA", mock.corpid)
    r = Receiver(wrong)
    try:
        resp = mock.http.put(mock.base + f"/mock/apps/{BOT_AGENTID}/callback", json={"url": r.url}, timeout=10)
        assert resp.status_code == 400
        assert "URL verification failed" in resp.json()["error"]
    finally:
        r.close()
