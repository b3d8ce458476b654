"""wechatpy with the contacts-sync (通讯录同步) secret: directory writes, batch imports, the reads added with them,
OAuth, the JS-SDK tickets and signature, and the change_contact pushes a wechatpy receiver decrypts."""

from __future__ import annotations

import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
import xmltodict
from wechatpy.exceptions import WeChatClientException
from wechatpy.work import WeChatCrypto

from conftest import BOT_AGENTID, HR_AGENTID

TIMEOUT_S = 10


@pytest.fixture
def sync_client(make_client, mock):
    """A client of the contacts-sync secret: the corp's directory, and no app."""
    return make_client(secret=mock.corp["contact_sync_secret"], auto_retry=False)


def errcode(call) -> int:
    with pytest.raises(WeChatClientException) as e:
        call()
    return e.value.errcode


class SyncReceiver:
    """The contacts-sync receiver as an integrator writes it with wechatpy's crypto; keeps each event's fields."""

    def __init__(self, crypto: WeChatCrypto):
        self.got: queue.Queue = queue.Queue()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, body: str) -> None:
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                q = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
                self._reply(crypto.check_signature(q["msg_signature"], q["timestamp"], q["nonce"], q["echostr"]))

            def do_POST(self):
                q = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                xml = crypto.decrypt_message(body, q["msg_signature"], q["timestamp"], q["nonce"])
                outer.got.put(xmltodict.parse(xml)["xml"])
                self._reply("success")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sync"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next(self) -> dict:
        return self.got.get(timeout=TIMEOUT_S)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(mock):
    cb = mock.corp["contact_sync_callback"]
    r = SyncReceiver(WeChatCrypto(cb["token"], cb["encoding_aes_key"], mock.corpid))
    resp = mock.http.put(mock.base + "/mock/contact_sync/callback", json={"url": r.url}, timeout=TIMEOUT_S)
    assert resp.status_code == 200 and resp.json()["verified"] is True, resp.text
    yield r
    r.close()


def test_the_sync_secret_reads_everything_and_sends_nothing(sync_client, strict_client):
    assert sync_client.user.get("qianqi")["name"] == "钱七"
    assert errcode(lambda: sync_client.message.send_text(BOT_AGENTID, "zhangsan", "hi")) == 48002
    assert errcode(lambda: sync_client.jsapi.get_ticket()) == 48002
    assert errcode(lambda: strict_client.user.create("newbie", "新人", department=[2], mobile="13900000001")) == 60011
    assert errcode(lambda: strict_client.post("user/list_id", data={"limit": 10})) == 48002


def test_departments_get_and_simple_list(client, hr_client):
    d = client.department.get(2)
    assert d == {"id": 2, "name": "销售部", "name_en": "Sales", "department_leader": ["zhangsan"], "parentid": 1, "order": 1}
    assert [x["id"] for x in client.department.simple_list()] == [1, 2, 3, 4, 5]
    assert hr_client.department.simple_list(2) == [{"id": 2, "parentid": 1, "order": 1}, {"id": 5, "parentid": 2, "order": 1}]
    assert errcode(lambda: hr_client.department.get(4)) == 60011


def test_a_member_created_by_sync_is_seen_by_apps_in_scope_and_pushed(sync_client, hr_client, receiver, mock):
    res = sync_client.user.create("zhouyi", "周一", department=[5], mobile="13900000001", gender=2, email="zhouyi@demo.example")
    assert res["errcode"] == 0 and res["errmsg"] == "created"
    event = receiver.next()
    assert (event["Event"], event["ChangeType"], event["UserID"], event["Department"]) == ("change_contact", "create_user", "zhouyi", "5")
    assert hr_client.user.get("zhouyi")["mobile"] == "13900000001"
    assert hr_client.user.getuserid("13900000001") == "zhouyi"
    hr_client.message.send_text(HR_AGENTID, "zhouyi", "欢迎")
    assert mock.user_inbox("zhouyi")["n_total"] == 1
    sync_client.user.update("zhouyi", department=[4], position="Engineer")
    event = receiver.next()
    assert (event["ChangeType"], event["Department"], event["Position"]) == ("update_user", "4", "Engineer")
    assert "Name" not in event, "an update names only what changed"
    assert errcode(lambda: hr_client.user.get("zhouyi")) == 60011
    sync_client.user.delete("zhouyi")
    assert receiver.next()["ChangeType"] == "delete_user"
    assert errcode(lambda: sync_client.user.get("zhouyi")) == 60111


def test_refused_writes_name_the_rule(sync_client, mock):
    before = mock.get("/mock/world")
    assert errcode(lambda: sync_client.user.create("zhangsan", "重复", department=[2], mobile="13900000009")) == 60102
    assert errcode(lambda: sync_client.user.create("newbie", "新人", department=[2], mobile="13800000001")) == 60104
    assert errcode(lambda: sync_client.user.create("newbie", "新人", department=[42], mobile="13900000009")) == 60003
    assert errcode(lambda: sync_client.user.batch_delete(["lisi", "ghost"])) == 60111
    assert errcode(lambda: sync_client.department.delete(1)) == 60007
    assert errcode(lambda: sync_client.department.create("华东销售", parent_id=2)) == 60008
    assert mock.get("/mock/world") == before


