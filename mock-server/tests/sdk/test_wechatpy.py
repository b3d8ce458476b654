"""wechatpy 2.0.0a26 against the mock: the network guard, tokens, every message.send_* method, recall, media.

Each test checks what wechatpy got back and what landed in the mock (inboxes, journal)."""

from __future__ import annotations

import io
import json
import socket

import pytest
import requests
import wechatpy.work
from wechatpy.exceptions import WeChatClientException

import netguard
from conftest import BOT_AGENTID, FILE, HR_AGENTID, PNG

BOT_FROM = {"kind": "app", "agentid": BOT_AGENTID}
LICENSED = ["zhangsan", "lisi", "wangwu", "zhaoliu", "sunba"]


def newest(mock, userid: str) -> dict:
    box = mock.user_inbox(userid)
    assert box["messages"], f"{userid}'s inbox is empty"
    return box["messages"][0]


def assert_delivered(mock, res: dict, users, msgtype: str, content=None) -> list[dict]:
    """`res` is a message.send answer; each of `users` has it as their newest message."""
    assert res["errcode"] == 0, res
    assert res["msgid"], res
    got = []
    for u in users:
        m = newest(mock, u)
        assert m["msgid"] == res["msgid"], (u, m)
        assert m["msgtype"] == msgtype
        assert m["from"] == BOT_FROM
        assert m["recalled"] is False
        if content is not None:
            assert m["content"] == content, (u, m["content"])
        got.append(m)
    return got


# --- the network guard ------------------------------------------------------------------------------------------


def test_netguard_stops_an_unredirected_client(mock):
    before = list(netguard.BLOCKED)
    n = len(before)
    real = wechatpy.work.WeChatClient(mock.corpid, mock.secret(BOT_AGENTID), timeout=5)
    with pytest.raises(Exception) as caught:
        real.fetch_access_token()
    mine = netguard.take("qyapi.weixin.qq.com", since=n)
    assert mine, f"no attempt to qyapi.weixin.qq.com recorded; raised {caught.value!r}"
    assert netguard.BLOCKED == before
    # The refusal is ours, not a DNS failure: NetworkBlocked is in the exception chain.
    chain, e = [], caught.value
    while e is not None and len(chain) < 20:
        chain.append(e)
        e = e.__cause__ or e.__context__
    assert any(isinstance(x, netguard.NetworkBlocked) for x in chain), chain


def test_netguard_covers_raw_sockets_and_allows_loopback(mock):
    n = len(netguard.BLOCKED)
    with pytest.raises(netguard.NetworkBlocked):
        socket.create_connection(("192.0.2.1", 80), timeout=1)
    with pytest.raises(netguard.NetworkBlocked):
        socket.getaddrinfo("example.com", 443)
    s = socket.socket()
    try:
        with pytest.raises(netguard.NetworkBlocked):
            s.connect(("198.51.100.7", 443))
    finally:
        s.close()
    assert len(netguard.take("192.0.2.1", since=n)) == 1
    assert len(netguard.take("example.com", since=n)) == 1
    assert len(netguard.take("198.51.100.7", since=n)) == 1
    assert len(netguard.BLOCKED) == n
    for host in ("127.0.0.1", "127.5.6.7", "::1", "localhost", "::ffff:127.0.0.1"):
        assert netguard.is_loopback(host), host
    for host in ("qyapi.weixin.qq.com", "10.0.0.1", "0.0.0.0", "::ffff:10.0.0.1", "localhost.example"):
        assert not netguard.is_loopback(host), host
    port = int(mock.base.rsplit(":", 1)[1])
    socket.create_connection(("localhost", port), timeout=5).close()


# --- access token -----------------------------------------------------------------------------------------------


