"""wechatpy 2.0.0a26 and customer groups (客户群) and group sends (群发) against the mock: listing groups with
external_contact_group_chat.list / list_all, reading them with get, people joining and leaving through the control
API, the two owner transfers, and add_msg_template with its reports, reminders and cancelling.

wechatpy has external_contact_group_chat.list/list_all/get, external_contact.add_msg_template and
get_group_msg_result; for groupchat/transfer, groupchat/onjob_transfer, get_groupmsg_list_v2, get_groupmsg_task,
get_groupmsg_send_result, remind_groupmsg_send and cancel_groupmsg_send client.post reaches them with the same token
and error handling. Members confirm a group send through the control API.

Demo world: "VIP客户群" is zhangsan's (with lisi, 小明 and 小红), "合作伙伴群" lisi's (with 周九)."""

from __future__ import annotations

import json

import pytest

from conftest import HTTP_TIMEOUT
from test_wechatpy_contacts import LAOWANG, XIAOHONG, XIAOMING, ZHOUJIU, errcode_of, tag_ids
from test_wechatpy_transfer import resign

VIP, PARTNERS = "VIP客户群", "合作伙伴群"
# get_groupmsg_task statuses; get_groupmsg_send_result / get_group_msg_result statuses; check_status.
TASK_PENDING, TASK_SENT = 0, 2
PENDING, SENT, NOT_A_CONTACT = 0, 1, 2
CHECK_OPEN, CHECK_DONE, CHECK_CANCELLED = 0, 1, 2


# --- helpers --------------------------------------------------------------------------------------------------------


def ec_post(client, path: str, **body) -> dict:
    return client.post(f"externalcontact/{path}", data=body)


def chats(client) -> dict[str, str]:
    """Group name → chat_id, for every group in the corp."""
    gc = client.external_contact_group_chat
    return {gc.get(c["chat_id"])["group_chat"]["name"]: c["chat_id"] for c in gc.list_all()}


def listed(res: dict) -> list[tuple[str, int]]:
    return [(c["chat_id"], c["status"]) for c in res["group_chat_list"]]


def members(client, chat_id: str) -> list[tuple[str, int]]:
    return [(m["userid"], m["type"]) for m in client.external_contact_group_chat.get(chat_id)["group_chat"]["member_list"]]


def owner(client, chat_id: str) -> str:
    return client.external_contact_group_chat.get(chat_id)["group_chat"]["owner"]


def failed(res: dict) -> list[tuple[str, int]]:
    assert res["errcode"] == 0, res
    return [(f["chat_id"], f["errcode"]) for f in res["failed_chat_list"]]


def change_members(mock, chat_id: str, body: dict):
    """The raw control-API response: 200 with member_version, 400 for a change that cannot happen."""
    return mock.http.post(mock.base + f"/mock/groups/{chat_id}/members?corpid={mock.corpid}", json=body, timeout=HTTP_TIMEOUT)


def member_sends(mock, msgid: str, userid: str):
    """The member confirms the group send in their WeCom client; the raw control-API response."""
    return mock.http.post(
        mock.base + f"/mock/group_msgs/{msgid}/send?corpid={mock.corpid}", json={"userid": userid}, timeout=HTTP_TIMEOUT
    )


def add(client, template: dict) -> tuple[str, list[str]]:
    res = client.external_contact.add_msg_template(template)
    assert res["errcode"] == 0, res
    return res["msgid"], res["fail_list"]


def tasks(client, msgid: str) -> list[tuple[str, int]]:
    res = ec_post(client, "get_groupmsg_task", msgid=msgid)
    assert res["next_cursor"] == "", res
    return [(t["userid"], t["status"]) for t in res["task_list"]]


def send_list(client, msgid: str, userid: str) -> list[dict]:
    res = ec_post(client, "get_groupmsg_send_result", msgid=msgid, userid=userid)
    assert res["next_cursor"] == "", res
    return res["send_list"]


def sent_to(client, msgid: str, userid: str) -> list[tuple[str, int]]:
    return [(s["external_userid"], s["status"]) for s in send_list(client, msgid, userid)]


def details(res: dict) -> list[tuple[str, str, int]]:
    return [(d["external_userid"], d["userid"], d["status"]) for d in res["detail_list"]]


def now_s(mock) -> int:
    return mock.get("/mock/clock")["now_ms"] // 1000


def text(content: str) -> dict:
    return {"content": content}


