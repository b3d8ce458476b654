"""wechatpy 2.0.0a26 and what the round-2 客户联系 endpoints compute from the simulated world: 联系客户统计 through
`external_contact.get_user_behavior_data`, 群聊数据统计 through `external_contact_group_chat.statistic` (and
client.post for statistic_group_by_day, which wechatpy lacks), the group welcome template methods, 「加入群聊」
join ways and the id conversions through client.post. People write, join and leave through the control API; the
mock clock is moved to a fresh Beijing morning so a test's day does not end under it."""

from __future__ import annotations

from conftest import HTTP_TIMEOUT, PNG
from test_wechatpy_contacts import LAOWANG, XIAOHONG, XIAOMING, errcode_of
from test_wechatpy_groups import VIP, chats, ec_post

DAY = 24 * 3600
BEIJING = 8 * 3600


def next_morning(mock) -> int:
    """Moves the clock to 01:00 Beijing of the next day; returns that day's midnight."""
    now = mock.get("/mock/clock")["now_ms"] // 1000
    midnight = (now + BEIJING) // DAY * DAY - BEIJING + DAY
    mock.advance(midnight + 3600 - now)
    return midnight


def control(mock, path: str, body: dict) -> dict:
    return mock.post(f"{path}?corpid={mock.corpid}", body)


def test_behaviour_data_is_what_the_members_did(mock, client, strict_client):
    day = next_morning(mock)
    control(mock, f"/mock/customers/{XIAOMING}/messages", {"to": "zhangsan", "content": "在吗"})
    mock.advance(120)
    control(mock, "/mock/members/zhangsan/messages", {"to": XIAOMING, "content": "在的"})
    control(mock, f"/mock/customers/{XIAOHONG}/contacts/zhangsan", {"action": "remove"})
    res = client.external_contact.get_user_behavior_data(["zhangsan"], day, day)
    assert res["errcode"] == 0, res
    (today,) = res["behavior_data"]
    assert today["stat_time"] == day
    assert (today["chat_cnt"], today["message_cnt"]) == (1, 1), today
    assert (today["reply_percentage"], today["avg_reply_time"]) == (100, 2), today
    assert today["negative_feedback_cnt"] == 1, "小红 deleted zhangsan"
    # A department: zhangsan is in department 2.
    by_party = client.external_contact.get_user_behavior_data(None, day, day, partyid=[2])
    assert by_party["behavior_data"] == res["behavior_data"]
    assert errcode_of(strict_client.external_contact.get_user_behavior_data, ["zhangsan"], day - 30 * DAY, day) == 600018
    assert errcode_of(strict_client.external_contact.get_user_behavior_data, ["ghost"], day, day) == 40003


def test_group_statistics_by_owner_and_by_day(mock, client, strict_client, make_client):
    day = next_morning(mock)
    vip = chats(client)[VIP]
    mock.http.post(
        mock.base + f"/mock/groups/{vip}/members?corpid={mock.corpid}", json={"join": [LAOWANG]}, timeout=HTTP_TIMEOUT
    )
    for who in (XIAOMING, "zhangsan"):
        control(mock, f"/mock/groups/{vip}/messages", {"from": who})
    gc = strict_client.external_contact_group_chat
    assert errcode_of(gc.statistic, day) == 600018, "today's figures come tomorrow"
    mock.advance(DAY)
    res = client.external_contact_group_chat.statistic(day, owner_userid_list=["zhangsan"])
    assert (res["errcode"], res["total"], res["next_offset"]) == (0, 1, 1), res
    (item,) = res["items"]
    assert item["owner"] == "zhangsan"
    data = item["data"]
    assert (data["chat_total"], data["member_total"], data["new_member_cnt"]) == (1, 5, 1), data
    assert (data["msg_total"], data["member_has_msg"], data["chat_has_msg"]) == (2, 2, 1), data
    everyone = client.external_contact_group_chat.statistic(day, order_by=4, order_asc=1)
    assert [i["owner"] for i in everyone["items"]] == ["lisi", "zhangsan"], "fewest members first"
    by_day = ec_post(client, "groupchat/statistic_group_by_day", day_begin_time=day - DAY, day_end_time=day)
    assert [d["stat_time"] for d in by_day["items"]] == [day - DAY, day]
    assert [d["data"]["new_member_cnt"] for d in by_day["items"]] == [0, 1]
    # The day expired strict_client's token; a fresh one for the refusal.
    gc = make_client(auto_retry=False).external_contact_group_chat
    assert errcode_of(gc.statistic, day, order_by=9) == 40058


