"""wechatpy 2.0.0a26 and customer continuity (在职继承 / 离职继承) against the mock: a member resigns and their
customers show in get_unassigned_list, a resigned transfer waits 24 h on the mock clock and completes, on-the-job
transfers complete, are refused by the customer or find the taker full, and bad requests are refused whole.

wechatpy has get_unassigned_list but nothing for transfer_customer, transfer_result and their resigned/ variants
(its `transfer` posts to the retired `externalcontact/transfer`): client.post reaches them with the same token and
error handling. Members resign and customers refuse through the control API. Advancing the clock 24 h expires the
client's token; the auto_retry client refetches it on the mock's 42001 and repeats the call."""

from __future__ import annotations

import json

import pytest
from wechatpy.work import WeChatCrypto
from wechatpy.work.events import ChangeExternalContactEvent

from conftest import BOT_AGENTID, HTTP_TIMEOUT
from test_wechatpy_callbacks import TIMEOUT_S, Receiver
from test_wechatpy_contacts import XIAOHONG, XIAOMING, ZHOUJIU, errcode_of

DAY = 24 * 3600
# Transfer statuses in transfer_result.
DONE, WAITING, REFUSED, TAKER_FULL = 1, 2, 3, 4


# --- helpers --------------------------------------------------------------------------------------------------------


def ec_post(client, path: str, **body) -> dict:
    return client.post(f"externalcontact/{path}", data=body)


def transfer(client, handover: str, takeover: str, customers: list[str], **extra) -> list[tuple[str, int]]:
    """An on-the-job transfer; (external_userid, errcode) per customer, in the order asked."""
    res = ec_post(
        client, "transfer_customer", handover_userid=handover, takeover_userid=takeover, external_userid=customers, **extra
    )
    assert res["errcode"] == 0, res
    return [(c["external_userid"], c["errcode"]) for c in res["customer"]]


def resigned_transfer(client, handover: str, takeover: str, customers: list[str]) -> list[tuple[str, int]]:
    res = ec_post(
        client, "resigned/transfer_customer", handover_userid=handover, takeover_userid=takeover, external_userid=customers
    )
    assert res["errcode"] == 0, res
    return [(c["external_userid"], c["errcode"]) for c in res["customer"]]


def result(client, handover: str, takeover: str, resigned: bool = False) -> dict:
    path = "resigned/transfer_result" if resigned else "transfer_result"
    res = ec_post(client, path, handover_userid=handover, takeover_userid=takeover)
    assert res["errcode"] == 0 and res["next_cursor"] == "", res
    return res


def statuses(res: dict) -> list[tuple[str, int]]:
    return [(c["external_userid"], c["status"]) for c in res["customer"]]


def followers(client, external_userid: str) -> list[str]:
    return [f["userid"] for f in client.external_contact.get(external_userid)["follow_user"]]


def resign(mock, userid: str) -> dict:
    return mock.post(f"/mock/members/{userid}/resign?corpid={mock.corpid}")


def refuse(mock, external_userid: str):
    """The customer refuses their on-the-job transfer; the raw control-API response (400 when there is none)."""
    return mock.http.post(
        mock.base + f"/mock/customers/{external_userid}/refuse_transfer?corpid={mock.corpid}", json={}, timeout=HTTP_TIMEOUT
    )


@pytest.fixture
def customer_limit(mock):
    """customer_limit(n) sets max_customers_per_member; /mock/reset keeps settings, so the old value goes back."""
    before = mock.get("/mock/settings")["max_customers_per_member"]
    yield lambda n: mock.settings(max_customers_per_member=n)
    mock.settings(max_customers_per_member=before)


@pytest.fixture
def receiver(mock):
    """A wechatpy receiver at the Demo Bot's callback URL (the 客户联系 app gets change_external_contact)."""
    cb = mock.app(BOT_AGENTID)["callback"]
    r = Receiver(WeChatCrypto(cb["token"], cb["encoding_aes_key"], mock.corpid))
    try:
        resp = mock.http.put(mock.base + f"/mock/apps/{BOT_AGENTID}/callback", json={"url": r.url}, timeout=HTTP_TIMEOUT)
        assert resp.status_code == 200 and resp.json()["verified"] is True, resp.text
        yield r
    finally:
        r.close()


# --- 离职继承 -------------------------------------------------------------------------------------------------------


