"""Negative cases: credentials, expired tokens (with and without wechatpy's auto retry), rate limits, scope,
bad recipients, and the group-robot webhook."""

from __future__ import annotations

import pytest
from wechatpy.exceptions import APILimitedException, WeChatClientException

from conftest import BOT_AGENTID, HR_AGENTID

# --- credentials ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("auto_retry", [False, True])
def test_wrong_secret_is_40001(mock, make_client, auto_retry):
    c = make_client(secret="demo-bot-secret-WRONG", auto_retry=auto_retry)
    with pytest.raises(WeChatClientException) as e:
        c.user.get("zhangsan")
    assert e.value.errcode == 40001
    assert "invalid credential" in e.value.errmsg
    assert c.token_fetches == 1, "a failed token fetch is not retried"


def test_invalid_corpid_is_40013(mock, make_client):
    c = make_client(corpid="wwffffffffffffffff", auto_retry=False)
    with pytest.raises(WeChatClientException) as e:
        c.fetch_access_token()
    assert e.value.errcode == 40013
    # The secret is checked for presence before the corpid.
    cls = type(c)
    for corpid, secret, errcode in [("", "", 41004), (mock.corpid, "", 41004), ("", mock.secret(BOT_AGENTID), 41002)]:
        with pytest.raises(WeChatClientException) as e:
            cls(corpid, secret, auto_retry=False).fetch_access_token()
        assert e.value.errcode == errcode, (corpid, secret)


def test_unknown_token(mock, make_client):
    cls = type(make_client())
    strict = cls(mock.corpid, mock.secret(BOT_AGENTID), access_token="not-a-token", auto_retry=False)
    with pytest.raises(WeChatClientException) as e:
        strict.user.get("zhangsan")
    assert e.value.errcode == 40014
    assert e.value.errmsg == "invalid access_token", "WeCom gives 40014 without a hint"
    with pytest.raises(WeChatClientException) as e:
        strict.misc.get_wechat_ips()
    assert e.value.errcode == 40014
    assert e.value.response.json()["ip_list"] == [], "getcallbackip keeps ip_list on error"
    # With auto_retry wechatpy fetches a real token and repeats the call.
    lenient = cls(mock.corpid, mock.secret(BOT_AGENTID), access_token="not-a-token", auto_retry=True)
    assert lenient.user.get("zhangsan")["userid"] == "zhangsan"
    assert lenient.token_fetches == 1


# --- expired tokens ---------------------------------------------------------------------------------------------


def test_expired_token_errcodes(mock, strict_client):
    strict_client.fetch_access_token()
    assert strict_client.user.get("zhangsan")["errcode"] == 0
    mock.advance(7201)
    with pytest.raises(WeChatClientException) as e:
        strict_client.user.get("zhangsan")
    assert e.value.errcode == 42001
    assert "access_token expired" in e.value.errmsg
    mock.settings(expired_token_errcode=40014)
    with pytest.raises(WeChatClientException) as e:
        strict_client.user.get("zhangsan")
    assert e.value.errcode == 40014
    assert strict_client.token_fetches == 1


@pytest.mark.parametrize("expired_errcode", [42001, 40014])
def test_auto_retry_recovers_from_expiry(mock, make_client, expired_errcode):
    mock.settings(expired_token_errcode=expired_errcode)
    c = make_client(auto_retry=True)
    old = c.access_token
    assert c.user.get("zhangsan")["errcode"] == 0
    mark = mock.journal_mark()
    mock.advance(7201)
    # wechatpy's cache still believes in the old token; the mock says it expired; wechatpy refetches (the mock
    # issues a fresh token because the old one is past expiry) and repeats the call. token_fetches bounds it.
    u = c.user.get("lisi")
    assert u["userid"] == "lisi"
    assert c.access_token != old
    assert c.token_fetches == 2
    assert [e["errcode"] for e in mock.journal("/cgi-bin/user/get", since=mark)] == [expired_errcode, 0]
    assert [e["errcode"] for e in mock.journal("/cgi-bin/gettoken", since=mark)] == [0]


# --- rate limits and faults -------------------------------------------------------------------------------------