# --- listing and reading groups -------------------------------------------------------------------------------------


def test_list_pages_and_filters_by_owner(mock, client):
    gc = client.external_contact_group_chat
    mark = mock.journal_mark()
    every = gc.list()
    [call] = mock.journal("/cgi-bin/externalcontact/groupchat/list", since=mark)
    assert json.loads(call["body"]) == {"status_filter": 0, "limit": 100}, "wechatpy leaves out a None cursor"
    assert every["next_cursor"] == ""
    assert [s for _, s in listed(every)] == [0, 0]
    ids = [c for c, _ in listed(every)]
    assert all(c.startswith("wr") and len(c) == 32 for c in ids), ids
    assert len(set(ids)) == 2

    first = gc.list(limit=1)
    assert listed(first) == listed(every)[:1] and first["next_cursor"]
    rest = gc.list(cursor=first["next_cursor"], limit=1)
    assert listed(rest) == listed(every)[1:] and rest["next_cursor"] == ""

    named = chats(client)
    assert set(named) == {VIP, PARTNERS}
    assert listed(gc.list(owner_userid_list=["lisi"])) == [(named[PARTNERS], 0)]
    assert listed(gc.list(owner_userid_list=["zhangsan"])) == [(named[VIP], 0)]
    assert listed(gc.list(owner_userid_list=["zhangsan", "lisi"])) == listed(every)
    assert listed(gc.list(owner_userid_list=["wangwu"])) == [], "wangwu owns no group"
    assert listed(gc.list(status_filter=3)) == [], "nobody has inherited a group yet"
    # external_contact's older spelling reaches the same endpoint.
    older = client.external_contact.get_group_chat_list(10, owner_filter={"userid_list": ["lisi"]})
    assert listed(older) == [(named[PARTNERS], 0)]


@pytest.mark.parametrize("limit", [1, 2, 100])
def test_list_all_yields_each_group_once(mock, client, limit):
    everything = listed(client.external_contact_group_chat.list())
    mark = mock.journal_mark()
    got = client.external_contact_group_chat.list_all(limit=limit)
    assert [(c["chat_id"], c["status"]) for c in got] == everything
    calls = mock.journal("/cgi-bin/externalcontact/groupchat/list", since=mark)
    assert all(c["errcode"] == 0 for c in calls)
    assert len(calls) == (2 if limit == 1 else 1), "one call per page, none after an empty next_cursor"
    bodies = [json.loads(c["body"]) for c in calls]
    assert [b["limit"] for b in bodies] == [limit] * len(calls)
    assert "cursor" not in bodies[0] and all(b["cursor"] for b in bodies[1:])


def test_get_shows_owner_notice_and_members(mock, client):
    named = chats(client)
    gc = client.external_contact_group_chat
    vip = gc.get(named[VIP])["group_chat"]
    assert (vip["chat_id"], vip["name"], vip["owner"], vip["notice"]) == (named[VIP], VIP, "zhangsan", "每周五发新品")
    assert isinstance(vip["create_time"], int) and vip["create_time"] > 0
    assert vip["admin_list"] == []
    m = vip["member_list"]
    assert [(x["userid"], x["type"]) for x in m] == [("zhangsan", 1), ("lisi", 1), (XIAOMING, 2), (XIAOHONG, 2)]
    assert "invitor" not in m[0], "the owner was invited by nobody"
    assert [x["invitor"]["userid"] for x in m[1:]] == ["zhangsan"] * 3
    assert all("name" not in x for x in m), "wechatpy's get sends no need_name"
    assert m[2]["unionid"] == "oDemoUnionXiaoMing0000000001" and "unionid" not in m[0]
    assert all(isinstance(x["join_time"], int) and x["join_scene"] in (1, 2, 3) for x in m), m

    # With need_name (client.post: wechatpy's get has no such argument) the names come along.
    named_members = ec_post(client, "groupchat/get", chat_id=named[VIP], need_name=1)["group_chat"]["member_list"]
    assert [x["name"] for x in named_members] == ["张三", "李四", "小明", "小红"]

    partners = gc.get(named[PARTNERS])["group_chat"]
    assert (partners["owner"], partners["notice"]) == ("lisi", "")
    assert [(x["userid"], x["type"]) for x in partners["member_list"]] == [("lisi", 1), (ZHOUJIU, 2)]
    assert "unionid" not in partners["member_list"][1], "周九 is a WeCom user of another corp"
    assert client.external_contact.get_group_chat_info(named[PARTNERS])["group_chat"] == partners