def test_resigned_members_customers_are_handed_over_after_24_hours(mock, client):
    gone = resign(mock, "lisi")
    assert (gone["userid"], gone["n_customers"]) == ("lisi", 2)
    assert resign(mock, "lisi")["dimission_time"] == gone["dimission_time"], "resigning twice keeps the first date"

    # get_unassigned_list: wechatpy sends page_id with the cursor; the cursor wins.
    mark = mock.journal_mark()
    first = client.external_contact.get_unassigned_list(page_size=1)
    assert first["is_last"] is False and first["next_cursor"], first
    rest = client.external_contact.get_unassigned_list(page_size=1, cursor=first["next_cursor"])
    assert rest["is_last"] is True and rest["next_cursor"] == "", rest
    bodies = [json.loads(c["body"]) for c in mock.journal("/cgi-bin/externalcontact/get_unassigned_list", since=mark)]
    assert bodies == [{"page_id": 0, "page_size": 1}, {"page_id": 0, "page_size": 1, "cursor": first["next_cursor"]}]
    info = first["info"] + rest["info"]
    assert sorted(i["external_userid"] for i in info) == sorted([XIAOHONG, ZHOUJIU])
    assert {(i["handover_userid"], i["dimission_time"]) for i in info} == {("lisi", gone["dimission_time"])}
    # The legacy page_id counts pages of page_size; one call without arguments gets everything.
    assert client.external_contact.get_unassigned_list(page_id=1, page_size=1)["info"] == rest["info"]
    whole = client.external_contact.get_unassigned_list()
    assert (whole["info"], whole["is_last"]) == (info, True)

    # One refusal does not stop the others: 40096 for an unknown id, 40131 for someone else's customer.
    started = resigned_transfer(client, "lisi", "wangwu", [XIAOHONG, ZHOUJIU, "wmNobody", XIAOMING])
    assert started == [(XIAOHONG, 0), (ZHOUJIU, 0), ("wmNobody", 40096), (XIAOMING, 40131)]
    assert client.external_contact.get_unassigned_list()["info"] == [], "both are on their way"
    assert refuse(mock, XIAOHONG).status_code == 400, "a resigned member's customer cannot refuse"
    waiting = result(client, "lisi", "wangwu", resigned=True)
    assert statuses(waiting) == [(XIAOHONG, WAITING), (ZHOUJIU, WAITING)]
    due = waiting["customer"][0]["takeover_time"]
    assert 0 <= due - (gone["dimission_time"] + DAY) <= 60, (due, gone)
    # Until then the customers stay with lisi, and the taker has nobody.
    assert client.external_contact.list("lisi")["external_userid"] == [XIAOHONG, ZHOUJIU]
    assert errcode_of(client.external_contact.list, "wangwu") == 84061
    assert statuses(result(client, "lisi", "wangwu")) == statuses(waiting), "both result endpoints read one record"

    mock.advance(DAY)
    fetches = client.token_fetches
    done = result(client, "lisi", "wangwu", resigned=True)
    assert client.token_fetches == fetches + 1, "the 24 h expired the token; wechatpy refetched it"
    assert statuses(done) == [(XIAOHONG, DONE), (ZHOUJIU, DONE)]
    assert [c["takeover_time"] for c in done["customer"]] == [due, due]
    assert client.external_contact.list("wangwu")["external_userid"] == [XIAOHONG, ZHOUJIU]
    assert errcode_of(client.external_contact.list, "lisi") == 84061, "nothing left with the member who left"
    assert followers(client, XIAOHONG) == ["zhangsan", "wangwu"]
    assert followers(client, ZHOUJIU) == ["wangwu"]
    assert client.external_contact.get_unassigned_list()["info"] == []


# --- 在职继承 -------------------------------------------------------------------------------------------------------


