"""wechatpy 2.0.0a26's 微信客服 (kf) client against the mock: accounts, the reply window, message types (and
wechatpy's off-spec helpers), sync_msg paging, session states with their msg_codes, servicers and customers.

Customers act through the control API; the Demo Bot (1000002) is the corp's kf app."""

from __future__ import annotations

import io

import pytest
from wechatpy.exceptions import WeChatClientException
from wechatpy.work import WeChatCrypto
from wechatpy.work.events import KFMsgOrEventEvent

from conftest import BOT_AGENTID, PNG
from test_wechatpy_callbacks import TIMEOUT_S, Receiver

KF = "wkDemoSupportDesk00000000000001A"
XIAOMING = "wmDemoXiaoMing00000000000000001A"
XIAOHONG = "wmDemoXiaoHong00000000000000002B"
LAOWANG = "wmDemoLaoWang000000000000000003C"

MENU = {
    "head_content": "您对本次服务是否满意？",
    "list": [
        {"type": "click", "click": {"id": "101", "content": "满意"}},
        {"type": "click", "click": {"id": "102", "content": "不满意"}},
        {"type": "view", "view": {"url": "http://127.0.0.1/faq", "content": "常见问题"}},
    ],
    "tail_content": "欢迎再次光临",
}


# --- control-API helpers (the customers' side) ------------------------------------------------------------------


def _q(mock) -> str:
    return f"?corpid={mock.corpid}"


def customer_says(mock, who: str, content: str) -> str:
    """`who` writes a text to the demo kf account; returns its msgid."""
    res = mock.post(f"/mock/kf/{KF}/messages{_q(mock)}", {"from": who, "content": content})
    assert res["msgid"], res
    return res["msgid"]


def customer_inbox(mock, who: str) -> dict:
    return mock.get(f"/mock/inboxes/customer/{who}", corpid=mock.corpid)


def newest(mock, who: str) -> dict:
    box = customer_inbox(mock, who)
    assert box["messages"], f"{who}'s inbox is empty"
    return box["messages"][0]


def errcode_of(call, *args, **kwargs) -> int:
    """Runs a wechatpy call that must fail and returns its errcode."""
    with pytest.raises(WeChatClientException) as e:
        call(*args, **kwargs)
    assert e.value.response.json()["errcode"] == e.value.errcode
    return e.value.errcode


def assert_from_kf(m: dict, msgid: str, msgtype: str) -> None:
    assert m["msgid"] == msgid, m
    assert m["msgtype"] == msgtype, m
    assert m["from"] == {"kind": "kf", "open_kfid": KF}, m


# --- accounts -----------------------------------------------------------------------------------------------------


def test_get_account_list_and_add_contact_way(mock, client, strict_client):
    mark = mock.journal_mark()
    res = client.kf.get_account_list()
    assert res["errcode"] == 0
    assert [(a["open_kfid"], a["name"]) for a in res["account_list"]] == [(KF, "在线客服")]
    assert res["account_list"][0]["manage_privilege"] is True
    [call] = mock.journal("/cgi-bin/kf/account/list", since=mark)
    assert call["method"] == "GET" and call["errcode"] == 0 and not call["body"], call

    way = client.kf.add_contact_way(KF, "spring_sale")
    # WeCom's shape; the control API resolves it to the account and scene.
    assert way["url"].startswith("https://work.weixin.qq.com/kfid/kfc") and "?enc_scene=ENC" in way["url"], way
    what = mock.post("/mock/links/resolve", {"url": way["url"]})
    assert (what["kind"], what["open_kfid"], what["scene"]) == ("kf_contact_way", KF, "spring_sale"), what
    plain = client.kf.add_contact_way(KF, "")["url"]
    assert "?" not in plain and mock.post("/mock/links/resolve", {"url": plain})["scene"] == ""
    assert errcode_of(strict_client.kf.add_contact_way, KF, "has space") == 40058
    assert errcode_of(strict_client.kf.add_contact_way, "wkNoSuchAccount", "x") == 95004