def test_list_and_get_errors(strict_client):
    gc = strict_client.external_contact_group_chat
    assert errcode_of(gc.get, "wrNope") == 90501
    assert errcode_of(gc.get, "") == 90501
    assert errcode_of(gc.list, status_filter=4) == 40058
    assert errcode_of(gc.list, limit=1001) == 40058
    assert errcode_of(gc.list, limit=0) == 40058
    assert errcode_of(gc.list, cursor="forged") == 40058
    assert errcode_of(gc.list_all, status_filter=4) == 40058, "list_all raises rather than returning a partial list"
    assert len(gc.list(limit=1000)["group_chat_list"]) == 2, "1000 is allowed"


def test_only_the_contacts_app_may_use_groups(mock, client, hr_client):
    vip = chats(client)[VIP]
    assert errcode_of(hr_client.external_contact_group_chat.list) == 48002
    assert errcode_of(hr_client.external_contact_group_chat.get, vip) == 48002
    for path in ("groupchat/transfer", "groupchat/onjob_transfer"):
        assert errcode_of(hr_client.post, f"externalcontact/{path}", data={"chat_id_list": [vip], "new_owner": "wangwu"}) == 48002
    assert errcode_of(hr_client.external_contact.add_msg_template, {"external_userid": [XIAOMING], "text": text("x")}) == 48002
    msgid, _ = add(client, {"external_userid": [XIAOMING], "text": text("x")})
    assert errcode_of(hr_client.external_contact.get_group_msg_result, msgid) == 48002
    for path in ("get_groupmsg_task", "remind_groupmsg_send", "cancel_groupmsg_send"):
        assert errcode_of(hr_client.post, f"externalcontact/{path}", data={"msgid": msgid}) == 48002, path
    assert client.external_contact.get_group_msg_result(msgid)["check_status"] == CHECK_OPEN, "HR's cancel did nothing"


# --- joining and leaving --------------------------------------------------------------------------------------------


def test_people_joining_and_leaving_show_in_get(mock, client):
    vip = chats(client)[VIP]
    gc = client.external_contact_group_chat
    before = gc.get(vip)["group_chat"]["member_version"]

    t0 = now_s(mock)
    r = change_members(mock, vip, {"join": [LAOWANG, "wangwu"], "scene": 3})
    assert r.status_code == 200, r.text
    chat = gc.get(vip)["group_chat"]
    assert chat["member_version"] == r.json()["member_version"] != before
    newcomers = chat["member_list"][4:]
    assert [(x["userid"], x["type"], x["join_scene"]) for x in newcomers] == [(LAOWANG, 2, 3), ("wangwu", 1, 3)]
    t1 = now_s(mock)
    assert all(t0 <= x["join_time"] <= t1 and x["invitor"]["userid"] == "zhangsan" for x in newcomers), newcomers
    assert newcomers[0]["join_time"] == newcomers[1]["join_time"]

    r = change_members(mock, vip, {"leave": ["lisi", XIAOMING]})
    assert r.status_code == 200, r.text
    assert members(client, vip) == [("zhangsan", 1), (XIAOHONG, 2), (LAOWANG, 2), ("wangwu", 1)]
    assert gc.get(vip)["group_chat"]["member_version"] == r.json()["member_version"]
    assert listed(gc.list(owner_userid_list=["zhangsan"])) == [(vip, 0)], "a change of members is no change of status"

    # Changes that cannot happen are refused whole.
    version = r.json()["member_version"]
    for body in (
        {"leave": ["zhangsan"]},  # the owner
        {"join": [XIAOHONG, "zhaoliu"]},  # 小红 is already in
        {"leave": ["lisi"]},  # already gone
        {"join": ["ghost"]},
        {"join": [LAOWANG], "leave": [XIAOHONG]},
        {},
    ):
        assert change_members(mock, vip, body).status_code == 400, body
    assert change_members(mock, "wrNope", {"join": ["zhaoliu"]}).status_code == 404
    assert members(client, vip) == [("zhangsan", 1), (XIAOHONG, 2), (LAOWANG, 2), ("wangwu", 1)]
    assert gc.get(vip)["group_chat"]["member_version"] == version


# --- owner transfers ------------------------------------------------------------------------------------------------