def test_departments_by_sync(sync_client, receiver):
    res = sync_client.department.create("广州研发", parent_id=4, order=3, name_en="GZ R&D")
    assert res["errcode"] == 0 and res["id"] == 6
    event = receiver.next()
    assert (event["ChangeType"], event["Id"], event["ParentId"]) == ("create_party", "6", "4")
    sync_client.department.update(6, name="广州研究院")
    assert receiver.next()["Name"] == "广州研究院"
    assert sync_client.department.get(6)["name_en"] == "GZ R&D"
    sync_client.department.delete(6)
    assert receiver.next()["ChangeType"] == "delete_party"


def test_tags_by_sync(sync_client, client, receiver):
    tagid = sync_client.tag.create("值班")["tagid"]
    res = sync_client.tag.add_users(tagid, user_ids=["lisi", "ghost"], department_ids=[4])
    assert res["errcode"] == 0 and res["invalidlist"] == "ghost"
    event = receiver.next()
    assert (event["ChangeType"], event["TagId"], event["AddUserItems"], event["AddPartyItems"]) == ("update_tag", str(tagid), "lisi", "4")
    got = client.tag.get_users(tagid)
    assert [u["userid"] for u in got["userlist"]] == ["lisi"] and got["partylist"] == [4]
    sync_client.tag.delete_users(tagid, user_ids=["lisi"])
    assert receiver.next()["DelUserItems"] == "lisi"
    sync_client.tag.update(tagid, "夜班")
    assert any(t["tagname"] == "夜班" for t in client.tag.list())
    assert errcode(lambda: sync_client.tag.create("夜班")) == 40071
    sync_client.tag.delete(tagid)
    assert all(t["tagid"] != tagid for t in client.tag.list())


def test_batch_imports(sync_client, mock):
    csv = "姓名,帐号,手机号,所在部门,职位\n周一,zhouyi,13900000001,2;4,Sales\n李四,lisi,13800000002,5,Account Manager\n"
    media_id = sync_client.media.upload("file", ("users.csv", csv.encode("utf-8"), "text/csv"))["media_id"]
    job = sync_client.batch.sync_user("http://127.0.0.1:9/unused", "Token", "A" * 43, media_id, to_invite=False)
    result = sync_client.batch.get_result(job["jobid"])
    assert (result["status"], result["type"], result["total"], result["percentage"]) == (3, "sync_user", 2, 100)
    assert [r["errcode"] for r in result["result"]] == [0, 0]
    assert sync_client.user.get("zhouyi")["department"] == [2, 4]
    job = sync_client.batch.replace_user("http://127.0.0.1:9/unused", "Token", "A" * 43, media_id, to_invite=False)
    assert sync_client.batch.get_result(job["jobid"])["type"] == "replace_user"
    assert errcode(lambda: sync_client.user.get("zhangsan")) == 60111, "left out of the file: deleted"
    parties = "部门名称,部门ID,父部门ID,排序\n销售部,2,1,1\n华东销售,5,2,1\n研发部,4,1,3\n"
    pid = sync_client.media.upload("file", ("parties.csv", parties.encode("utf-8"), "text/csv"))["media_id"]
    job = sync_client.batch.replace_party("http://127.0.0.1:9/unused", "Token", "A" * 43, pid)
    assert sync_client.batch.get_result(job["jobid"])["type"] == "replace_party"
    assert [d["id"] for d in sync_client.department.simple_list()] == [1, 2, 4, 5], "客服部 (3) was empty: removed"


def test_list_id_pages(sync_client):
    rows, cursor = [], ""
    while True:
        res = sync_client.post("user/list_id", data={"cursor": cursor, "limit": 3})
        rows += res["dept_user"]
        cursor = res["next_cursor"]
        if not cursor:
            break
    assert len(rows) == 7 and {"userid": "zhaoliu", "department": 3} in rows


def test_oauth_code_and_openid(client, make_client, mock):
    code = mock.post("/mock/oauth/code", {"agentid": BOT_AGENTID, "userid": "lisi"})["code"]
    info = client.oauth.get_user_info(code)
    assert info["UserId"] == "lisi"
    assert errcode(lambda: make_client(BOT_AGENTID, auto_retry=False).oauth.get_user_info(code)) == 40029
    code = mock.post("/mock/oauth/code", {"agentid": BOT_AGENTID, "userid": "wangwu"})["code"]
    assert client.get("auth/getuserinfo", params={"code": code})["userid"] == "wangwu"
    a = client.user.convert_to_openid("lisi")["openid"]
    assert a == client.user.convert_to_openid("lisi")["openid"] and a.startswith("o")


def test_jsapi_tickets_and_a_signature_the_mock_accepts(client, mock):
    corp = client.jsapi.get_ticket()
    agent = client.jsapi.get_agent_ticket()
    assert corp["expires_in"] == 7200 and agent["expires_in"] == 7200
    assert corp["ticket"] != agent["ticket"]
    assert client.jsapi.get_ticket()["ticket"] == corp["ticket"], "stable while valid"
    url = "http://127.0.0.1:9/sidebar?from=chat"
    sig = client.jsapi.get_jsapi_signature("Wm3WZYTPz0wzccnW", corp["ticket"], 1414587457, url)
    check = {"noncestr": "Wm3WZYTPz0wzccnW", "timestamp": 1414587457, "url": url, "signature": sig}
    assert mock.post("/mock/jsapi/verify", check)["valid"] is True
    assert mock.post("/mock/jsapi/verify", {**check, "agentid": BOT_AGENTID})["valid"] is False
    agent_sig = client.jsapi.get_jsapi_signature("Wm3WZYTPz0wzccnW", agent["ticket"], 1414587457, url)
    assert mock.post("/mock/jsapi/verify", {**check, "signature": agent_sig, "agentid": BOT_AGENTID})["valid"] is True