def test_only_the_kf_app_may_call_kf(mock, hr_client, strict_client):
    assert errcode_of(hr_client.kf.get_account_list) == 48002
    assert errcode_of(hr_client.kf.sync_msg, "") == 48002
    customer_says(mock, XIAOMING, "hi")
    assert errcode_of(hr_client.kf_message.send_text, XIAOMING, KF, "not mine") == 48002
    assert customer_inbox(mock, XIAOMING)["n_total"] == 0
    # The same calls from the kf app go through.
    assert strict_client.kf.get_account_list()["account_list"]


# --- send_msg: the reply window -------------------------------------------------------------------------------------


def test_send_text_lands_and_the_window_is_five(mock, client, strict_client):
    assert errcode_of(strict_client.kf_message.send_text, XIAOMING, KF, "hello?") == 95002, "never wrote: no window"
    customer_says(mock, XIAOMING, "我的订单到哪了？")
    msgids = []
    for n in range(5):
        text = f"第 {n} 条回复 reply"
        res = client.kf_message.send_text(XIAOMING, KF, text)
        assert res["errcode"] == 0 and res["msgid"], res
        m = newest(mock, XIAOMING)
        assert_from_kf(m, res["msgid"], "text")
        assert m["content"] == {"content": text}
        msgids.append(res["msgid"])
    assert len(set(msgids)) == 5
    assert errcode_of(strict_client.kf_message.send_text, XIAOMING, KF, "r5") == 95001
    box = customer_inbox(mock, XIAOMING)
    assert box["n_total"] == 5
    assert [m["msgid"] for m in box["messages"]] == msgids[::-1], "newest first"

    # A new message reopens it; 48 h later it is shut again (wechatpy refetches its expired token on the way).
    customer_says(mock, XIAOMING, "again")
    assert client.kf_message.send_text(XIAOMING, KF, "r6")["errcode"] == 0
    mock.advance(48 * 3600 + 1)
    assert errcode_of(client.kf_message.send_text, XIAOMING, KF, "late") == 95002, "48 h after: the time limit"
    assert customer_inbox(mock, XIAOMING)["n_total"] == 6


def test_send_text_to_unknowns(mock, strict_client):
    customer_says(mock, XIAOMING, "hi")
    assert errcode_of(strict_client.kf_message.send_text, "wmNobody", KF, "x") == 40096
    assert errcode_of(strict_client.kf_message.send_text, XIAOMING, "wkNoSuchAccount", "x") == 95004
    assert errcode_of(strict_client.kf_message.send_text, XIAOMING, KF, "") == 44004
    assert errcode_of(strict_client.kf_message.send_text, XIAOMING, KF, "x", msgid="有中文") == 40058
    assert customer_inbox(mock, XIAOMING)["n_total"] == 0


def test_send_image_msgmenu_and_own_msgid(mock, client):
    customer_says(mock, XIAOHONG, "截图给你看")
    f = io.BytesIO(PNG)
    f.name = "pixel.png"
    up = client.media.upload("image", f)
    assert up["type"] == "image" and up["media_id"], up
    res = client.kf_message.send_image(XIAOHONG, KF, up["media_id"], msgid="my-img_1")
    assert res["msgid"] == "my-img_1", "a given msgid is echoed"
    m = newest(mock, XIAOHONG)
    assert_from_kf(m, "my-img_1", "image")
    assert m["content"] == {"media_id": up["media_id"]}

    res = client.kf_message.send_msgmenu(XIAOHONG, KF, MENU["head_content"], MENU["list"], MENU["tail_content"])
    m = newest(mock, XIAOHONG)
    assert_from_kf(m, res["msgid"], "msgmenu")
    assert m["content"] == MENU
    assert customer_inbox(mock, XIAOHONG)["n_total"] == 2


def test_send_image_with_unknown_media_is_refused(mock, strict_client):
    customer_says(mock, XIAOHONG, "hi")
    assert errcode_of(strict_client.kf_message.send_image, XIAOHONG, KF, "no-such-media") == 40007
    assert customer_inbox(mock, XIAOHONG)["n_total"] == 0


