"""wechatpy 2.0.0a26's 客户联系 (external_contact) client against the mock: members and their customers, paging with
batch_get_by_user / gen_all_by_user, remarks, customer tags and the corp tag library, and who may call it at all.

The Demo Bot (1000002) is the corp's only app allowed to use 客户联系; HR Notices (1000003) gets 48002."""

from __future__ import annotations

import json

import pytest
from wechatpy.exceptions import WeChatClientException

XIAOMING = "wmDemoXiaoMing00000000000000001A"  # followed by zhangsan
XIAOHONG = "wmDemoXiaoHong00000000000000002B"  # followed by zhangsan and lisi
LAOWANG = "wmDemoLaoWang000000000000000003C"  # a kf customer nobody follows
ZHOUJIU = "woDemoPartnerCo0000000000000004D"  # a WeCom user of Partner Co., followed by lisi

FIXTURE_LIBRARY = {"客户等级": ["普通", "重要", "核心"], "来源": ["展会", "官网"]}


def errcode_of(call, *args, **kwargs) -> int:
    """Runs a wechatpy call that must fail and returns its errcode."""
    with pytest.raises(WeChatClientException) as e:
        call(*args, **kwargs)
    assert e.value.response.json()["errcode"] == e.value.errcode
    return e.value.errcode


def library(client) -> dict[str, list[str]]:
    """The tag library as {group name: [tag names]}, in the mock's order."""
    res = client.external_contact.get_corp_tag_list()
    assert res["errcode"] == 0
    return {g["group_name"]: [t["name"] for t in g["tag"]] for g in res["tag_group"]}


def tag_ids(client) -> dict[tuple[str, str], str]:
    """(group name, tag name) → tag id."""
    groups = client.external_contact.get_corp_tag_list()["tag_group"]
    return {(g["group_name"], t["name"]): t["id"] for g in groups for t in g["tag"]}


def group_ids(client) -> dict[str, str]:
    return {g["group_name"]: g["group_id"] for g in client.external_contact.get_corp_tag_list()["tag_group"]}


def follow_of(client, external_userid: str, userid: str) -> dict:
    """`userid`'s follow_user entry in `get`."""
    got = client.external_contact.get(external_userid)
    [f] = [f for f in got["follow_user"] if f["userid"] == userid]
    return f


def remark(client, **body) -> dict:
    # wechatpy 2.0.0a26 has no external_contact.remark; client.post reaches it with the same token handling.
    return client.post("externalcontact/remark", data=body)


# --- members and their customers -----------------------------------------------------------------------------------


def test_follow_user_list_and_list(mock, client, strict_client):
    mark = mock.journal_mark()
    users = client.external_contact.get_follow_user_list()
    assert users["errcode"] == 0
    assert users["follow_user"] == ["zhangsan", "lisi"]
    assert client.external_contact.list("zhangsan")["external_userid"] == [XIAOMING, XIAOHONG]
    assert client.external_contact.list("lisi")["external_userid"] == [XIAOHONG, ZHOUJIU]
    calls = mock.journal("/cgi-bin/externalcontact/list", since=mark)
    assert [(c["method"], c["errcode"]) for c in calls] == [("GET", 0), ("GET", 0)]
    assert "userid=zhangsan" in calls[0]["query"] and "userid=lisi" in calls[1]["query"], calls
    # Members without customers, and strangers.
    for userid in ("wangwu", "zhaoliu", "qianqi", "sunba"):
        assert errcode_of(strict_client.external_contact.list, userid) == 84061, userid
    assert errcode_of(strict_client.external_contact.list, "ghost") == 40003