@pytest.mark.parametrize("auto_retry", [False, True])
def test_fault_45009_raises_api_limited(mock, make_client, auto_retry):
    c = make_client(auto_retry=auto_retry)
    c.fetch_access_token()
    mock.fault("/cgi-bin/message/send", 45009)
    with pytest.raises(APILimitedException) as e:
        c.message.send_text(BOT_AGENTID, ["zhangsan"], "limited")
    assert e.value.errcode == 45009
    assert mock.user_inbox("zhangsan")["n_total"] == 0
    mock.http.delete(mock.base + "/mock/faults", params={"path": "/cgi-bin/message/send"}, timeout=10)
    assert c.message.send_text(BOT_AGENTID, ["zhangsan"], "ok now")["errcode"] == 0
    assert mock.user_inbox("zhangsan")["n_total"] == 1


def test_fault_system_busy(mock, strict_client):
    strict_client.fetch_access_token()
    mock.fault("/cgi-bin/user/get", -1)
    with pytest.raises(WeChatClientException) as e:
        strict_client.user.get("zhangsan")
    assert e.value.errcode == -1
    assert not isinstance(e.value, APILimitedException)


def test_webhook_rate_limit(mock):
    key, other = mock.robot_keys()
    url = mock.base + "/cgi-bin/webhook/send"
    for i in range(20):
        r = mock.http.post(url, params={"key": key}, json={"msgtype": "text", "text": {"content": f"告警 {i}"}}, timeout=10)
        assert r.status_code == 200 and r.json()["errcode"] == 0, (i, r.text)
    r = mock.http.post(url, params={"key": key}, json={"msgtype": "text", "text": {"content": "one too many"}}, timeout=10)
    assert r.json()["errcode"] == 45009
    box = mock.inbox("robot", key)
    assert box["n_total"] == 20
    assert box["messages"][0]["content"]["content"] == "告警 19"
    assert box["messages"][0]["from"] == {"kind": "robot", "key": key}
    # Robots have their own windows, and the window slides on the mock clock.
    r = mock.http.post(url, params={"key": other}, json={"msgtype": "markdown", "markdown": {"content": "**ok**"}}, timeout=10)
    assert r.json()["errcode"] == 0
    mock.advance(61)
    r = mock.http.post(url, params={"key": key}, json={"msgtype": "text", "text": {"content": "again"}}, timeout=10)
    assert r.json()["errcode"] == 0


def test_webhook_bad_key(mock):
    r = mock.http.post(
        mock.base + "/cgi-bin/webhook/send",
        params={"key": "00000000-0000-0000-0000-000000000000"},
        json={"msgtype": "text", "text": {"content": "x"}},
        timeout=10,
    )
    assert r.status_code == 200 and r.json()["errcode"] == 93000


def test_webhook_upload_and_send_file(mock, samples):
    key = mock.robot_keys()[0]
    up = mock.http.post(
        mock.base + "/cgi-bin/webhook/upload_media", params={"key": key, "type": "file"}, files={"media": samples["file"]}, timeout=10
    ).json()
    assert up["errcode"] == 0 and up["type"] == "file"
    r = mock.http.post(
        mock.base + "/cgi-bin/webhook/send", params={"key": key}, json={"msgtype": "file", "file": {"media_id": up["media_id"]}}, timeout=10
    ).json()
    assert r["errcode"] == 0
    assert mock.inbox("robot", key)["messages"][0]["content"] == {"media_id": up["media_id"]}


# --- directory and recipients -----------------------------------------------------------------------------------


def test_unknown_userid_is_60111(strict_client):
    with pytest.raises(WeChatClientException) as e:
        strict_client.user.get("ghost")
    assert e.value.errcode == 60111
    assert e.value.errmsg.startswith("userid not found, hint: [")
    assert "from ip: 127.0.0.1" in e.value.errmsg and "more info at https://open.work.weixin.qq.com" in e.value.errmsg


def test_scoped_app_cannot_read_outside_member(hr_client):
    with pytest.raises(WeChatClientException) as e:
        hr_client.user.get("qianqi")
    assert e.value.errcode == 60011


def test_only_unknown_recipients_is_81013(mock, strict_client):
    with pytest.raises(WeChatClientException) as e:
        strict_client.message.send_text(BOT_AGENTID, ["ghost1", "ghost2"], "nobody home")
    assert e.value.errcode == 81013
    body = e.value.response.json()
    assert body["invaliduser"] == "ghost1|ghost2"
    assert all(mock.user_inbox(u)["n_total"] == 0 for u in ("zhangsan", "lisi"))