def test_groups_of_a_resigned_owner_are_taken_over(mock, client, strict_client):
    named = chats(client)
    vip, partners = named[VIP], named[PARTNERS]
    gc = client.external_contact_group_chat
    resign(mock, "lisi")
    assert listed(gc.list(status_filter=1)) == [(partners, 1)], "lisi's group waits for an owner"
    assert [(c["chat_id"], c["status"]) for c in gc.list_all(limit=1)] == [(vip, 0), (partners, 1)]
    # wechatpy has no groupchat/transfer (its external_contact.transfer is for customers).
    res = ec_post(client, "groupchat/transfer", chat_id_list=[partners, vip, "wrNope"], new_owner="wangwu")
    assert failed(res) == [(vip, 90500), ("wrNope", 90501)], "zhangsan has not left; wrNope does not exist"
    assert all(f["errmsg"] for f in res["failed_chat_list"])

    assert listed(gc.list(status_filter=1)) == []
    assert listed(gc.list(status_filter=3)) == [(partners, 3)]
    assert listed(gc.list(owner_userid_list=["wangwu"])) == [(partners, 3)]
    assert owner(client, partners) == "wangwu"
    assert members(client, partners) == [("lisi", 1), (ZHOUJIU, 2), ("wangwu", 1)], "the new owner joins"
    assert owner(client, vip) == "zhangsan"

    # Taken over once: the group's owner has not left any more.
    again = ec_post(client, "groupchat/transfer", chat_id_list=[partners], new_owner="zhaoliu")
    assert failed(again) == [(partners, 90508)]
    assert owner(client, partners) == "wangwu"
    for body, want in [
        ({"chat_id_list": [], "new_owner": "wangwu"}, 40058),
        ({"chat_id_list": [partners], "new_owner": "lisi"}, 40058),  # a member who left cannot take over
        ({"chat_id_list": [partners], "new_owner": "ghost"}, 40003),
        ({"chat_id_list": [partners]}, 40003),
    ]:
        assert errcode_of(strict_client.post, "externalcontact/groupchat/transfer", data=body) == want, body


def test_onjob_transfer_changes_owner(mock, client, strict_client):
    named = chats(client)
    vip, partners = named[VIP], named[PARTNERS]
    gc = client.external_contact_group_chat
    res = ec_post(client, "groupchat/onjob_transfer", chat_id_list=[vip], new_owner="zhaoliu")
    assert failed(res) == []
    chat = gc.get(vip)["group_chat"]
    assert chat["owner"] == "zhaoliu"
    assert [x["userid"] for x in chat["member_list"]] == ["zhangsan", "lisi", XIAOMING, XIAOHONG, "zhaoliu"]
    assert listed(gc.list(owner_userid_list=["zhaoliu"])) == [(vip, 0)], "an on-the-job transfer is no inheritance"
    assert listed(gc.list(owner_userid_list=["zhangsan"])) == []

    # To lisi, who is already a member: he does not join twice.
    assert failed(ec_post(client, "groupchat/onjob_transfer", chat_id_list=[vip, "wrNope"], new_owner="lisi")) == [
        ("wrNope", 90501)
    ]
    assert [x["userid"] for x in gc.get(vip)["group_chat"]["member_list"]].count("lisi") == 1
    assert owner(client, vip) == "lisi"
    assert failed(ec_post(client, "groupchat/onjob_transfer", chat_id_list=[vip], new_owner="lisi")) == [(vip, 90504)]

    # Once lisi has left, his groups are for groupchat/transfer, not onjob_transfer.
    resign(mock, "lisi")
    refused = ec_post(client, "groupchat/onjob_transfer", chat_id_list=[partners, vip], new_owner="wangwu")
    assert failed(refused) == [(partners, 90502), (vip, 90502)]
    assert (owner(client, partners), owner(client, vip)) == ("lisi", "lisi")
    for body, want in [
        ({"chat_id_list": [], "new_owner": "wangwu"}, 40058),
        ({"chat_id_list": [vip] * 101, "new_owner": "wangwu"}, 40058),
        ({"chat_id_list": [vip], "new_owner": "lisi"}, 40058),
        ({"chat_id_list": [vip], "new_owner": "ghost"}, 40003),
    ]:
        assert errcode_of(strict_client.post, "externalcontact/groupchat/onjob_transfer", data=body) == want, body


# --- group sends: to customers --------------------------------------------------------------------------------------