def test_get_customer_with_followers(mock, client):
    got = client.external_contact.get(XIAOHONG)
    c = got["external_contact"]
    assert (c["external_userid"], c["name"], c["type"], c["gender"]) == (XIAOHONG, "小红", 1, 2)
    assert c["unionid"] == "oDemoUnionXiaoHong0000000002"
    assert "corp_name" not in c, "a WeChat user has no company"
    follow = got["follow_user"]
    assert [f["userid"] for f in follow] == ["zhangsan", "lisi"]
    for f in follow:
        assert isinstance(f["createtime"], int) and f["createtime"] > 0, f
        assert (f["remark"], f["description"], f["tags"], f["remark_mobiles"]) == ("", "", [], []), f
    assert got["next_cursor"] == ""

    partner = client.external_contact.get(ZHOUJIU)
    c = partner["external_contact"]
    assert (c["name"], c["type"], c["corp_name"], c["position"]) == ("周九", 2, "Partner Co.", "Buyer")
    assert [f["userid"] for f in partner["follow_user"]] == ["lisi"]


def test_get_errors(strict_client):
    assert errcode_of(strict_client.external_contact.get, "wmNobody") == 40096
    assert errcode_of(strict_client.external_contact.get, "") == 40096
    assert errcode_of(strict_client.external_contact.get, LAOWANG) == 84061, "a kf customer no member follows"


def test_batch_get_by_user_sends_a_single_userid(mock, client):
    mark = mock.journal_mark()
    res = client.external_contact.batch_get_by_user("lisi", limit=10)
    [call] = mock.journal("/cgi-bin/externalcontact/batch/get_by_user", since=mark)
    assert call["method"] == "POST"
    assert json.loads(call["body"]) == {"userid": "lisi", "cursor": "", "limit": 10}, "the older single-userid form"
    page = res["external_contact_list"]
    assert [c["external_contact"]["name"] for c in page] == ["小红", "周九"]
    assert page[1]["external_contact"]["corp_name"] == "Partner Co."
    assert all(c["follow_info"]["userid"] == "lisi" and c["follow_info"]["tag_id"] == [] for c in page)
    assert res["next_cursor"] == ""
    # The follow_info is lisi's own relation: the same createtime `get` shows for him.
    assert page[0]["follow_info"]["createtime"] == follow_of(client, XIAOHONG, "lisi")["createtime"]


def test_batch_get_by_user_pages_with_next_cursor(mock, client, strict_client):
    first = client.external_contact.batch_get_by_user("zhangsan", limit=1)
    assert [c["external_contact"]["external_userid"] for c in first["external_contact_list"]] == [XIAOMING]
    assert first["next_cursor"]
    second = client.external_contact.batch_get_by_user("zhangsan", cursor=first["next_cursor"], limit=1)
    assert [c["external_contact"]["external_userid"] for c in second["external_contact_list"]] == [XIAOHONG]
    assert second["next_cursor"] == "", "nothing after the last customer"

    assert errcode_of(strict_client.external_contact.batch_get_by_user, "lisi", cursor="forged") == 40058
    capped = client.external_contact.batch_get_by_user("lisi", limit=101)
    assert len(capped["external_contact_list"]) == 2, "over 100, the maximum is used, not refused"
    assert errcode_of(strict_client.external_contact.batch_get_by_user, "lisi", limit=0) == 40058
    assert errcode_of(strict_client.external_contact.batch_get_by_user, "ghost") == 40003
    assert errcode_of(strict_client.external_contact.batch_get_by_user, "") == 40058


@pytest.mark.parametrize("limit", [1, 2, 50])
def test_gen_all_by_user_yields_each_customer_once(mock, client, limit):
    mark = mock.journal_mark()
    got = list(client.external_contact.gen_all_by_user("lisi", limit))
    ids = [c["external_contact"]["external_userid"] for c in got]
    assert ids == [XIAOHONG, ZHOUJIU]
    assert all(c["follow_info"]["userid"] == "lisi" for c in got)
    calls = mock.journal("/cgi-bin/externalcontact/batch/get_by_user", since=mark)
    assert all(c["errcode"] == 0 for c in calls)
    assert len(calls) == (2 if limit == 1 else 1), "one call per page, none after an empty next_cursor"
    assert [json.loads(c["body"])["limit"] for c in calls] == [limit] * len(calls)


