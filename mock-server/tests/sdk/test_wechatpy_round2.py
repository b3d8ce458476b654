"""wechatpy 2.0.0a26 against round 2's endpoints: kf 升级服务, application menus and settings, card updates, 获客助手
and the links the mock hands out in WeCom's shape. wechatpy's own methods where it has one, `client.post`/`get`
otherwise. Customers act through the control API."""

from __future__ import annotations

import pytest
from wechatpy.exceptions import WeChatClientException

from conftest import BOT_AGENTID, HR_AGENTID, PNG

KF = "wkDemoSupportDesk00000000000001A"
XIAOMING = "wmDemoXiaoMing00000000000000001A"
LAOWANG = "wmDemoLaoWang000000000000000003C"


def errcode_of(fn, *args, **kwargs) -> int:
    with pytest.raises(WeChatClientException) as e:
        fn(*args, **kwargs)
    return e.value.errcode


def customer_says(mock, who: str, content: str) -> None:
    mock.post(f"/mock/kf/{KF}/messages?corpid={mock.corpid}", {"from": who, "content": content})


# --- kf 升级服务 ------------------------------------------------------------------------------------------------------


def test_upgrade_service(mock, client, strict_client):
    cfg = client.kf.get_upgrade_service_config()
    assert cfg["member_range"] == {"userid_list": ["zhangsan"], "department_id_list": [3]}
    [chat_id] = cfg["groupchat_range"]["chat_id_list"]
    customer_says(mock, XIAOMING, "想找专人")
    shown = f"/mock/kf/{KF}/upgrades/{XIAOMING}"

    member = {"userid": "lisi", "wording": "李四"}
    assert errcode_of(strict_client.kf.upgrade_service, KF, XIAOMING, 1, member=member) == 40058, "not in range"
    assert mock.get(shown)["upgrade"] is None
    res = client.kf.upgrade_service(KF, XIAOMING, 1, member={"userid": "zhangsan", "wording": "张经理为您服务"})
    assert res["errcode"] == 0
    assert mock.get(shown)["upgrade"] == {"type": 1, "member": {"userid": "zhangsan", "wording": "张经理为您服务"}}
    client.kf.upgrade_service(KF, XIAOMING, 2, groupchat={"chat_id": chat_id, "wording": "进群领券"})
    assert mock.get(shown)["upgrade"]["groupchat"]["chat_id"] == chat_id
    assert mock.inbox("customer", XIAOMING)["messages"][0]["msgtype"] == "upgrade_service"
    assert client.kf.cancel_upgrade_service(KF, XIAOMING)["errcode"] == 0
    assert mock.get(shown)["upgrade"] is None


def test_kf_window_48_hours_after_is_the_time_limit(mock, client, strict_client):
    customer_says(mock, XIAOMING, "hi")
    assert client.kf_message.send_text(XIAOMING, KF, "在的")["errcode"] == 0
    mock.advance(48 * 3600 + 1)
    assert errcode_of(client.kf_message.send_text, XIAOMING, KF, "late") == 95002


# --- apps: menus and settings --------------------------------------------------------------------------------------


MENU = {
    "button": [
        {"type": "click", "name": "今日", "key": "TODAY"},
        {"name": "更多", "sub_button": [{"type": "view", "name": "官网", "url": "https://example.com/"}]},
    ]
}


def test_menu_create_get_delete(client, strict_client):
    assert errcode_of(strict_client.menu.get, BOT_AGENTID) == 46003, "no menu yet"
    assert client.menu.create(BOT_AGENTID, MENU)["errcode"] == 0
    assert client.menu.get(BOT_AGENTID)["button"] == MENU["button"]
    too_many = {"button": [{"type": "click", "name": str(i), "key": "k"} for i in range(4)]}
    assert errcode_of(strict_client.menu.create, BOT_AGENTID, too_many) == 40016
    assert errcode_of(strict_client.menu.create, HR_AGENTID, MENU) == 301002, "another app's menu"
    assert client.menu.get(BOT_AGENTID)["button"] == MENU["button"], "refusals change nothing"
    assert client.menu.delete(BOT_AGENTID)["errcode"] == 0
    assert errcode_of(strict_client.menu.get, BOT_AGENTID) == 46003


