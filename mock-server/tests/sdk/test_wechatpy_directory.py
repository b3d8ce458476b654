"""wechatpy's directory, agent, misc and appchat helpers against the mock's demo company."""

from __future__ import annotations

import pytest
from wechatpy.exceptions import WeChatClientException

from conftest import BOT_AGENTID, HR_AGENTID

ALL_USERS = {"zhangsan", "lisi", "wangwu", "zhaoliu", "qianqi", "sunba"}


def ids(users) -> set[str]:
    return {u["userid"] for u in users}


# --- user -------------------------------------------------------------------------------------------------------


def test_user_get(client):
    u = client.user.get("zhangsan")
    assert u["errcode"] == 0
    assert u["userid"] == "zhangsan" and u["name"] == "张三"
    assert u["department"] == [2] and u["main_department"] == 2
    assert u["is_leader_in_dept"] == [1]
    assert u["position"] == "Sales Lead" and u["mobile"] == "13800000001" and u["email"] == "zhangsan@demo.example"
    assert u["gender"] == "1"
    z = client.user.get("zhaoliu")
    assert z["department"] == [3, 4] and z["is_leader_in_dept"] == [0, 0]


def test_user_list_variants(client):
    assert client.user.list(1) == [], "nobody sits directly in the root department"
    assert ids(client.user.list(1, fetch_child=True)) == ALL_USERS
    assert ids(client.user.list(2)) == {"zhangsan"}
    full = client.user.list(2, fetch_child=True)
    assert ids(full) == {"zhangsan", "lisi"}
    assert all("position" in u and "mobile" in u for u in full)
    simple = client.user.list(2, fetch_child=True, simple=True)
    assert ids(simple) == {"zhangsan", "lisi"}
    assert {tuple(sorted(u)) for u in simple} <= {("department", "name", "open_userid", "userid"), ("department", "name", "userid")}
    assert {u["userid"]: u["name"] for u in simple} == {"zhangsan": "张三", "lisi": "李四"}
    assert ids(client.department.get_users(3, simple=True)) == {"wangwu", "zhaoliu"}
    assert ids(client.department.get_users(4, simple=False)) == {"zhaoliu", "qianqi", "sunba"}


def test_user_list_unknown_department(strict_client):
    with pytest.raises(WeChatClientException) as e:
        strict_client.user.list(99)
    assert e.value.errcode == 60123


def test_scoped_app_sees_its_scope(hr_client):
    assert ids(hr_client.user.list(2, fetch_child=True)) == {"zhangsan", "lisi"}
    assert hr_client.user.get("wangwu")["userid"] == "wangwu", "wangwu is in scope through tag 2 (department 3)"
    assert hr_client.user.get("sunba")["userid"] == "sunba", "sunba is in tag 2"
    assert [d["id"] for d in hr_client.department.list()] == [2, 5]
    with pytest.raises(WeChatClientException) as e:
        hr_client.user.list(4)
    assert e.value.errcode == 60011
    with pytest.raises(WeChatClientException) as e:
        hr_client.department.list(1)
    assert e.value.errcode == 60011


# --- department, tag --------------------------------------------------------------------------------------------


def test_department_list(client):
    deps = client.department.list()
    assert [d["id"] for d in deps] == [1, 2, 3, 4, 5]
    by_id = {d["id"]: d for d in deps}
    assert by_id[2]["name"] == "销售部" and by_id[2]["name_en"] == "Sales" and by_id[2]["parentid"] == 1
    assert by_id[2]["department_leader"] == ["zhangsan"]
    assert by_id[1]["parentid"] == 0 and by_id[5]["parentid"] == 2
    assert [d["id"] for d in client.department.list(2)] == [2, 5]
    assert [d["id"] for d in client.department.list(4)] == [4]


def test_department_list_unknown(strict_client):
    with pytest.raises(WeChatClientException) as e:
        strict_client.department.list(99)
    assert e.value.errcode == 60123


def test_tags(client):
    assert client.tag.list() == [{"tagid": 1, "tagname": "VIP接待"}, {"tagid": 2, "tagname": "On-call"}]
    t = client.tag.get_users(2)
    assert t["tagname"] == "On-call"
    assert [u["userid"] for u in t["userlist"]] == ["sunba"]
    assert t["partylist"] == [3]
    assert {u["userid"] for u in client.tag.get_users(1)["userlist"]} == {"zhangsan", "wangwu"}


# --- agent, misc ------------------------------------------------------------------------------------------------


def test_agent_get(client, hr_client):
    a = client.agent.get(BOT_AGENTID)
    assert a["errcode"] == 0 and a["agentid"] == BOT_AGENTID and a["name"] == "Demo Bot"
    assert a["allow_partys"]["partyid"] == [1]
    h = hr_client.agent.get(HR_AGENTID)
    assert h["name"] == "HR Notices"
    assert h["allow_partys"]["partyid"] == [2] and h["allow_tags"]["tagid"] == [2]