def test_gen_all_by_user_without_customers(mock, client, strict_client):
    # batch/get_by_user answers a member without customers with an empty page (list says 84061).
    assert list(client.external_contact.gen_all_by_user("wangwu", 1)) == []
    with pytest.raises(WeChatClientException) as e:
        list(strict_client.external_contact.gen_all_by_user("ghost"))
    assert e.value.errcode == 40003


# --- remarks --------------------------------------------------------------------------------------------------------


def test_remark_shows_on_get_and_batch(mock, client):
    assert not hasattr(client.external_contact, "remark")
    res = remark(
        client,
        userid="zhangsan",
        external_userid=XIAOHONG,
        remark="老客户",
        description="每月下单",
        remark_company="小红商行",
        remark_mobiles=["13900000000", "13900000001"],
    )
    assert res["errcode"] == 0
    f = follow_of(client, XIAOHONG, "zhangsan")
    assert (f["remark"], f["description"], f["remark_corp_name"]) == ("老客户", "每月下单", "小红商行")
    assert f["remark_mobiles"] == ["13900000000", "13900000001"]
    other = follow_of(client, XIAOHONG, "lisi")
    assert (other["remark"], other["description"], other["remark_mobiles"]) == ("", "", []), "lisi's relation is his own"
    [item] = [
        c for c in client.external_contact.batch_get_by_user("zhangsan")["external_contact_list"]
        if c["external_contact"]["external_userid"] == XIAOHONG
    ]
    assert (item["follow_info"]["remark"], item["follow_info"]["description"]) == ("老客户", "每月下单")

    # Fields left out are kept.
    remark(client, userid="zhangsan", external_userid=XIAOHONG, remark="VIP")
    f = follow_of(client, XIAOHONG, "zhangsan")
    assert (f["remark"], f["description"], f["remark_mobiles"]) == ("VIP", "每月下单", ["13900000000", "13900000001"])


def test_remark_errors_change_nothing(mock, client, strict_client):
    before = client.external_contact.get(XIAOMING)["follow_user"]
    post = strict_client.post
    bad = [
        ({"userid": "zhangsan", "external_userid": XIAOMING, "remark": "长" * 21}, 40058),
        ({"userid": "zhangsan", "external_userid": XIAOMING, "remark_mobiles": ["1"] * 6}, 40058),
        ({"userid": "zhangsan", "external_userid": "wmNobody", "remark": "x"}, 40096),
        ({"userid": "wangwu", "external_userid": XIAOMING, "remark": "x"}, 84061),
        ({"userid": "ghost", "external_userid": XIAOMING, "remark": "x"}, 40003),
    ]
    for body, want in bad:
        assert errcode_of(post, "externalcontact/remark", data=body) == want, body
    assert client.external_contact.get(XIAOMING)["follow_user"] == before
    remark(client, userid="zhangsan", external_userid=XIAOMING, remark="长" * 20)
    assert follow_of(client, XIAOMING, "zhangsan")["remark"] == "长" * 20, "20 characters is the limit, not bytes"


# --- customer tags --------------------------------------------------------------------------------------------------


def test_mark_tag_shows_tag_and_group_names(mock, client):
    ids = tag_ids(client)
    vip, expo = ids[("客户等级", "重要")], ids[("来源", "展会")]
    mark = mock.journal_mark()
    res = client.external_contact.mark_tag("zhangsan", XIAOHONG, add_tag=[vip, expo])
    assert res["errcode"] == 0
    [call] = mock.journal("/cgi-bin/externalcontact/mark_tag", since=mark)
    assert json.loads(call["body"]) == {"userid": "zhangsan", "external_userid": XIAOHONG, "add_tag": [vip, expo], "remove_tag": []}

    tags = follow_of(client, XIAOHONG, "zhangsan")["tags"]
    assert [(t["group_name"], t["tag_name"], t["tag_id"], t["type"]) for t in tags] == [
        ("客户等级", "重要", vip, 1),
        ("来源", "展会", expo, 1),
    ]
    assert follow_of(client, XIAOHONG, "lisi")["tags"] == [], "tags belong to one member's relation"
    batch = client.external_contact.batch_get_by_user("zhangsan")["external_contact_list"]
    assert {c["external_contact"]["external_userid"]: c["follow_info"]["tag_id"] for c in batch} == {
        XIAOMING: [],
        XIAOHONG: [vip, expo],
    }

    # Adding again adds nothing; removing takes only what is named.
    client.external_contact.mark_tag("zhangsan", XIAOHONG, add_tag=[vip], remove_tag=[expo])
    assert [t["tag_name"] for t in follow_of(client, XIAOHONG, "zhangsan")["tags"]] == ["重要"]
    client.external_contact.mark_tag("zhangsan", XIAOHONG, remove_tag=[vip])
    assert follow_of(client, XIAOHONG, "zhangsan")["tags"] == []