def test_a_group_send_reaches_each_listed_customer_through_one_member(mock, client):
    template = {"external_userid": [XIAOMING, XIAOHONG, ZHOUJIU, "wmNobody", XIAOMING], "text": text("双十一特惠")}
    mark = mock.journal_mark()
    msgid, fail_list = add(client, template)
    [call] = mock.journal("/cgi-bin/externalcontact/add_msg_template", since=mark)
    assert json.loads(call["body"]) == template, "wechatpy posts the template as given"
    assert fail_list == ["wmNobody"]
    assert msgid.startswith("msg"), msgid

    before = client.external_contact.get_group_msg_result(msgid)
    assert before["check_status"] == CHECK_OPEN
    # 小红 is followed by zhangsan and lisi: one of them (the first) sends; 小明 is asked once.
    assert details(before) == [(XIAOMING, "zhangsan", PENDING), (XIAOHONG, "zhangsan", PENDING), (ZHOUJIU, "lisi", PENDING)]
    assert all("send_time" not in d for d in before["detail_list"])
    assert tasks(client, msgid) == [("zhangsan", TASK_PENDING), ("lisi", TASK_PENDING)]
    assert mock.inbox("customer", XIAOHONG)["n_total"] == 0

    t0 = now_s(mock)
    r = member_sends(mock, msgid, "zhangsan")
    t1 = now_s(mock)
    assert (r.status_code, r.json()) == (200, {"n_delivered": 2})
    assert member_sends(mock, msgid, "zhangsan").status_code == 400, "only once"
    assert member_sends(mock, msgid, "wangwu").status_code == 400, "wangwu has nothing to send"
    half = client.external_contact.get_group_msg_result(msgid)
    assert half["check_status"] == CHECK_OPEN, "lisi has not sent yet"
    assert details(half) == [(XIAOMING, "zhangsan", SENT), (XIAOHONG, "zhangsan", SENT), (ZHOUJIU, "lisi", PENDING)]
    sent_at = half["detail_list"][0]["send_time"]
    assert t0 <= sent_at <= t1
    assert [d.get("send_time") for d in half["detail_list"]] == [sent_at, sent_at, None]
    task = ec_post(client, "get_groupmsg_task", msgid=msgid)["task_list"]
    assert [(t["userid"], t["status"], t.get("send_time")) for t in task] == [
        ("zhangsan", TASK_SENT, sent_at),
        ("lisi", TASK_PENDING, None),
    ]
    assert sent_to(client, msgid, "zhangsan") == [(XIAOMING, SENT), (XIAOHONG, SENT)]
    assert sent_to(client, msgid, "lisi") == [(ZHOUJIU, PENDING)]
    assert sent_to(client, msgid, "wangwu") == []

    for customer in (XIAOMING, XIAOHONG):
        inbox = mock.inbox("customer", customer)
        [msg] = inbox["messages"]
        assert (msg["msgtype"], msg["from"]["userid"]) == ("group_msg", "zhangsan"), msg
        assert (msg["content"]["msgid"], msg["content"]["text"]) == (msgid, text("双十一特惠")), msg
    assert mock.inbox("customer", ZHOUJIU)["n_total"] == 0

    assert member_sends(mock, msgid, "lisi").status_code == 200
    done = client.external_contact.get_group_msg_result(msgid)
    assert done["check_status"] == CHECK_DONE
    assert [s for _, _, s in details(done)] == [SENT] * 3
    [msg] = mock.inbox("customer", ZHOUJIU)["messages"]
    assert (msg["from"]["userid"], msg["content"]["text"]["content"]) == ("lisi", "双十一特惠")
    assert tasks(client, msgid) == [("zhangsan", TASK_SENT), ("lisi", TASK_SENT)]
    assert mock.inbox("customer", XIAOHONG)["n_total"] == 1, "小红 got it once, from zhangsan"


def test_a_customer_lost_before_sending_is_status_2(mock, client):
    msgid, _ = add(client, {"sender": "lisi", "text": text("新品到货")})
    assert sent_to(client, msgid, "lisi") == [(XIAOHONG, PENDING), (ZHOUJIU, PENDING)], "lisi's whole list"
    r = mock.http.post(
        mock.base + f"/mock/customers/{ZHOUJIU}/contacts/lisi?corpid={mock.corpid}",
        json={"action": "remove"},
        timeout=HTTP_TIMEOUT,
    )
    assert r.status_code == 200, r.text
    assert member_sends(mock, msgid, "lisi").json() == {"n_delivered": 1}
    res = client.external_contact.get_group_msg_result(msgid)
    assert res["check_status"] == CHECK_DONE
    assert details(res) == [(XIAOHONG, "lisi", SENT), (ZHOUJIU, "lisi", NOT_A_CONTACT)]
    assert mock.inbox("customer", ZHOUJIU)["n_total"] == 0
    assert mock.inbox("customer", XIAOHONG)["messages"][0]["from"]["userid"] == "lisi"