@pytest.mark.parametrize(
    "helper,args,errcode",
    [
        # msgtype "news" with the article under link.link: WeCom's kf type is "link" with the fields under "link".
        ("send_articles_link", ({"title": "t", "desc": "d", "url": "http://127.0.0.1/", "thumb_media_id": "m"},), 40008),
        # msgtype "location" but the fields under "msgmenu": the location body is missing.
        ("send_location", ("公司", "广州市海珠区", 23.1, 113.3), 40058),
        # Same mistake: the miniprogram body is under "msgmenu".
        ("send_miniprogram", ("wx123123123123123", "标题", "thumb", "pages/index"), 40058),
    ],
)
def test_wechatpy_off_spec_helpers_are_refused(mock, strict_client, helper, args, errcode):
    customer_says(mock, LAOWANG, "hi")
    mark = mock.journal_mark()
    assert errcode_of(getattr(strict_client.kf_message, helper), LAOWANG, KF, *args) == errcode
    [call] = mock.journal("/cgi-bin/kf/send_msg", since=mark)
    assert call["errcode"] == errcode
    assert customer_inbox(mock, LAOWANG)["n_total"] == 0
    # Refusals do not use up the window: five well-formed sends still go through, the right location among them.
    location = {"name": "公司", "address": "广州市海珠区", "latitude": 23.1, "longitude": 113.3}
    res = strict_client.kf_message.send(LAOWANG, KF, msg={"msgtype": "location", "location": location})
    assert_from_kf(newest(mock, LAOWANG), res["msgid"], "location")
    for n in range(4):
        strict_client.kf_message.send_text(LAOWANG, KF, f"r{n}")
    assert customer_inbox(mock, LAOWANG)["n_total"] == 5


# --- sync_msg ---------------------------------------------------------------------------------------------------


def test_sync_msg_pages_with_has_more(mock, client, strict_client):
    writes = [(XIAOMING, "m0"), (XIAOHONG, "m1"), (XIAOMING, "m2"), (LAOWANG, "m3"), (XIAOHONG, "m4")]
    sent = [(customer_says(mock, who, text), who, text) for who, text in writes]
    seen, has_more, cursor = [], [], ""
    for _ in range(10):  # 3 pages expected; a bound instead of a loop that could spin
        page = client.kf.sync_msg("", cursor=cursor, limit=2)
        assert page["errcode"] == 0
        assert type(page["has_more"]) is int, f"has_more is a number, got {page['has_more']!r}"
        assert len(page["msg_list"]) <= 2
        has_more.append(page["has_more"])
        seen += [(i["msgid"], i["external_userid"], i["text"]["content"]) for i in page["msg_list"]]
        assert all(i["origin"] == 3 and i["msgtype"] == "text" and i["open_kfid"] == KF for i in page["msg_list"])
        assert page["next_cursor"]
        cursor = page["next_cursor"]
        if page["has_more"] == 0:
            break
    assert seen == sent, "each message once, in the order written"
    assert has_more == [1, 1, 0]
    rest = client.kf.sync_msg("", cursor=cursor)
    assert rest["msg_list"] == [] and rest["has_more"] == 0, "nothing twice"
    # From the start again, wechatpy's default limit (1000) gets all five in one page.
    everything = client.kf.sync_msg("")
    assert [i["msgid"] for i in everything["msg_list"]] == [s[0] for s in sent]
    assert everything["has_more"] == 0

    assert errcode_of(strict_client.kf.sync_msg, "", cursor="made-up-cursor") == 40058
    assert errcode_of(strict_client.kf.sync_msg, "ENCnot-a-token") == 95007
    assert errcode_of(strict_client.kf.sync_msg, "", limit=0) == 40058
    assert errcode_of(strict_client.kf.sync_msg, "", limit=1001) == 40058


def test_sync_msg_carries_any_message_type(mock, client):
    res = mock.post(f"/mock/kf/{KF}/messages{_q(mock)}", {"from": XIAOMING, "msgtype": "image", "image": {}})
    [item] = client.kf.sync_msg("")["msg_list"]
    assert item["msgid"] == res["msgid"] and item["msgtype"] == "image"
    got = client.get("media/get", params={"media_id": item["image"]["media_id"]})
    assert got.content.startswith(b"\x89PNG"), "the customer's picture can be fetched"