def test_mark_tag_errors_change_nothing(mock, client, strict_client):
    vip = tag_ids(client)[("客户等级", "重要")]
    client.external_contact.mark_tag("lisi", ZHOUJIU, add_tag=[vip])
    before = client.external_contact.get(ZHOUJIU)["follow_user"]
    mark_tag = strict_client.external_contact.mark_tag
    assert errcode_of(mark_tag, "lisi", ZHOUJIU, add_tag=["etNoSuchTag"]) == 40068
    assert errcode_of(mark_tag, "lisi", ZHOUJIU, add_tag=[vip], remove_tag=["etNoSuchTag"]) == 40068, "all or nothing"
    assert errcode_of(mark_tag, "lisi", ZHOUJIU) == 40058, "wechatpy sends two empty lists"
    assert errcode_of(mark_tag, "zhangsan", ZHOUJIU, add_tag=[vip]) == 84061
    assert errcode_of(mark_tag, "lisi", "wmNobody", add_tag=[vip]) == 40096
    assert errcode_of(mark_tag, "ghost", ZHOUJIU, add_tag=[vip]) == 40003
    assert client.external_contact.get(ZHOUJIU)["follow_user"] == before
    assert [t["tag_name"] for t in before[0]["tags"]] == ["重要"]


def test_library_edits_show_on_tagged_customers(mock, client):
    ids = tag_ids(client)
    vip, core = ids[("客户等级", "重要")], ids[("客户等级", "核心")]
    client.external_contact.mark_tag("zhangsan", XIAOMING, add_tag=[vip, core])
    client.external_contact.edit_corp_tag(vip, name="VIP")
    client.external_contact.edit_corp_tag(group_ids(client)["客户等级"], name="等级")
    tags = follow_of(client, XIAOMING, "zhangsan")["tags"]
    assert [(t["group_name"], t["tag_name"]) for t in tags] == [("等级", "VIP"), ("等级", "核心")]

    # Deleting a tag takes it off the customer.
    assert client.external_contact.del_corp_tag(tag_id=[vip])["errcode"] == 0
    assert [t["tag_id"] for t in follow_of(client, XIAOMING, "zhangsan")["tags"]] == [core]
    assert ("等级", "VIP") not in tag_ids(client)


# --- the corp tag library -----------------------------------------------------------------------------------------


def test_get_corp_tag_list(mock, client):
    mark = mock.journal_mark()
    res = client.external_contact.get_corp_tag_list()
    [call] = mock.journal("/cgi-bin/externalcontact/get_corp_tag_list", since=mark)
    assert call["method"] == "POST" and json.loads(call["body"]) == {}
    groups = res["tag_group"]
    assert {g["group_name"]: [t["name"] for t in g["tag"]] for g in groups} == FIXTURE_LIBRARY
    assert [g["order"] for g in groups] == [2, 1]
    every_id = [g["group_id"] for g in groups] + [t["id"] for g in groups for t in g["tag"]]
    assert all(i.startswith("et") and len(i) == 32 for i in every_id), every_id
    assert len(set(every_id)) == len(every_id)
    assert all(t["deleted"] is False and isinstance(t["create_time"], int) for g in groups for t in g["tag"])

    ids = tag_ids(client)
    some = client.external_contact.get_corp_tag_list([ids[("客户等级", "核心")], ids[("来源", "官网")]])
    assert [(g["group_name"], [t["name"] for t in g["tag"]]) for g in some["tag_group"]] == [
        ("客户等级", ["核心"]),
        ("来源", ["官网"]),
    ]
    assert client.external_contact.get_corp_tag_list(["etNoSuchTag"])["tag_group"] == []