def test_agent_get_other_app_is_refused(strict_client):
    with pytest.raises(WeChatClientException) as e:
        strict_client.agent.get(HR_AGENTID)
    assert e.value.errcode == 301002
    with pytest.raises(WeChatClientException) as e:
        strict_client.agent.get(1234567)
    assert e.value.errcode == 40056


def test_misc_get_wechat_ips(client):
    assert client.misc.get_wechat_ips() == ["127.0.0.1"]
    assert client.get("get_api_domain_ip")["ip_list"] == ["127.0.0.1"]


# --- appchat ----------------------------------------------------------------------------------------------------


def test_appchat_lifecycle(mock, client, upload):
    res = client.appchat.create(chat_id="salesroom1", name="销售群", owner="zhangsan", user_list=["zhangsan", "lisi", "wangwu"])
    assert res["errcode"] == 0 and res["chatid"] == "salesroom1"
    info = client.appchat.get("salesroom1")
    assert info == {"chatid": "salesroom1", "name": "销售群", "owner": "zhangsan", "userlist": ["zhangsan", "lisi", "wangwu"], "chat_type": 0}

    upd = client.appchat.update("salesroom1", name="华东销售群", owner="lisi", add_user_list=["zhaoliu"], del_user_list=["wangwu"])
    assert upd["errcode"] == 0
    info = client.appchat.get("salesroom1")
    assert info["name"] == "华东销售群" and info["owner"] == "lisi"
    assert sorted(info["userlist"]) == ["lisi", "zhangsan", "zhaoliu"]

    assert client.appchat.send_text("salesroom1", "大家好")["errcode"] == 0
    assert client.appchat.send("salesroom1", "markdown", content="**周会** 10:00")["errcode"] == 0
    image = upload("image")
    assert client.appchat.send("salesroom1", "image", media_id=image)["errcode"] == 0
    card = {"title": "报销", "description": "已审批", "url": "http://127.0.0.1/x", "btntxt": "详情"}
    assert client.appchat.send("salesroom1", "textcard", **card)["errcode"] == 0

    box = mock.inbox("appchat", "salesroom1")
    assert box["n_total"] == 4
    assert [m["msgtype"] for m in box["messages"]] == ["textcard", "image", "markdown", "text"]
    assert box["messages"][3]["content"] == {"content": "大家好"}
    assert box["messages"][2]["content"] == {"content": "**周会** 10:00"}
    assert box["messages"][1]["content"] == {"media_id": image}
    assert box["messages"][0]["content"] == card
    assert all(m["from"] == {"kind": "appchat", "agentid": BOT_AGENTID, "chatid": "salesroom1"} for m in box["messages"])
    assert box["chat"]["name"] == "华东销售群"
    # Chat messages go to the chat, not to members' app inboxes.
    assert mock.user_inbox("zhangsan")["n_total"] == 0


def test_appchat_generated_chatid(mock, client):
    res = client.appchat.create(name="tmp", user_list=["sunba", "zhaoliu"])
    chatid = res["chatid"]
    assert chatid and chatid.isalnum()
    info = client.appchat.get(chatid)
    assert info["owner"] in ("sunba", "zhaoliu") and sorted(info["userlist"]) == ["sunba", "zhaoliu"]


@pytest.mark.parametrize(
    "kwargs,errcode",
    [
        ({"chat_id": "c1", "name": "x", "user_list": ["zhangsan", "ghost"]}, 86007),
        ({"chat_id": "c2", "name": "x", "user_list": ["zhangsan"]}, 86006),
        ({"chat_id": "c3", "name": "x", "owner": "wangwu", "user_list": ["zhangsan", "lisi"]}, 86005),
        ({"chat_id": "bad-id!", "name": "x", "user_list": ["zhangsan", "lisi"]}, 86001),
    ],
)
def test_appchat_create_errors(strict_client, kwargs, errcode):
    with pytest.raises(WeChatClientException) as e:
        strict_client.appchat.create(**kwargs)
    assert e.value.errcode == errcode


def test_appchat_unknown_and_duplicate(client, strict_client):
    with pytest.raises(WeChatClientException) as e:
        strict_client.appchat.get("nosuchchat")
    assert e.value.errcode == 86003
    with pytest.raises(WeChatClientException) as e:
        strict_client.appchat.send_text("nosuchchat", "hi")
    assert e.value.errcode == 86003
    client.appchat.create(chat_id="dup1", name="d", user_list=["zhangsan", "lisi"])
    with pytest.raises(WeChatClientException) as e:
        strict_client.appchat.create(chat_id="dup1", name="d", user_list=["zhangsan", "lisi"])
    assert e.value.errcode == 86215


def test_appchat_is_per_app(client, hr_client):
    client.appchat.create(chat_id="botonly", name="b", user_list=["zhangsan", "lisi"])
    with pytest.raises(WeChatClientException) as e:
        hr_client.appchat.get("botonly")
    assert e.value.errcode == 86003
    with pytest.raises(WeChatClientException) as e:
        hr_client.appchat.create(chat_id="hrchat", name="h", user_list=["zhangsan", "qianqi"])
    assert e.value.errcode == 86007, "qianqi is outside HR Notices' scope"