def test_gettoken_is_reused(mock, make_client):
    mark = mock.journal_mark()
    c = make_client()
    first = c.fetch_access_token()
    second = c.fetch_access_token()
    assert first["errcode"] == 0 and first["errmsg"] == "ok"
    assert first["access_token"] and second["access_token"] == first["access_token"]
    assert 0 < second["expires_in"] <= first["expires_in"] <= 7200
    # A second client of the same app gets the same token; wechatpy caches it across calls.
    other = make_client()
    assert other.access_token == first["access_token"]
    assert other.user.get("zhangsan")["userid"] == "zhangsan"
    assert other.department.list()
    assert other.token_fetches == 1
    # Each app has its own token.
    assert make_client(HR_AGENTID).access_token != first["access_token"]

    calls = mock.journal("/cgi-bin/gettoken", since=mark)
    assert [e["errcode"] for e in calls] == [0, 0, 0, 0]
    assert all(e["method"] == "GET" and f"corpid={mock.corpid}" in e["query"] for e in calls)
    [user_get] = mock.journal("/cgi-bin/user/get", since=mark)
    assert f"access_token={first['access_token']}" in user_get["query"]


# --- message/send: every send_* of wechatpy's WeChatMessage -----------------------------------------------------


def test_send_text_lands_with_raw_utf8(mock, client):
    mark = mock.journal_mark()
    text = '你好，世界 <a href="http://127.0.0.1/">详情</a>\nline 2'
    res = client.message.send_text(BOT_AGENTID, ["zhangsan", "lisi"], text)
    assert res["invaliduser"] == "" and res["unlicenseduser"] == ""
    assert_delivered(mock, res, ["zhangsan", "lisi"], "text", {"content": text})
    assert mock.user_inbox("wangwu")["n_total"] == 0
    [call] = mock.journal("/cgi-bin/message/send", since=mark)
    assert call["method"] == "POST" and call["errcode"] == 0
    assert "你好，世界" in call["body"], "wechatpy sends raw UTF-8, not \\u escapes"
    body = json.loads(call["body"])
    assert body["touser"] == "zhangsan|lisi" and body["agentid"] == BOT_AGENTID and body["safe"] == 0


@pytest.mark.parametrize("kind", ["image", "voice", "file"])
def test_send_media_message(mock, client, upload, kind):
    media_id = upload(kind)
    send = getattr(client.message, f"send_{kind}")
    res = send(BOT_AGENTID, ["wangwu"], media_id, safe=1)
    assert_delivered(mock, res, ["wangwu"], kind, {"media_id": media_id})


def test_send_video(mock, client, upload):
    media_id = upload("video")
    res = client.message.send_video(BOT_AGENTID, "zhaoliu", media_id, title="周报视频", description="第 47 周")
    assert_delivered(mock, res, ["zhaoliu"], "video", {"media_id": media_id, "title": "周报视频", "description": "第 47 周"})


def test_send_text_card(mock, client):
    res = client.message.send_text_card(
        BOT_AGENTID, ["sunba"], "领奖通知", '<div class="gray">2016年9月26日</div>', "http://127.0.0.1/award", btntxt="更多"
    )
    card = {"title": "领奖通知", "description": '<div class="gray">2016年9月26日</div>', "url": "http://127.0.0.1/award", "btntxt": "更多"}
    assert_delivered(mock, res, ["sunba"], "textcard", card)


def test_send_articles_news(mock, client):
    articles = [
        {"title": "中秋节礼品领取", "description": "今年中秋节公司有豪礼相送", "url": "http://127.0.0.1/a", "image": "http://127.0.0.1/a.png"},
        {"title": "Second", "description": "", "url": "http://127.0.0.1/b", "image": ""},
    ]
    res = client.message.send_articles(BOT_AGENTID, ["lisi"], articles)
    [m] = assert_delivered(mock, res, ["lisi"], "news")
    sent = m["content"]["articles"]
    assert [a["title"] for a in sent] == ["中秋节礼品领取", "Second"]
    assert sent[0]["picurl"] == "http://127.0.0.1/a.png" and sent[0]["url"] == "http://127.0.0.1/a"


def test_send_mp_articles_mpnews(mock, client, upload):
    thumb = upload("image")
    article = {
        "thumb_media_id": thumb,
        "author": "行政部",
        "title": "Title",
        "content": "<p>正文 content</p>",
        "content_source_url": "http://127.0.0.1/src",
        "digest": "摘要",
        "show_cover_pic": 1,
    }
    res = client.message.send_mp_articles(BOT_AGENTID, ["zhangsan"], [article])
    [m] = assert_delivered(mock, res, ["zhangsan"], "mpnews")
    assert m["content"]["articles"][0]["thumb_media_id"] == thumb
    assert m["content"]["articles"][0]["content"] == "<p>正文 content</p>"