def test_sender_and_tag_filter_choose_the_customers(mock, client):
    ids = tag_ids(client)
    vip, core, expo = ids[("客户等级", "重要")], ids[("客户等级", "核心")], ids[("来源", "展会")]
    client.external_contact.mark_tag("lisi", XIAOHONG, add_tag=[vip, expo])
    client.external_contact.mark_tag("lisi", ZHOUJIU, add_tag=[expo])

    def by_lisi(*groups) -> list[tuple[str, int]]:
        template = {"sender": "lisi", "tag_filter": {"group_list": [{"tag_list": g} for g in groups]}, "text": text("VIP")}
        msgid, fail_list = add(client, template)
        assert fail_list == []
        assert [u for u, _ in tasks(client, msgid)] == ["lisi"]
        return [c for c, _ in sent_to(client, msgid, "lisi")]

    assert by_lisi([vip]) == [XIAOHONG], "only the tagged one"
    assert by_lisi([expo]) == [XIAOHONG, ZHOUJIU]
    assert by_lisi([vip], [expo]) == [XIAOHONG], "every group of the filter must match"
    assert by_lisi([core, expo]) == [XIAOHONG, ZHOUJIU], "any tag of one group will do"

    # Tags belong to lisi's relation: zhangsan's 小红 carries none, so zhangsan reaches nobody with the filter.
    msgid, _ = add(client, {"sender": "zhangsan", "tag_filter": {"group_list": [{"tag_list": [vip]}]}, "text": text("x")})
    assert sent_to(client, msgid, "zhangsan") == []
    assert tasks(client, msgid) == []

    # With a sender, listed customers the sender does not follow fail.
    msgid, fail_list = add(client, {"sender": "lisi", "external_userid": [XIAOMING, XIAOHONG, ZHOUJIU], "text": text("y")})
    assert fail_list == [XIAOMING]
    assert details(client.external_contact.get_group_msg_result(msgid)) == [
        (XIAOHONG, "lisi", PENDING),
        (ZHOUJIU, "lisi", PENDING),
    ]
    # Neither a sender nor a list: every customer someone follows, each through their first member.
    msgid, fail_list = add(client, {"text": text("z")})
    assert fail_list == []
    assert details(client.external_contact.get_group_msg_result(msgid)) == [
        (XIAOMING, "zhangsan", PENDING),
        (XIAOHONG, "zhangsan", PENDING),
        (ZHOUJIU, "lisi", PENDING),
    ], "老王 (a kf customer) has no member to send"


# --- group sends: to customer groups ----------------------------------------------------------------------------------


def test_a_group_send_to_customer_groups(mock, client):
    named = chats(client)
    vip, partners = named[VIP], named[PARTNERS]
    msgid, fail_list = add(client, {"chat_type": "group", "sender": "zhangsan", "text": text("群发")})
    assert fail_list == []
    [entry] = send_list(client, msgid, "zhangsan")
    assert (entry["chat_id"], entry["userid"], entry["status"]) == (vip, "zhangsan", PENDING)
    assert "external_userid" not in entry
    t0 = now_s(mock)
    assert member_sends(mock, msgid, "zhangsan").status_code == 200
    [entry] = send_list(client, msgid, "zhangsan")
    assert entry["status"] == SENT and t0 <= entry["send_time"] <= now_s(mock), entry
    assert client.external_contact.get_group_msg_result(msgid)["check_status"] == CHECK_DONE

    # Named chats: only those the sender owns.
    msgid, fail_list = add(
        client, {"chat_type": "group", "sender": "lisi", "chat_id_list": [vip, partners, "wrNope"], "text": text("x")}
    )
    assert fail_list == [vip, "wrNope"]
    assert [s["chat_id"] for s in send_list(client, msgid, "lisi")] == [partners]

    # A group handed on goes with its new owner.
    assert failed(ec_post(client, "groupchat/onjob_transfer", chat_id_list=[vip], new_owner="wangwu")) == []
    msgid, _ = add(client, {"chat_type": "group", "sender": "wangwu", "text": text("y")})
    assert [s["chat_id"] for s in send_list(client, msgid, "wangwu")] == [vip]
    msgid, _ = add(client, {"chat_type": "group", "sender": "zhangsan", "text": text("z")})
    assert send_list(client, msgid, "zhangsan") == []


