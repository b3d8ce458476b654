"""An unchanged wechatpy against the mock: a plain `wechatpy.work.WeChatClient` (no subclass, no patched URL) that
calls the host it hard-codes, https://qyapi.weixin.qq.com, reaches the mock because two environment variables say
so: HTTPS_PROXY (the mock's own address) and REQUESTS_CA_BUNDLE (the mock's CA). Every TCP connection it opens must
go to the mock on 127.0.0.1; the network guard fails the session on any other."""

from __future__ import annotations

import pytest
import requests
import wechatpy.work

import netguard
from conftest import BOT_AGENTID, HTTP_TIMEOUT
from test_wechatpy_kf import KF, XIAOMING, customer_says, newest

API = "qyapi.weixin.qq.com"


@pytest.fixture
def proxied(mock, monkeypatch):
    """The environment a user sets, and nothing else: the mock as the proxy, its CA as the bundle."""
    monkeypatch.setenv("HTTPS_PROXY", mock.base)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", mock.ca_pem)
    # Loopback stays direct (conftest's NO_PROXY); WeCom's host must not be exempt.
    assert API not in requests.utils.get_environ_proxies(f"https://{API}/").get("no_proxy", "")
    start = len(netguard.CONNECTED)
    yield mock
    port = int(mock.base.rsplit(":", 1)[1])
    made = netguard.CONNECTED[start:]
    assert made, "the client connected to nothing"
    assert all(c == ("127.0.0.1", port) for c in made), f"connections beyond the mock: {made}"


@pytest.fixture
def plain(proxied):
    """wechatpy's own client, as a bot constructs it."""
    return wechatpy.work.WeChatClient(proxied.corpid, proxied.secret(BOT_AGENTID), timeout=HTTP_TIMEOUT)


def test_gettoken_through_the_hard_coded_host(proxied, plain):
    mark = proxied.journal_mark()
    token = plain.fetch_access_token()
    assert token["errcode"] == 0 and token["access_token"]
    [call] = proxied.journal("/cgi-bin/gettoken", since=mark)
    assert f"corpid={proxied.corpid}" in call["query"]
    [tunnel] = [e for e in proxied.get("/mock/journal", limit=50)["entries"] if e["method"] == "CONNECT"][:1]
    assert tunnel["path"] == f"{API}:443" and tunnel["status"] == 200


def test_message_send_and_user_get(proxied, plain):
    res = plain.message.send_text(BOT_AGENTID, "lisi", "经代理 through the proxy")
    assert res["errcode"] == 0 and res["msgid"]
    [m] = [m for m in proxied.user_inbox("lisi")["messages"] if m["msgid"] == res["msgid"]]
    assert m["content"] == {"content": "经代理 through the proxy"}
    assert plain.user.get("zhangsan")["userid"] == "zhangsan"


def test_media_upload_and_download(proxied, plain, samples):
    up = plain.media.upload("image", samples["image"])
    assert up["errcode"] == 0 and up["type"] == "image"
    # media.download builds its URL on the hard-coded host too.
    got = plain.media.download(up["media_id"])
    assert got.content == samples["image"][1]


def test_kf_sync_msg_and_send_msg(proxied, plain):
    msgid = customer_says(proxied, XIAOMING, "你好, proxy")
    [item] = plain.kf.sync_msg("")["msg_list"]
    assert item["msgid"] == msgid and item["text"]["content"] == "你好, proxy"
    sent = plain.kf_message.send_text(XIAOMING, KF, "收到 via the proxy")
    assert sent["errcode"] == 0
    assert newest(proxied, XIAOMING)["msgid"] == sent["msgid"]


def test_an_expired_token_is_refreshed_by_wechatpy_itself(proxied, plain):
    first = plain.access_token
    mark = proxied.journal_mark()
    proxied.advance(7200 + 1)
    assert plain.user.get("zhangsan")["userid"] == "zhangsan"
    assert [e["errcode"] for e in proxied.journal("/cgi-bin/user/get", since=mark)] == [42001, 0]
    assert len(proxied.journal("/cgi-bin/gettoken", since=mark)) == 1
    assert plain.access_token != first


def test_without_the_ca_the_handshake_fails(proxied, monkeypatch):
    # The system's roots do not vouch for the mock's leaves: nothing is served to a client that does not trust it.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    mark = proxied.journal_mark()
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"https://{API}/cgi-bin/gettoken", params={"corpid": proxied.corpid}, timeout=HTTP_TIMEOUT)
    assert proxied.journal("/cgi-bin/gettoken", since=mark) == []


def test_other_hosts_are_refused_not_forwarded(proxied):
    with pytest.raises(requests.exceptions.ProxyError) as e:
        requests.get("https://example.com/", timeout=HTTP_TIMEOUT)
    assert "403" in str(e.value)
    [refused] = [x for x in proxied.get("/mock/journal", limit=50)["entries"] if x["path"] == "example.com:443"]
    assert refused["method"] == "CONNECT" and refused["status"] == 403
    assert "forwards nothing" in refused["errmsg"]