def test_send_markdown(mock, client):
    md = "您的会议室已经预定\n>**事项详情**\n>会议室：<font color=\"info\">广州TIT 1楼 301</font>"
    res = client.message.send_markdown(BOT_AGENTID, ["zhangsan", "wangwu"], md)
    assert_delivered(mock, res, ["zhangsan", "wangwu"], "markdown", {"content": md})


def test_generic_send_miniprogram_notice(mock, client):
    notice = {
        "appid": "wx123123123123123",
        "page": "pages/index?userid=zhangsan",
        "title": "会议室预订成功通知",
        "description": "4月27日 16:16",
        "emphasis_first_item": True,
        "content_item": [{"key": "会议室", "value": "402"}, {"key": "会议地点", "value": "广州TIT-402会议室"}],
    }
    res = client.message.send(BOT_AGENTID, ["lisi"], msg={"msgtype": "miniprogram_notice", "miniprogram_notice": notice})
    assert "response_code" not in res
    assert_delivered(mock, res, ["lisi"], "miniprogram_notice", notice)


def test_generic_send_template_cards(mock, client):
    notice = {
        "card_type": "text_notice",
        "main_title": {"title": "欢迎使用企业微信", "desc": "您的好友正在邀请您加入企业微信"},
        "card_action": {"type": 1, "url": "http://127.0.0.1/"},
    }
    res = client.message.send(BOT_AGENTID, ["zhangsan"], msg={"msgtype": "template_card", "template_card": notice})
    assert not res.get("response_code"), "a plain notice card is not interactive"
    assert_delivered(mock, res, ["zhangsan"], "template_card", notice)

    buttons = {
        "card_type": "button_interaction",
        "main_title": {"title": "审批"},
        "task_id": "task-0001",
        "button_list": [{"text": "同意", "style": 1, "key": "yes"}, {"text": "驳回", "style": 2, "key": "no"}],
    }
    res = client.message.send(BOT_AGENTID, ["zhangsan"], msg={"msgtype": "template_card", "template_card": buttons})
    assert res["response_code"], "interactive cards get a response_code"
    assert_delivered(mock, res, ["zhangsan"], "template_card", buttons)


def test_send_to_party_and_tag(mock, client):
    res = client.message.send_text(BOT_AGENTID, [], "销售部全体", party_ids=["2"])
    assert_delivered(mock, res, ["zhangsan", "lisi"], "text")  # lisi is in 5, below 2
    assert mock.user_inbox("wangwu")["n_total"] == 0
    res = client.message.send_text(BOT_AGENTID, [], "On-call", tag_ids=["2"])
    assert_delivered(mock, res, ["sunba", "wangwu", "zhaoliu"], "text")  # tag 2 = sunba + department 3
    assert mock.user_inbox("zhangsan")["n_total"] == 1


def test_mixed_recipients_report_invalid_and_unlicensed(mock, client):
    res = client.message.send_text(
        BOT_AGENTID, ["zhangsan", "NoBody", "qianqi"], "mixed", party_ids=["999"], tag_ids=["99"]
    )
    assert res["invaliduser"] == "nobody"
    assert res["unlicenseduser"] == "qianqi"
    assert res["invalidparty"] == "999" and res["invalidtag"] == "99"
    assert all(isinstance(res[k], str) for k in ("invaliduser", "invalidparty", "invalidtag", "unlicenseduser"))
    assert_delivered(mock, res, ["zhangsan"], "text", {"content": "mixed"})
    assert mock.user_inbox("qianqi")["n_total"] == 0


def test_send_to_all(mock, client, make_client):
    res = client.message.send_text(BOT_AGENTID, "@all", "全员通知", party_ids=["999"])
    assert res["unlicenseduser"] == "qianqi"
    assert res["invaliduser"] == "" and res["invalidparty"] == "", "toparty is ignored with @all"
    assert_delivered(mock, res, LICENSED, "text", {"content": "全员通知"})
    assert mock.user_inbox("qianqi")["n_total"] == 0

    # HR Notices' @all is its scope: departments 2 and 5, and tag 2 (sunba + department 3). qianqi is outside it.
    hr = make_client(HR_AGENTID)
    res = hr.message.send_text(HR_AGENTID, "@all", "HR")
    assert res["errcode"] == 0 and res["unlicenseduser"] == ""
    for u in LICENSED:
        assert newest(mock, u)["msgid"] == res["msgid"]
        assert newest(mock, u)["from"] == {"kind": "app", "agentid": HR_AGENTID}