def test_sync_msg_with_the_token_from_the_callback(mock, client, strict_client):
    cb = mock.app(BOT_AGENTID)["callback"]
    r = Receiver(WeChatCrypto(cb["token"], cb["encoding_aes_key"], mock.corpid))
    try:
        resp = mock.http.put(mock.base + f"/mock/apps/{BOT_AGENTID}/callback", json={"url": r.url}, timeout=10)
        assert resp.status_code == 200 and resp.json()["verified"] is True, resp.text
        msgid = customer_says(mock, XIAOMING, "我的订单到哪了？")
        event = r.got.get(timeout=TIMEOUT_S)
    finally:
        r.close()
    assert isinstance(event, KFMsgOrEventEvent), event
    assert event.token.startswith("ENC") and event._data["OpenKfId"] == KF, event._data
    page = client.kf.sync_msg(event.token)
    assert [(i["msgid"], i["text"]["content"]) for i in page["msg_list"]] == [(msgid, "我的订单到哪了？")]
    # A pull token lives 10 minutes.
    mock.advance(601)
    assert errcode_of(strict_client.kf.sync_msg, event.token) == 95007


# --- session states and their codes --------------------------------------------------------------------------------


def test_service_state_and_msg_codes(mock, client, strict_client):
    assert client.kf.get_service_state(KF, XIAOMING)["service_state"] == 0, "no session yet"
    customer_says(mock, XIAOMING, "人工！")
    got = client.kf.get_service_state(KF, XIAOMING)
    assert got["service_state"] == 0 and "servicer_userid" not in got, got

    assert errcode_of(strict_client.kf.trans_service_state, KF, XIAOMING, 3, "ghost") == 95014
    to_human = client.kf.trans_service_state(KF, XIAOMING, 3, "wangwu")
    assert isinstance(to_human["msg_code"], str) and to_human["msg_code"], to_human
    got = client.kf.get_service_state(KF, XIAOMING)
    assert (got["service_state"], got["servicer_userid"]) == (3, "wangwu")
    assert errcode_of(strict_client.kf_message.send_text, XIAOMING, KF, "bot?") == 95018, "a human has it"
    assert errcode_of(strict_client.kf.trans_service_state, KF, XIAOMING, 1) == 95016

    ended = client.kf.trans_service_state(KF, XIAOMING, 4)
    code = ended["msg_code"]
    assert isinstance(code, str) and code and code != to_human["msg_code"], ended
    assert client.kf.get_service_state(KF, XIAOMING)["service_state"] == 4
    # send_msg_on_event takes text and msgmenu only; a refused call leaves the code usable.
    assert errcode_of(strict_client.kf.send_msg_on_event, code, "image", {"image": {"media_id": "x"}}) == 40008
    res = client.kf.send_msg_on_event(code, "text", {"text": {"content": "bye"}})
    m = newest(mock, XIAOMING)
    assert_from_kf(m, res["msgid"], "text")
    assert m["content"] == {"content": "bye"}
    assert errcode_of(strict_client.kf.send_msg_on_event, code, "text", {"text": {"content": "bye"}}) == 40058
    assert errcode_of(strict_client.kf.send_msg_on_event, "no-such-code", "text", {"text": {"content": "x"}}) == 40058
    assert customer_inbox(mock, XIAOMING)["n_total"] == 1

    # Ended is final; the customer's next message opens a new session the bot may answer.
    assert errcode_of(strict_client.kf.trans_service_state, KF, XIAOMING, 1) == 95016
    customer_says(mock, XIAOMING, "我又来了")
    assert client.kf.get_service_state(KF, XIAOMING)["service_state"] == 0
    assert client.kf_message.send_text(XIAOMING, KF, "您好")["errcode"] == 0