# --- listing, reminding, cancelling, errors ---------------------------------------------------------------------------


def test_list_v2_shows_sends_by_chat_type_and_creator(mock, client, strict_client):
    t0 = now_s(mock)
    corp_msg, _ = add(client, {"external_userid": [XIAOMING], "text": text("来自企业")})
    member_msg, _ = add(client, {"sender": "zhangsan", "text": text("来自张三")})
    group_msg, _ = add(client, {"chat_type": "group", "sender": "zhangsan", "text": text("群里见")})
    t1 = now_s(mock)

    def v2(**body) -> dict:
        res = ec_post(client, "get_groupmsg_list_v2", start_time=t0 - 60, end_time=t0 + 60, **body)
        assert res["errcode"] == 0, res
        return res

    single = v2(chat_type="single")
    assert [m["msgid"] for m in single["group_msg_list"]] == [corp_msg, member_msg]
    assert single["next_cursor"] == ""
    first = single["group_msg_list"][0]
    assert (first["creator"], first["create_type"], first["text"]) == ("", 0, text("来自企业"))
    assert isinstance(first["create_time"], int), "a number, as the reference's SDK structs type it"
    assert all(t0 <= m["create_time"] <= t1 for m in single["group_msg_list"]), single
    assert single["group_msg_list"][1]["creator"] == "zhangsan"
    assert [m["msgid"] for m in v2()["group_msg_list"]] == [corp_msg, member_msg], "single by default"
    assert [m["msgid"] for m in v2(chat_type="group")["group_msg_list"]] == [group_msg]
    assert [m["msgid"] for m in v2(creator="zhangsan")["group_msg_list"]] == [member_msg]
    assert v2(filter_type=1)["group_msg_list"] == [], "the API's sends are the corp's (create_type 0)"

    page = v2(limit=1)
    assert [m["msgid"] for m in page["group_msg_list"]] == [corp_msg] and page["next_cursor"]
    rest = v2(limit=1, cursor=page["next_cursor"])
    assert [m["msgid"] for m in rest["group_msg_list"]] == [member_msg] and rest["next_cursor"] == ""

    later = ec_post(client, "get_groupmsg_list_v2", start_time=t0 + 61, end_time=t0 + 3600)
    assert later["group_msg_list"] == []
    for body, want in [
        ({"chat_type": "single"}, 40058),
        ({"start_time": t0, "end_time": t0, "chat_type": "broadcast"}, 40058),
        ({"start_time": t0, "end_time": t0, "filter_type": 3}, 40058),
        ({"start_time": t0, "end_time": t0, "limit": 101}, 40058),
        ({"start_time": t0, "end_time": t0, "cursor": "forged"}, 40058),
        ({"start_time": t0, "end_time": t0, "creator": "ghost"}, 40003),
    ]:
        assert errcode_of(strict_client.post, "externalcontact/get_groupmsg_list_v2", data=body) == want, body


def test_remind_and_cancel(mock, client, strict_client):
    msgid, _ = add(client, {"external_userid": [XIAOMING, ZHOUJIU], "text": text("限时")})
    assert ec_post(client, "remind_groupmsg_send", msgid=msgid)["errcode"] == 0
    assert member_sends(mock, msgid, "zhangsan").status_code == 200
    assert ec_post(client, "cancel_groupmsg_send", msgid=msgid)["errcode"] == 0

    res = client.external_contact.get_group_msg_result(msgid)
    assert res["check_status"] == CHECK_CANCELLED
    assert details(res) == [(XIAOMING, "zhangsan", SENT), (ZHOUJIU, "lisi", PENDING)], "what was sent stays sent"
    assert member_sends(mock, msgid, "lisi").status_code == 400, "lisi can no longer send"
    assert mock.inbox("customer", ZHOUJIU)["n_total"] == 0
    assert mock.inbox("customer", XIAOMING)["n_total"] == 1
    assert tasks(client, msgid) == [("zhangsan", TASK_SENT), ("lisi", TASK_PENDING)]
    assert errcode_of(strict_client.post, "externalcontact/remind_groupmsg_send", data={"msgid": msgid}) == 40058
    assert ec_post(client, "cancel_groupmsg_send", msgid=msgid)["errcode"] == 0, "cancelling twice is harmless"

    other, _ = add(client, {"external_userid": [XIAOHONG], "text": text("另一条")})
    assert client.external_contact.get_group_msg_result(other)["check_status"] == CHECK_OPEN, "only the one cancelled"
    assert member_sends(mock, other, "zhangsan").status_code == 200