def test_agent_list_and_set(client, strict_client):
    [me] = client.agent.list()
    assert me["agentid"] == BOT_AGENTID and "square_logo_url" in me
    res = client.agent.set(BOT_AGENTID, name="客服机器人", description="回答客户的问题", redirect_domain="bot.example.com")
    assert res["errcode"] == 0
    got = client.agent.get(BOT_AGENTID)
    assert (got["name"], got["description"], got["redirect_domain"], got["isreportenter"]) == (
        "客服机器人", "回答客户的问题", "bot.example.com", 1,
    ), got
    assert errcode_of(strict_client.agent.set, BOT_AGENTID, description="短") == 45004
    assert client.agent.list()[0]["name"] == "客服机器人"


# --- card updates --------------------------------------------------------------------------------------------------


CARD = {
    "card_type": "button_interaction",
    "main_title": {"title": "报销审批"},
    "task_id": "task-py-1",
    "button_list": [{"text": "同意", "key": "yes"}, {"text": "驳回", "key": "no"}],
}


def test_update_template_card_and_taskcard(mock, client, strict_client):
    sent = client.message.send(BOT_AGENTID, ["zhangsan", "lisi"], msg={"msgtype": "template_card", "template_card": CARD})
    code = sent["response_code"]
    body = {"userids": ["zhangsan", "wangwu"], "agentid": BOT_AGENTID, "response_code": code,
            "button": {"replace_name": "已同意"}}
    res = client.post("message/update_template_card", data=body)
    assert res["errcode"] == 0 and res["invaliduser"] == ["wangwu"], res
    assert mock.user_inbox("zhangsan")["messages"][0]["msgtype"] == "update_template_card"
    with pytest.raises(WeChatClientException) as e:
        strict_client.post("message/update_template_card", data=body)
    assert e.value.errcode == 60140, "a response_code works once"

    # wechatpy's update_taskcard sends no clicked_key: WeCom answers 42017 (button key is not exist).
    assert errcode_of(strict_client.message.update_taskcard, BOT_AGENTID, ["lisi"], "task-py-1", "已处理") == 42017
    res = client.post("message/update_taskcard", data={"userids": ["lisi"], "agentid": BOT_AGENTID,
                                                        "task_id": "task-py-1", "clicked_key": "yes", "replace_name": "已处理"})
    assert res["errcode"] == 0 and res["invaliduser"] == []
    assert errcode_of(strict_client.message.update_taskcard, BOT_AGENTID, ["lisi"], "no-such-task", "x") == 42016


# --- 获客助手 and links ---------------------------------------------------------------------------------------------


def test_acquisition_link_brings_a_customer(mock, client, strict_client):
    made = client.post("externalcontact/customer_acquisition/create_link",
                       data={"link_name": "春季投放", "range": {"user_list": ["wangwu"]}})
    link = made["link"]
    assert link["url"] == f"https://work.weixin.qq.com/ca/{link['link_id']}", made
    assert mock.post("/mock/links/resolve", {"url": link["url"]})["link_id"] == link["link_id"]
    opened = mock.post("/mock/links/open", {"url": link["url"] + "?customer_channel=py", "customer": LAOWANG})
    assert opened["userid"] == "wangwu"
    brought = client.post("externalcontact/customer_acquisition/customer", data={"link_id": link["link_id"]})
    assert [(c["external_userid"], c["userid"], c["state"]) for c in brought["customer_list"]] == [(LAOWANG, "wangwu", "py")]
    follow = client.external_contact.get(LAOWANG)["follow_user"]
    assert any(f["userid"] == "wangwu" and f["state"] == "py" and f["add_way"] == 16 for f in follow), follow
    quota = client.get("externalcontact/customer_acquisition_quota")
    assert quota["total"] - quota["balance"] == 1
    assert client.post("externalcontact/customer_acquisition/list_link", data={})["link_id_list"] == [link["link_id"]]
    client.post("externalcontact/customer_acquisition/delete_link", data={"link_id": link["link_id"]})
    with pytest.raises(WeChatClientException) as e:
        strict_client.post("externalcontact/customer_acquisition/get", data={"link_id": link["link_id"]})
    assert e.value.errcode == 40058