def test_recall_via_client_post(mock, client):
    # wechatpy 2.0.0a26 has no message.recall; client.post reaches it with the same token handling.
    assert not hasattr(client.message, "recall")
    res = client.message.send_text(BOT_AGENTID, ["lisi"], "oops")
    out = client.post("message/recall", data={"msgid": res["msgid"]})
    assert out["errcode"] == 0
    assert newest(mock, "lisi")["recalled"] is True
    with pytest.raises(WeChatClientException) as e:
        client.post("message/recall", data={"msgid": res["msgid"]})
    assert e.value.errcode == 40058
    with pytest.raises(WeChatClientException) as e:
        client.post("message/recall", data={"msgid": "no-such-msgid"})
    assert e.value.errcode == 40058


# --- media ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["image", "voice", "video", "file"])
def test_media_upload_and_get(mock, client, samples, kind):
    res = client.media.upload(kind, samples[kind])
    assert res["errcode"] == 0 and res["type"] == kind
    assert isinstance(res["created_at"], str) and res["created_at"].isdigit()
    got = client.get("media/get", params={"media_id": res["media_id"]})
    # Not JSON, so wechatpy hands back the requests.Response.
    assert isinstance(got, requests.Response)
    assert got.content == samples[kind][1]
    want_type = {"image": "image/png", "voice": "audio/amr", "video": "video/mp4", "file": "application/octet-stream"}
    assert got.headers["Content-Type"] == want_type[kind]
    assert samples[kind][0] in got.headers.get("Content-Disposition", "")


def test_media_upload_file_object(mock, client):
    f = io.BytesIO(FILE)
    f.name = "report.csv"
    mark = mock.journal_mark()
    res = client.media.upload("file", f)
    assert res["type"] == "file"
    [call] = mock.journal("/cgi-bin/media/upload", since=mark)
    assert "type=file" in call["query"] and call["errcode"] == 0
    assert 'name="media"' in call["body"] and 'filename="report.csv"' in call["body"]


def test_media_upload_img(mock, client, samples):
    res = client.media.upload_img(samples["image"])
    url = res["url"]
    assert url.startswith("https://wework.qpic.cn/wwpic/"), url
    # WeCom's host, never fetched: the control API says where the mock serves it.
    what = mock.post("/mock/links/resolve", {"url": url})
    assert what["kind"] == "image" and what["mock_url"].startswith(mock.base + "/wwpic/"), what
    pic = mock.http.get(what["mock_url"], timeout=10)
    assert pic.status_code == 200 and pic.content == PNG


@pytest.mark.parametrize(
    "kind,payload,errcode",
    [
        ("image", b"GIF89a not accepted", 40004),
        ("voice", b"RIFF\x00\x00\x00\x00WAVEfmt ", 40004),
        ("video", PNG, 40004),
        ("image", b"\x89PNG", 40006),
        ("file", b"", 44001),
        ("bogus", FILE, 40005),
    ],
    ids=["gif-as-image", "wav-as-voice", "png-as-video", "5-byte-image", "empty-file", "bad-type"],
)
def test_media_upload_errors(mock, strict_client, kind, payload, errcode):
    with pytest.raises(WeChatClientException) as e:
        strict_client.media.upload(kind, ("x.bin", payload, "application/octet-stream"))
    assert e.value.errcode == errcode
    assert e.value.response.json()["errcode"] == errcode


def test_media_upload_img_rejects_non_image(strict_client):
    with pytest.raises(WeChatClientException) as e:
        strict_client.media.upload_img(("x.png", b"definitely not a picture", "image/png"))
    assert e.value.errcode == 40004


def test_media_id_dies_with_reset(mock, strict_client, upload):
    media_id = upload("image")
    mock.post("/mock/reset")
    with pytest.raises(WeChatClientException) as e:
        strict_client.message.send_image(BOT_AGENTID, ["zhangsan"], media_id)
    assert e.value.errcode == 40007
    assert mock.user_inbox("zhangsan")["n_total"] == 0