def test_queue_code_comes_once(mock, client):
    customer_says(mock, XIAOHONG, "hi")
    assert client.kf.trans_service_state(KF, XIAOHONG, 1).get("msg_code") is None, "no code for the assistant"
    queued = client.kf.trans_service_state(KF, XIAOHONG, 2)
    assert queued["msg_code"]
    again = client.kf.trans_service_state(KF, XIAOHONG, 3, "zhaoliu")
    assert again.get("msg_code") is None, "only the first move to 2 or 3 brings a code"
    assert client.kf.get_service_state(KF, XIAOHONG)["servicer_userid"] == "zhaoliu"


def test_welcome_code_from_enter_session(mock, client):
    entered = mock.post(f"/mock/kf/{KF}/enter{_q(mock)}", {"from": LAOWANG, "scene": "spring_sale", "scene_param": "p1"})
    res = client.kf.send_msg_on_event(
        entered["welcome_code"], "msgmenu", {"msgmenu": MENU}, msgid="welcome-1"
    )
    assert res["msgid"] == "welcome-1"
    m = newest(mock, LAOWANG)
    assert_from_kf(m, "welcome-1", "msgmenu")
    assert m["content"] == MENU
    [event] = client.kf.sync_msg("")["msg_list"]
    assert event["msgid"] == entered["msgid"] and event["msgtype"] == "event"
    assert event["event"]["event_type"] == "enter_session"
    assert (event["event"]["scene"], event["event"]["scene_param"]) == ("spring_sale", "p1")
    info = client.kf.batchget_customer(LAOWANG)  # wechatpy wraps a single id in a list
    [c] = info["customer_list"]
    assert c["external_userid"] == LAOWANG and "enter_session_context" not in c, "wechatpy does not ask for it"


# --- servicers and customers ---------------------------------------------------------------------------------------


def test_servicers(mock, client, strict_client):
    listed = client.kf.get_servicer_list(KF)
    assert listed["servicer_list"] == [{"userid": "wangwu", "status": 0}, {"userid": "zhaoliu", "status": 0}]

    added = client.kf.add_servicer(KF, ["sunba", "ghost"])
    assert [(r["userid"], r["errcode"]) for r in added["result_list"]] == [("sunba", 0), ("ghost", 60111)]
    assert [s["userid"] for s in client.kf.get_servicer_list(KF)["servicer_list"]] == ["wangwu", "zhaoliu", "sunba"]

    removed = client.kf.del_servicer(KF, "wangwu")  # wechatpy wraps a single id in a list
    assert [(r["userid"], r["errcode"]) for r in removed["result_list"]] == [("wangwu", 0)]
    assert [s["userid"] for s in client.kf.get_servicer_list(KF)["servicer_list"]] == ["zhaoliu", "sunba"]
    # wangwu no longer receives for this account: he cannot be given a session.
    customer_says(mock, XIAOMING, "hi")
    assert errcode_of(strict_client.kf.trans_service_state, KF, XIAOMING, 3, "wangwu") == 95014
    assert client.kf.trans_service_state(KF, XIAOMING, 3, "sunba")["msg_code"]
    # zhaoliu is a servicer but stops receiving: 95019, not 95014.
    mock.post(f"/mock/kf/{KF}/servicers/zhaoliu{_q(mock)}", {"status": 2})
    customer_says(mock, XIAOHONG, "hi")
    assert errcode_of(strict_client.kf.trans_service_state, KF, XIAOHONG, 3, "zhaoliu") == 95019

    assert errcode_of(strict_client.kf.add_servicer, KF, []) == 40058
    assert errcode_of(strict_client.kf.get_servicer_list, "wkNoSuchAccount") == 95004


def test_batchget_customer(mock, client, strict_client):
    info = client.kf.batchget_customer([XIAOMING, "wmNobody", XIAOHONG])
    assert [c["external_userid"] for c in info["customer_list"]] == [XIAOMING, XIAOHONG]
    assert info["customer_list"][0]["nickname"] == "小明"
    assert info["invalid_external_userid"] == ["wmNobody"]
    assert errcode_of(strict_client.kf.batchget_customer, []) == 40058