def test_on_the_job_transfer_completes_or_is_refused(mock, client, receiver):
    started = transfer(client, "zhangsan", "wangwu", [XIAOMING, XIAOHONG], transfer_success_msg="您好，我是王五")
    assert started == [(XIAOMING, 0), (XIAOHONG, 0)]
    assert refuse(mock, XIAOHONG).json() == {"refused": True}
    assert transfer(client, "zhangsan", "zhaoliu", [XIAOMING]) == [(XIAOMING, 40129)], "already being transferred"
    assert statuses(result(client, "zhangsan", "wangwu")) == [(XIAOMING, WAITING), (XIAOHONG, WAITING)]
    assert statuses(result(client, "zhangsan", "zhaoliu")) == [], "the refused call started nothing"

    mock.advance(DAY)
    done = result(client, "zhangsan", "wangwu")
    assert statuses(done) == [(XIAOMING, DONE), (XIAOHONG, REFUSED)]
    assert followers(client, XIAOMING) == ["wangwu"]
    assert followers(client, XIAOHONG) == ["zhangsan", "lisi"], "a refusal keeps the old relation"
    assert client.external_contact.list("zhangsan")["external_userid"] == [XIAOHONG]
    assert client.external_contact.list("wangwu")["external_userid"] == [XIAOMING]
    moved = client.external_contact.get(XIAOMING)["follow_user"][0]
    assert moved["createtime"] == done["customer"][0]["takeover_time"], moved

    # wechatpy parses both outcomes as ChangeExternalContactEvent, in the order they settled.
    pushes = [receiver.got.get(timeout=TIMEOUT_S) for _ in range(2)]
    assert all(isinstance(p, ChangeExternalContactEvent) for p in pushes), pushes
    got = [(p.change_type, p.user_id, p.external_user_id, p.del_source, p.fail_reason) for p in pushes]
    assert got == [
        ("del_external_contact", "zhangsan", XIAOMING, "DELETE_BY_TRANSFER", None),
        ("transfer_fail", "wangwu", XIAOHONG, None, "customer_refused"),
    ]


def test_a_taker_at_the_limit_gets_status_4(mock, client, customer_limit):
    customer_limit(1)
    # Both are due at once: the first fills wangwu up, the second finds him full.
    assert transfer(client, "zhangsan", "wangwu", [XIAOMING, XIAOHONG]) == [(XIAOMING, 0), (XIAOHONG, 0)]
    mock.advance(DAY)
    assert statuses(result(client, "zhangsan", "wangwu")) == [(XIAOMING, DONE), (XIAOHONG, TAKER_FULL)]
    assert client.external_contact.list("wangwu")["external_userid"] == [XIAOMING]
    assert followers(client, XIAOHONG) == ["zhangsan", "lisi"], "a failed transfer keeps the old relation"
    assert refuse(mock, XIAOHONG).status_code == 400, "nothing is waiting any more"


# --- bad requests ---------------------------------------------------------------------------------------------------


def test_bad_transfers_are_refused_whole(mock, client, strict_client):
    resign(mock, "sunba")
    resign(mock, "lisi")
    post = strict_client.post
    many = [f"wm{n}" for n in range(101)]
    cases = [
        ("transfer_customer", {"handover_userid": "zhangsan", "takeover_userid": "zhangsan", "external_userid": [XIAOMING]}, 40130),
        ("transfer_customer", {"handover_userid": "zhangsan", "takeover_userid": "sunba", "external_userid": [XIAOMING]}, 40058),
        ("transfer_customer", {"handover_userid": "zhangsan", "takeover_userid": "ghost", "external_userid": [XIAOMING]}, 40003),
        ("transfer_customer", {"handover_userid": "ghost", "takeover_userid": "wangwu", "external_userid": [XIAOMING]}, 40003),
        ("transfer_customer", {"handover_userid": "zhangsan", "takeover_userid": "wangwu", "external_userid": []}, 40058),
        ("transfer_customer", {"handover_userid": "zhangsan", "takeover_userid": "wangwu", "external_userid": many}, 40058),
        ("transfer_customer", {"handover_userid": "zhangsan", "takeover_userid": "wangwu", "external_userid": [XIAOMING], "transfer_success_msg": "长" * 201}, 40058),
        ("transfer_customer", {"handover_userid": "lisi", "takeover_userid": "wangwu", "external_userid": [ZHOUJIU]}, 40058),
        ("resigned/transfer_customer", {"handover_userid": "zhangsan", "takeover_userid": "wangwu", "external_userid": [XIAOMING]}, 40097),
        ("resigned/transfer_customer", {"handover_userid": "lisi", "takeover_userid": "sunba", "external_userid": [ZHOUJIU]}, 40058),
        ("resigned/transfer_customer", {"handover_userid": "lisi", "takeover_userid": "wangwu", "external_userid": []}, 40058),
        ("transfer_result", {"handover_userid": "zhangsan", "takeover_userid": "wangwu", "cursor": "forged"}, 40058),
        ("transfer_result", {"handover_userid": "zhangsan", "takeover_userid": "ghost"}, 40003),
    ]
    for path, body, want in cases:
        assert errcode_of(post, f"externalcontact/{path}", data=body) == want, (path, body)
    assert errcode_of(strict_client.external_contact.get_unassigned_list, page_size=1001) == 40058
    assert errcode_of(strict_client.external_contact.get_unassigned_list, cursor="forged") == 40058

    # Nothing was started: no records, both of lisi's customers still unassigned, no customer to refuse.
    assert result(client, "zhangsan", "wangwu")["customer"] == []
    assert result(client, "lisi", "wangwu", resigned=True)["customer"] == []
    assert len(client.external_contact.get_unassigned_list()["info"]) == 2
    assert refuse(mock, XIAOMING).status_code == 400
    # A transfer of exactly 100 is accepted, each unknown id answered on its own.
    codes = transfer(client, "zhangsan", "wangwu", [XIAOMING] + many[:99])
    assert codes == [(XIAOMING, 0)] + [(e, 40096) for e in many[:99]]


