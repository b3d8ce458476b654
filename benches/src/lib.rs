//! The baselines the mock is measured against: bare axum handlers that do the same parse and reply as the mock's
//! `message/send`, `externalcontact/get` and `kf/sync_msg`, and nothing else (no token, no routing, no store, no
//! journal, no metrics).

use axum::body::Bytes;
use axum::extract::RawQuery;
use axum::http::{header, StatusCode};
use axum::routing::{get, post};
use axum::Router;

use wecom_wire::externalcontact::{ExternalContact, FollowUser, GetResponse};
use wecom_wire::kf::SyncMsg;
use wecom_wire::message::{SendRequest, SendResponse};
use wecom_wire::Envelope;

/// The same body the benchmarks send to both servers.
pub const BODY: &str = r#"{"touser":"lisi","msgtype":"text","agentid":1000002,"text":{"content":"负载测试 load test message"},"safe":0}"#;

/// The customer `externalcontact/get` is asked for: the demo's 小红, whom two members follow.
pub const CUSTOMER: &str = "wmDemoXiaoHong00000000000000002B";

/// The `kf/sync_msg` body both servers get: a page of [`N_SYNC_MESSAGES`] from the demo's support desk.
pub const SYNC_BODY: &str = r#"{"limit":10,"open_kfid":"wkDemoSupportDesk00000000000001A"}"#;

/// Messages in the page `kf/sync_msg` answers (the bench has the customer write this many first).
pub const N_SYNC_MESSAGES: usize = 10;

type Answer = (StatusCode, [(header::HeaderName, &'static str); 1], Vec<u8>);

fn json(bytes: Vec<u8>) -> Answer {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        bytes,
    )
}

fn refused() -> Answer {
    json(br#"{"errcode":40058}"#.to_vec())
}

async fn send(body: Bytes) -> Answer {
    let Ok(req) = serde_json::from_slice::<SendRequest>(&body) else {
        return refused();
    };
    let reply = SendResponse {
        msgid: format!("{}", req.agentid.unwrap_or(0)),
        ..SendResponse::default()
    };
    json(serde_json::to_vec(&Envelope::ok(reply)).unwrap_or_default())
}

/// The mock's answer for [`CUSTOMER`], made from owned strings per call as the mock makes it from its world.
async fn external_contact(RawQuery(q): RawQuery) -> Answer {
    let q = q.unwrap_or_default();
    let Some(id) = form_value(&q, "external_userid") else {
        return refused();
    };
    let follow = |userid: &str| FollowUser {
        userid: userid.to_owned(),
        remark: String::new(),
        description: String::new(),
        createtime: 1_735_689_660,
        tags: Vec::new(),
        remark_corp_name: String::new(),
        remark_mobiles: Vec::new(),
        oper_userid: userid.to_owned(),
        add_way: 1,
        state: String::new(),
    };
    let reply = GetResponse {
        external_contact: ExternalContact {
            external_userid: id.to_owned(),
            name: "小红".to_owned(),
            position: String::new(),
            avatar: String::new(),
            corp_name: String::new(),
            corp_full_name: String::new(),
            kind: 1,
            gender: 2,
            unionid: "oDemoUnionXiaoHong0000000002".to_owned(),
        },
        follow_user: vec![follow("zhangsan"), follow("lisi")],
        next_cursor: String::new(),
    };
    json(serde_json::to_vec(&Envelope::ok(reply)).unwrap_or_default())
}

fn form_value<'q>(query: &'q str, key: &str) -> Option<&'q str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find_map(|(k, v)| (k == key).then_some(v))
}

/// A page of stored messages spliced in as they are, as the mock answers it.
async fn sync_msg(body: Bytes) -> Answer {
    let Ok(req) = serde_json::from_slice::<SyncMsg>(&body) else {
        return refused();
    };
    if req.open_kfid.as_deref().is_none_or(str::is_empty) {
        return refused();
    }
    let items = stored_messages();
    let size: usize = items.iter().map(|m| m.len() + 1).sum();
    let mut out = Vec::with_capacity(96 + size);
    out.extend_from_slice(
        br#"{"errcode":0,"errmsg":"ok","next_cursor":"901613d23","has_more":0,"msg_list":["#,
    );
    for (i, m) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(m.as_bytes());
    }
    out.extend_from_slice(b"]}");
    json(out)
}

/// What the mock keeps for each message a customer wrote: its JSON, made once when it arrived.
fn stored_messages() -> &'static [String] {
    static STORED: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    STORED.get_or_init(|| {
        (1..=N_SYNC_MESSAGES)
            .map(|i| {
                serde_json::json!({
                    "external_userid": CUSTOMER,
                    "msgid": format!("e8ed230f{:016}", 2 * i),
                    "msgtype": "text",
                    "open_kfid": "wkDemoSupportDesk00000000000001A",
                    "origin": 3,
                    "send_time": 1_796_176_110,
                    "text": { "content": format!("你好，我想问一下订单 {i} 的物流") },
                })
                .to_string()
            })
            .collect()
    })
}

pub fn bare_app() -> Router {
    Router::new()
        .route("/cgi-bin/message/send", post(send))
        .route("/cgi-bin/externalcontact/get", get(external_contact))
        .route("/cgi-bin/kf/sync_msg", post(sync_msg))
}