def test_group_welcome_templates(mock, client, strict_client):
    ec = client.external_contact
    media_id = client.media.upload("image", ("a.png", PNG, "image/png"))["media_id"]
    made = ec.add_group_welcome_template({"text": {"content": "亲爱的%NICKNAME%"}, "image": {"media_id": media_id}})
    assert made["errcode"] == 0, made
    template_id = made["template_id"]
    got = ec.get_group_welcome_template(template_id)
    assert (got["text"]["content"], got["image"]["media_id"]) == ("亲爱的%NICKNAME%", media_id)
    assert ec.update_group_welcome_template({"text": {"content": "欢迎"}}, template_id)["errcode"] == 0
    got = ec.get_group_welcome_template(template_id)
    assert (got["text"]["content"], got["image"]["media_id"]) == ("欢迎", media_id), "the image stays"
    strict = strict_client.external_contact
    assert errcode_of(strict.add_group_welcome_template, {}) == 44004
    assert errcode_of(strict.add_group_welcome_template, {"file": {"media_id": "nope"}}) == 40007
    assert errcode_of(strict.add_group_welcome_template, {"link": {"title": "没有链接"}}) == 40058
    # The corp's library holds 100.
    for n in range(99):
        assert ec.add_group_welcome_template({"text": {"content": f"t{n}"}, "notify": 0})["errcode"] == 0
    assert errcode_of(strict.add_group_welcome_template, {"text": {"content": "one more"}}) == 41055
    assert ec.del_group_welcome_template(template_id)["errcode"] == 0
    assert errcode_of(strict.get_group_welcome_template, template_id) == 40058


def test_a_customer_joins_through_a_join_way(mock, client, strict_client):
    vip = chats(client)[VIP]
    made = ec_post(client, "groupchat/add_join_way", scene=2, chat_id_list=[vip], state="qr-desk")
    config_id = made["config_id"]
    way = ec_post(client, "groupchat/get_join_way", config_id=config_id)["join_way"]
    assert (way["scene"], way["chat_id_list"], way["state"]) == (2, [vip], "qr-desk")
    joined = control(mock, f"/mock/join_ways/{config_id}/scan", {"customer": LAOWANG})
    assert joined["chat_id"] == vip
    members = client.external_contact_group_chat.get(vip)["group_chat"]["member_list"]
    assert [(m["join_scene"], m["state"]) for m in members if m["userid"] == LAOWANG] == [(3, "qr-desk")]
    bad = {"scene": 2, "chat_id_list": ["wrNope"]}
    assert errcode_of(strict_client.post, "externalcontact/groupchat/add_join_way", data=bad) == 90501
    assert ec_post(client, "groupchat/del_join_way", config_id=config_id)["errcode"] == 0
    gone = {"config_id": config_id}
    assert errcode_of(strict_client.post, "externalcontact/groupchat/get_join_way", data=gone) == 40058


def test_ids_convert(mock, client, strict_client):
    group = mock.get("/mock/world")["corps"][0]["customer_groups"][0]
    res = ec_post(client, "opengid_to_chatid", opengid=group["opengid"])
    assert res["chat_id"] == group["chat_id"], res
    assert errcode_of(strict_client.post, "externalcontact/opengid_to_chatid", data={"opengid": "wgNope"}) == 90511
    union = {"unionid": "oDemoUnionXiaoMing0000000001", "openid": "oOpen1"}
    assert ec_post(client, "unionid_to_external_userid", **union)["external_userid"] == XIAOMING
    res = client.post("idconvert/unionid_to_external_userid", data=union)
    assert (res["external_userid"], "pending_id" in res) == (XIAOMING, False), res
    pending = client.post("idconvert/unionid_to_external_userid", data={"unionid": "oStranger", "openid": "o1"})
    assert pending["pending_id"].startswith("p") and "external_userid" not in pending, pending
    new = ec_post(client, "get_new_external_userid", external_userid_list=[XIAOMING])
    assert new["items"] == [{"external_userid": XIAOMING, "new_external_userid": XIAOMING}]