def test_only_the_contacts_app_may_transfer(mock, hr_client):
    body = {"handover_userid": "zhangsan", "takeover_userid": "wangwu", "external_userid": [XIAOMING]}
    for path in ("transfer_customer", "resigned/transfer_customer", "transfer_result", "resigned/transfer_result"):
        assert errcode_of(hr_client.post, f"externalcontact/{path}", data=body) == 48002, path
    assert errcode_of(hr_client.external_contact.get_unassigned_list) == 48002


# --- the official errcodes, each in its situation -------------------------------------------------------------------


def test_official_codes_for_a_transfer(mock, client, strict_client):
    post = strict_client.post
    same = {"handover_userid": "zhangsan", "takeover_userid": "zhangsan", "external_userid": [XIAOMING]}
    assert errcode_of(post, "externalcontact/transfer_customer", data=same) == 40130, "same handover and takeover"
    on_job = {"handover_userid": "zhangsan", "takeover_userid": "wangwu", "external_userid": [XIAOMING]}
    assert errcode_of(post, "externalcontact/resigned/transfer_customer", data=on_job) == 40097, "zhangsan has not left"
    # 周九 is lisi's customer, not zhangsan's.
    assert transfer(client, "zhangsan", "wangwu", [ZHOUJIU, XIAOMING]) == [(ZHOUJIU, 40131), (XIAOMING, 0)]
    assert transfer(client, "zhangsan", "zhaoliu", [XIAOMING]) == [(XIAOMING, 40129)]


def test_a_customer_moves_on_the_job_twice_in_90_days(mock, client):
    assert transfer(client, "zhangsan", "wangwu", [XIAOMING]) == [(XIAOMING, 0)]
    mock.advance(DAY)
    assert transfer(client, "wangwu", "zhaoliu", [XIAOMING]) == [(XIAOMING, 0)]
    mock.advance(DAY)
    assert transfer(client, "zhaoliu", "zhangsan", [XIAOMING]) == [(XIAOMING, 40128)], "a third time within 90 days"
    mock.advance(90 * DAY)
    assert transfer(client, "zhaoliu", "zhangsan", [XIAOMING]) == [(XIAOMING, 0)]


def test_a_taker_who_has_the_customer_already(mock, client):
    # 小红 follows zhangsan and lisi: the transfer starts, and completes by dropping zhangsan.
    assert transfer(client, "zhangsan", "lisi", [XIAOHONG]) == [(XIAOHONG, 0)]
    mock.advance(DAY)
    assert statuses(result(client, "zhangsan", "lisi")) == [(XIAOHONG, DONE)]
    assert followers(client, XIAOHONG) == ["lisi"]


def test_wechatpys_transfer_posts_to_the_legacy_path(mock, client, strict_client):
    mark = mock.journal_mark()
    res = client.external_contact.transfer(XIAOMING, "zhangsan", "wangwu", transfer_success_msg="您好")
    assert res["errcode"] == 0, res
    assert len(mock.journal("/cgi-bin/externalcontact/transfer", since=mark)) == 1
    assert statuses(result(client, "zhangsan", "wangwu")) == [(XIAOMING, WAITING)], "an on-the-job transfer"
    assert errcode_of(strict_client.external_contact.transfer, ZHOUJIU, "zhangsan", "wangwu") == 40131
    assert errcode_of(strict_client.external_contact.transfer, XIAOMING, "zhangsan", "zhangsan") == 40130
    # A handover who left makes it a resigned transfer.
    resign(mock, "lisi")
    assert client.external_contact.transfer(ZHOUJIU, "lisi", "wangwu")["errcode"] == 0
    assert statuses(result(client, "lisi", "wangwu", resigned=True)) == [(ZHOUJIU, WAITING)]