def test_kf_link_opens_into_the_session(mock, client):
    url = client.kf.add_contact_way(KF, "spring_sale")["url"]
    entered = mock.post("/mock/links/open", {"url": url + "&scene_param=p1", "customer": XIAOMING})
    assert entered["welcome_code"]
    [event] = client.kf.sync_msg("")["msg_list"]
    assert (event["event"]["scene"], event["event"]["scene_param"]) == ("spring_sale", "p1")


def test_pictures_resolve_to_the_mock(mock, client, samples):
    url = client.media.upload_img(samples["image"])["url"]
    what = mock.post("/mock/links/resolve", {"url": url})
    assert what["kind"] == "image" and mock.http.get(what["mock_url"], timeout=10).content == PNG


# --- 客户朋友圈 and kf statistics (wechatpy 2.0.0a26 has no methods for them: client.post/get) ----------------------


def test_moment_task_published_and_liked(mock, client, strict_client):
    job = client.post("externalcontact/add_moment_task", data={
        "text": {"content": "新品上市"},
        "visible_range": {"sender_list": {"user_list": ["zhangsan"]}},
    })
    result = client.get("externalcontact/get_moment_task_result", params={"jobid": job["jobid"]})
    assert result["status"] == 3 and result["type"] == "add_moment_task", result
    moment_id = result["result"]["moment_id"]
    [task] = client.post("externalcontact/get_moment_task", data={"moment_id": moment_id})["task_list"]
    assert task == {"userid": "zhangsan", "publish_status": 0}
    with pytest.raises(WeChatClientException) as e:
        strict_client.post("externalcontact/get_moment_customer_list", data={"moment_id": moment_id, "userid": "zhangsan"})
    assert e.value.errcode == 41062, "not published yet"
    mock.post(f"/mock/moments/{moment_id}/publish", {"userid": "zhangsan"})
    [task] = client.post("externalcontact/get_moment_task", data={"moment_id": moment_id})["task_list"]
    assert task["publish_status"] == 1
    reached = client.post("externalcontact/get_moment_send_result", data={"moment_id": moment_id, "userid": "zhangsan"})
    assert {"external_userid": XIAOMING} in reached["customer_list"]
    mock.post(f"/mock/moments/{moment_id}/react", {"customer": XIAOMING, "userid": "zhangsan", "like": True})
    reactions = client.post("externalcontact/get_moment_comments", data={"moment_id": moment_id, "userid": "zhangsan"})
    assert [x["external_userid"] for x in reactions["like_list"]] == [XIAOMING]
    with pytest.raises(WeChatClientException) as e:
        strict_client.post("externalcontact/add_moment_task", data={})
    assert e.value.errcode == 41089


def test_kf_corp_statistic_counts_yesterday(mock, client):
    start = mock.get("/mock/clock")["now_ms"] // 1000
    customer_says(mock, XIAOMING, "在吗")
    customer_says(mock, XIAOMING, "订单")
    mock.advance(2 * 86400)
    res = client.post("kf/get_corp_statistic", data={"open_kfid": KF, "start_time": start, "end_time": start + 86400})
    days = res["statistic_list"]
    # Beijing midnight is 16:00 UTC.
    assert len(days) == 2 and all(d["stat_time"] % 86400 == 57600 for d in days), days
    assert sum(d["statistic"]["customer_msg_cnt"] for d in days) == 2
    assert sum(d["statistic"]["session_cnt"] for d in days) == 1