def test_group_send_errors(mock, client, strict_client):
    msgid, _ = add(client, {"sender": "zhangsan", "text": text("x")})
    before = strict_client.post("externalcontact/get_groupmsg_list_v2", data={"start_time": 0, "end_time": 2**40})
    assert [m["msgid"] for m in before["group_msg_list"]] == [msgid]
    add_errors = [
        ({"text": {"content": ""}}, 44004),
        ({"external_userid": [XIAOMING]}, 44004),
        ({"chat_type": "group", "text": text("x")}, 40058),
        ({"chat_type": "broadcast", "text": text("x")}, 40058),
        ({"sender": "ghost", "text": text("x")}, 40003),
        ({"external_userid": [XIAOMING] * 10001, "text": text("x")}, 40058),
    ]
    for template, want in add_errors:
        assert errcode_of(strict_client.external_contact.add_msg_template, template) == want, str(template)[:80]
    after = strict_client.post("externalcontact/get_groupmsg_list_v2", data={"start_time": 0, "end_time": 2**40})
    assert [m["msgid"] for m in after["group_msg_list"]] == [msgid], "a refused template made no send"

    assert errcode_of(strict_client.external_contact.get_group_msg_result, "msgNope") == 40058
    for path, body, want in [
        ("get_groupmsg_task", {"msgid": "msgNope"}, 40058),
        ("get_groupmsg_task", {"msgid": msgid, "limit": 1001}, 40058),
        ("get_groupmsg_task", {"msgid": msgid, "cursor": "forged"}, 40058),
        ("get_groupmsg_send_result", {"msgid": msgid, "userid": "zhangsan", "limit": 1001}, 40058),
        ("get_groupmsg_send_result", {"msgid": msgid, "userid": "ghost"}, 40003),
        ("get_groupmsg_send_result", {"msgid": "msgNope", "userid": "zhangsan"}, 40058),
        ("remind_groupmsg_send", {"msgid": "msgNope"}, 40058),
        ("cancel_groupmsg_send", {"msgid": "msgNope"}, 40058),
    ]:
        assert errcode_of(strict_client.post, f"externalcontact/{path}", data=body) == want, (path, body)
    assert member_sends(mock, "msgNope", "zhangsan").status_code == 404
    assert member_sends(mock, msgid, "ghost").status_code == 404
    assert client.external_contact.get_group_msg_result(msgid)["check_status"] == CHECK_OPEN


def test_task_and_send_result_page(mock, client):
    msgid, _ = add(client, {"external_userid": [XIAOMING, XIAOHONG, ZHOUJIU], "text": text("分页")})
    first = ec_post(client, "get_groupmsg_task", msgid=msgid, limit=1)
    assert [t["userid"] for t in first["task_list"]] == ["zhangsan"] and first["next_cursor"]
    rest = ec_post(client, "get_groupmsg_task", msgid=msgid, limit=1, cursor=first["next_cursor"])
    assert [t["userid"] for t in rest["task_list"]] == ["lisi"] and rest["next_cursor"] == ""

    first = ec_post(client, "get_groupmsg_send_result", msgid=msgid, userid="zhangsan", limit=1)
    assert [s["external_userid"] for s in first["send_list"]] == [XIAOMING] and first["next_cursor"]
    rest = ec_post(client, "get_groupmsg_send_result", msgid=msgid, userid="zhangsan", limit=1, cursor=first["next_cursor"])
    assert [s["external_userid"] for s in rest["send_list"]] == [XIAOHONG] and rest["next_cursor"] == ""


def test_an_owner_filter_naming_a_member_who_left_is_40003(mock, client, strict_client):
    gc = strict_client.external_contact_group_chat
    assert len(listed(client.external_contact_group_chat.list(owner_userid_list=["lisi"]))) == 1
    resign(mock, "lisi")
    assert errcode_of(gc.list, owner_userid_list=["lisi"]) == 40003
    assert errcode_of(gc.list, owner_userid_list=["ghost"]) == 40003
    assert len(listed(client.external_contact_group_chat.list(status_filter=1))) == 1, "still there by status"