def test_add_corp_tag(mock, client, strict_client):
    res = client.external_contact.add_corp_tag(None, "兴趣", 3, [{"name": "茶", "order": 5}, {"name": "咖啡"}, {"name": "茶"}])
    group = res["tag_group"]
    assert (group["group_name"], group["order"]) == ("兴趣", 3)
    assert [(t["name"], t["order"]) for t in group["tag"]] == [("茶", 5), ("咖啡", 0)], "one tag per name"
    assert group["group_id"].startswith("et") and all(t["id"].startswith("et") for t in group["tag"])

    more = client.external_contact.add_corp_tag(group["group_id"], None, None, [{"name": "酒"}])
    assert more["tag_group"]["group_id"] == group["group_id"]
    assert [t["name"] for t in more["tag_group"]["tag"]] == ["酒"], "the answer lists only the new tags"
    # An existing group_name adds to that group instead of making a second one.
    client.external_contact.add_corp_tag(None, "来源", None, [{"name": "转介绍"}])
    assert library(client) == {**FIXTURE_LIBRARY, "来源": ["展会", "官网", "转介绍"], "兴趣": ["茶", "咖啡", "酒"]}

    add = strict_client.external_contact.add_corp_tag
    assert errcode_of(add, group["group_id"], None, None, [{"name": "茶"}]) == 40071
    assert errcode_of(add, None, "客户等级", None, [{"name": "新"}, {"name": "重要"}]) == 40071
    assert errcode_of(add, None, "空组", None, []) == 40058
    assert errcode_of(add, None, "x", None, [{"name": ""}]) == 40058
    assert errcode_of(add, None, "x", None, [{"name": "标" * 31}]) == 40058
    assert errcode_of(add, "etNoSuchGroup", None, None, [{"name": "y"}]) == 40068
    assert library(client) == {**FIXTURE_LIBRARY, "来源": ["展会", "官网", "转介绍"], "兴趣": ["茶", "咖啡", "酒"]}


def test_add_corp_tag_keeps_each_tags_order_after_a_duplicate(client):
    res = client.external_contact.add_corp_tag(
        None, "排序", None, [{"name": "茶", "order": 5}, {"name": "茶", "order": 1}, {"name": "咖啡", "order": 9}]
    )
    # The mock answers [("茶", 5), ("咖啡", 1)]: 咖啡 takes the order of the second 茶.
    assert [(t["name"], t["order"]) for t in res["tag_group"]["tag"]] == [("茶", 5), ("咖啡", 9)]


def test_edit_corp_tag(mock, client, strict_client):
    ids, groups = tag_ids(client), group_ids(client)
    normal = ids[("客户等级", "普通")]
    assert client.external_contact.edit_corp_tag(normal, name="一般", order=7)["errcode"] == 0
    [t] = client.external_contact.get_corp_tag_list([normal])["tag_group"][0]["tag"]
    assert (t["id"], t["name"], t["order"]) == (normal, "一般", 7)
    client.external_contact.edit_corp_tag(groups["来源"], order=9)
    [src] = [g for g in client.external_contact.get_corp_tag_list()["tag_group"] if g["group_id"] == groups["来源"]]
    assert (src["group_name"], src["order"]) == ("来源", 9), "only the order changed"

    edit = strict_client.external_contact.edit_corp_tag
    assert errcode_of(edit, normal, name="重要") == 40071, "a sibling has that name"
    assert errcode_of(edit, groups["来源"], name="客户等级") == 40071, "another group has that name"
    assert errcode_of(edit, "etNope", name="x") == 40068
    assert errcode_of(edit, normal, name="") == 40058
    # A tag may share a name with a tag of another group, and keep its own.
    client.external_contact.edit_corp_tag(ids[("来源", "官网")], name="重要")
    client.external_contact.edit_corp_tag(normal, name="一般")
    assert library(client) == {"客户等级": ["一般", "重要", "核心"], "来源": ["展会", "重要"]}


