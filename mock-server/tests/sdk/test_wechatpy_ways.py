"""wechatpy 2.0.0a26's contact ways (「联系我」) against the mock: add, get (an object), update (only what is sent
changes), delete; and the onboarding story: a customer scans the way, the app gets add_external_contact with the
way's State and a WelcomeCode, and answers with send_welcome_msg, which the customer receives once."""

from __future__ import annotations

import pytest

from test_wechatpy_callbacks import TIMEOUT_S
from test_wechatpy_contacts import LAOWANG, errcode_of
from test_wechatpy_transfer import receiver  # noqa: F401  (a fixture, used by name)
from wechatpy.work.events import ChangeExternalContactEvent


def scan(mock, config_id: str, customer: str) -> dict:
    return mock.post(f"/mock/contact_ways/{config_id}/scan?corpid={mock.corpid}", {"customer": customer})


def test_add_get_update_and_delete_a_contact_way(client, strict_client):
    made = client.external_contact.add_contact_way(
        type=1, scene=2, state="fair2026", remark="展会", user=["wangwu"]
    )
    assert made["errcode"] == 0
    config_id = made["config_id"]
    assert len(config_id) == 32 and made["qr_code"].startswith("https://wework.qpic.cn/wwpic/"), made

    way = client.external_contact.get_contact_way(config_id)["contact_way"]
    assert isinstance(way, dict), "an object, as WxJava and silenceper parse it"
    assert (way["config_id"], way["type"], way["scene"], way["state"], way["remark"], way["user"]) == (
        config_id, 1, 2, "fair2026", "展会", ["wangwu"]
    )

    # wechatpy always sends remark and skip_verify; state and user only when given.
    assert client.external_contact.update_contact_way(config_id, "春季展会", skip_verify=False)["errcode"] == 0
    way = client.external_contact.get_contact_way(config_id)["contact_way"]
    assert (way["remark"], way["skip_verify"], way["state"], way["user"]) == ("春季展会", False, "fair2026", ["wangwu"])

    assert client.external_contact.del_contact_way(config_id)["errcode"] == 0
    assert errcode_of(strict_client.external_contact.get_contact_way, config_id) == 40058
    assert errcode_of(strict_client.external_contact.del_contact_way, config_id) == 40058


def test_contact_way_errors(strict_client):
    ec = strict_client.external_contact
    assert errcode_of(ec.add_contact_way, type=1, scene=2, user=["ghost"]) != 0
    assert errcode_of(ec.add_contact_way, type=3, scene=2, user=["wangwu"]) == 40058
    assert errcode_of(ec.update_contact_way, "0" * 32, "x") == 40058


def test_scan_add_event_and_welcome_message(mock, client, strict_client, receiver):  # noqa: F811
    config_id = client.external_contact.add_contact_way(type=1, scene=2, state="spring", user=["wangwu"])["config_id"]
    scanned = scan(mock, config_id, LAOWANG)
    assert scanned["userid"] == "wangwu"

    event = receiver.got.get(timeout=TIMEOUT_S)
    assert isinstance(event, ChangeExternalContactEvent), event
    assert (event.change_type, event.user_id, event.external_user_id, event.state) == (
        "add_external_contact", "wangwu", LAOWANG, "spring"
    )
    assert event.welcome_code == scanned["welcome_code"]
    assert LAOWANG in client.external_contact.list("wangwu")["external_userid"]
    follow = [f for f in client.external_contact.get(LAOWANG)["follow_user"] if f["userid"] == "wangwu"][0]
    assert (follow["add_way"], follow["state"]) == (1, "spring")

    welcome = {"welcome_code": event.welcome_code, "text": {"content": "欢迎，我是王五"}}
    assert client.external_contact.send_welcome_msg(welcome)["errcode"] == 0
    inbox = mock.inbox("customer", LAOWANG)
    assert inbox["n_total"] == 1, inbox
    assert inbox["messages"][0]["content"]["text"]["content"] == "欢迎，我是王五", inbox
    assert errcode_of(strict_client.external_contact.send_welcome_msg, welcome) == 41051, "a code works once: the two have started chatting"
    assert mock.inbox("customer", LAOWANG)["n_total"] == 1


def member_writes(mock, userid: str, to: str) -> None:
    mock.post(f"/mock/members/{userid}/messages?corpid={mock.corpid}", {"to": to, "content": "你好"})


def customer_writes(mock, customer: str, to: str) -> None:
    mock.post(f"/mock/customers/{customer}/messages?corpid={mock.corpid}", {"to": to, "content": "在吗"})


def remove(mock, customer: str, userid: str) -> None:
    mock.post(f"/mock/customers/{customer}/contacts/{userid}?corpid={mock.corpid}", {"action": "remove"})


def test_welcome_codes_get_the_official_codes(mock, client, strict_client):
    send = strict_client.external_contact.send_welcome_msg
    assert errcode_of(send, {"text": {"content": "x"}}) == 41049, "no code"
    assert errcode_of(send, {"welcome_code": "nope", "text": {"content": "x"}}) == 41050, "an unknown code"
    config_id = client.external_contact.add_contact_way(type=1, scene=2, user=["wangwu"])["config_id"]
    # The member writes first: they have started chatting.
    code = scan(mock, config_id, LAOWANG)["welcome_code"]
    member_writes(mock, "wangwu", LAOWANG)
    assert errcode_of(send, {"welcome_code": code, "text": {"content": "欢迎"}}) == 41051
    # The customer writes first: the same.
    remove(mock, LAOWANG, "wangwu")
    code = scan(mock, config_id, LAOWANG)["welcome_code"]
    customer_writes(mock, LAOWANG, "wangwu")
    assert errcode_of(send, {"welcome_code": code, "text": {"content": "欢迎"}}) == 41051
    # A stale code: past its 20 s.
    remove(mock, LAOWANG, "wangwu")
    code = scan(mock, config_id, LAOWANG)["welcome_code"]
    mock.advance(21)
    assert errcode_of(send, {"welcome_code": code, "text": {"content": "欢迎"}}) == 41050