def test_scoped_app_send_outside_scope(mock, hr_client):
    res = hr_client.message.send_text(HR_AGENTID, ["zhangsan", "qianqi"], "scope")
    assert res["invaliduser"] == "qianqi", "outside the app's scope is invalid, not unlicensed"
    assert res["unlicenseduser"] == ""
    assert mock.user_inbox("zhangsan")["messages"][0]["msgid"] == res["msgid"]


@pytest.mark.parametrize(
    "send,errcode",
    [
        (lambda c: c.message.send_text(HR_AGENTID, ["zhangsan"], "x"), 301002),
        (lambda c: c.message.send_text(999, ["zhangsan"], "x"), 40056),
        (lambda c: c.message.send_text(BOT_AGENTID, ["zhangsan"], ""), 44004),
        (lambda c: c.message.send_image(BOT_AGENTID, ["zhangsan"], "no-such-media"), 40007),
        (lambda c: c.message.send(BOT_AGENTID, ["zhangsan"], msg={"msgtype": "bogus"}), 40008),
        (lambda c: c.message.send_text(BOT_AGENTID, "", "x"), 82001),
        (lambda c: c.message.send_articles(BOT_AGENTID, ["zhangsan"], []), 40058),
    ],
    ids=["agent-mismatch", "unknown-agent", "empty-text", "bad-media", "bad-msgtype", "no-recipient", "no-articles"],
)
def test_send_errors(mock, strict_client, send, errcode):
    with pytest.raises(WeChatClientException) as e:
        send(strict_client)
    assert e.value.errcode == errcode, e.value
    assert mock.user_inbox("zhangsan")["n_total"] == 0


def test_a_text_over_2048_bytes_is_cut_not_refused(mock, strict_client):
    """WeCom's message/send doc: text content at most 2048 bytes, "超过将截断" (cut beyond that)."""
    text = "字" * 1000  # 3000 bytes
    r = strict_client.message.send_text(BOT_AGENTID, ["zhangsan"], text)
    assert r["errcode"] == 0
    got = mock.get("/mock/inboxes/user/zhangsan")["messages"][0]["content"]["content"]
    assert got == "字" * 682  # 2046 bytes: the last whole character within 2048


def test_an_untrusted_ip_gets_60020_naming_the_caller(mock, strict_client):
    """企业可信IP: the bot moved to a host the admin has not listed."""
    r = mock.http.put(f"{mock.base}/mock/apps/{BOT_AGENTID}/trusted_ips", json={"ips": ["203.0.113.7"]}, timeout=10)
    assert r.status_code == 200, r.text
    with pytest.raises(WeChatClientException) as e:
        strict_client.message.send_text(BOT_AGENTID, ["zhangsan"], "from CI")
    assert e.value.errcode == 60020
    assert "from ip: 127.0.0.1" in e.value.errmsg
    r = mock.http.put(f"{mock.base}/mock/apps/{BOT_AGENTID}/trusted_ips", json={"ips": ["127.0.0.1"]}, timeout=10)
    assert r.status_code == 200
    assert strict_client.message.send_text(BOT_AGENTID, ["zhangsan"], "from CI")["errcode"] == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.oa.get_approval_info(1764000000, 1764086400, 0),
        lambda c: c.oa.get_corp_checkin_option(),
        lambda c: c.living.get_living_info("lv1"),
    ],
    ids=["oa", "checkin", "living"],
)
def test_a_real_api_the_mock_does_not_model_is_an_errcode_not_a_404(mock, strict_client, call):
    """An SDK must not take it for success, nor for a path WeCom lacks (an empty 404)."""
    with pytest.raises(WeChatClientException) as e:
        call(strict_client)
    assert e.value.errcode == 48002
    assert "does not model" in e.value.errmsg
    assert mock.get("/mock/journal", limit=1)["entries"][0]["unmodelled"] is True


def test_the_base_frequency_limit_raises_wechatpys_api_limited(mock, strict_client):
    """With the limit on (a setting; WeCom's is 10,000 a minute per corp and API), the call past it gets 45009."""
    def limit(n):
        r = mock.http.patch(f"{mock.base}/mock/settings", json={"api_per_minute": n}, timeout=10)
        assert r.status_code == 200, r.text

    limit(2)
    try:
        strict_client.user.get("zhangsan")
        strict_client.user.get("lisi")
        with pytest.raises(APILimitedException) as e:
            strict_client.user.get("wangwu")
        assert e.value.errcode == 45009
    finally:
        limit(0)