def test_del_corp_tag(mock, client, strict_client):
    ids, groups = tag_ids(client), group_ids(client)
    # wechatpy's signature says `tag_id: str`, but the API takes lists: a bare string is refused.
    assert errcode_of(strict_client.external_contact.del_corp_tag, tag_id=ids[("来源", "展会")]) == 40058
    assert errcode_of(strict_client.external_contact.del_corp_tag) == 40058, "neither tag_id nor group_id"
    assert errcode_of(strict_client.external_contact.del_corp_tag, tag_id=["etNoSuchTag"]) == 40068
    assert errcode_of(strict_client.external_contact.del_corp_tag, group_id=["etNoSuchGroup"]) == 40068
    assert library(client) == FIXTURE_LIBRARY

    assert client.external_contact.del_corp_tag(tag_id=[ids[("来源", "展会")]])["errcode"] == 0
    assert library(client) == {**FIXTURE_LIBRARY, "来源": ["官网"]}
    # A group left without tags goes too.
    client.external_contact.del_corp_tag(tag_id=[ids[("来源", "官网")]])
    assert library(client) == {"客户等级": ["普通", "重要", "核心"]}
    client.external_contact.del_corp_tag(group_id=[groups["客户等级"]])
    assert client.external_contact.get_corp_tag_list()["tag_group"] == []
    assert errcode_of(strict_client.external_contact.del_corp_tag, group_id=[groups["客户等级"]]) == 40068


def test_reset_restores_remarks_tags_and_library(mock, client):
    vip = tag_ids(client)[("客户等级", "重要")]
    client.external_contact.mark_tag("zhangsan", XIAOMING, add_tag=[vip])
    remark(client, userid="zhangsan", external_userid=XIAOMING, remark="临时")
    client.external_contact.add_corp_tag(None, "临时组", None, [{"name": "临时"}])
    mock.reset()
    f = follow_of(client, XIAOMING, "zhangsan")
    assert (f["remark"], f["tags"]) == ("", [])
    assert library(client) == FIXTURE_LIBRARY


# --- who may call 客户联系 -----------------------------------------------------------------------------------------


def test_only_the_contacts_app_may_call(mock, client, hr_client):
    ec = hr_client.external_contact
    vip = tag_ids(client)[("客户等级", "重要")]
    calls = [
        (ec.get_follow_user_list, ()),
        (ec.list, ("zhangsan",)),
        (ec.get, (XIAOHONG,)),
        (ec.batch_get_by_user, ("lisi",)),
        (ec.get_corp_tag_list, ()),
        (ec.add_corp_tag, (None, "HR", None, [{"name": "x"}])),
        (ec.edit_corp_tag, (vip, "HR")),
        (ec.del_corp_tag, (None, [group_ids(client)["来源"]])),
        (ec.mark_tag, ("zhangsan", XIAOHONG, [vip])),
    ]
    for call, args in calls:
        assert errcode_of(call, *args) == 48002, call.__name__
    assert errcode_of(hr_client.post, "externalcontact/remark", data={"userid": "zhangsan", "external_userid": XIAOHONG, "remark": "HR"}) == 48002
    with pytest.raises(WeChatClientException) as e:
        list(ec.gen_all_by_user("lisi"))
    assert e.value.errcode == 48002
    # Nothing the HR app tried landed; the same token-holder check lets the Demo Bot through.
    assert library(client) == FIXTURE_LIBRARY
    assert follow_of(client, XIAOHONG, "zhangsan")["remark"] == ""
    assert follow_of(client, XIAOHONG, "zhangsan")["tags"] == []
    assert hr_client.user.get("zhangsan")["userid"] == "zhangsan", "the HR token itself is fine"
