//! `spawn_app()`: a mock-server on an ephemeral loopback port, with a client and shortcuts.

use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;

use mock_server::{Config, State};

pub const CORPID: &str = "ww5e2d1c0b9a8f7e6d";
pub const BOT_SECRET: &str = "demo-bot-secret-0123456789abcdefghijklmnopq";
pub const HR_SECRET: &str = "hr-notice-secret-0123456789abcdefghijklmnop";
pub const BOT_AGENTID: i64 = 1_000_002;
pub const HR_AGENTID: i64 = 1_000_003;
pub const ROBOT_KEY: &str = "8b7a6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d";
pub const KF_ACCOUNT: &str = "wkDemoSupportDesk00000000000001A";
/// 小明, an external contact of zhangsan.
pub const CUSTOMER: &str = "wmDemoXiaoMing00000000000000001A";

pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-tiny-png";
pub const AMR: &[u8] = b"#!AMR\n\x3c\x48\xf5\x1f";
pub const MP4: &[u8] = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom";

pub struct App {
    pub addr: SocketAddr,
    pub state: Arc<State>,
    pub http: reqwest::Client,
    _stop: Option<mock_server::Stop>,
}

pub async fn spawn_app() -> App {
    spawn_state(State::demo(Config::default()).unwrap_or_else(|e| panic!("demo: {e}"))).await
}

pub async fn spawn_state(state: Arc<State>) -> App {
    spawn_with_limits(state, mock_server::Limits::default()).await
}

/// [`spawn_state`] with the connection layer's limits chosen.
pub async fn spawn_with_limits(state: Arc<State>, limits: mock_server::Limits) -> App {
    let (addr, stop) = mock_server::spawn(state.clone(), limits)
        .await
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    App {
        addr,
        state,
        http: reqwest::Client::new(),
        _stop: Some(stop),
    }
}

/// Serves a test peer (a bot) on an ephemeral loopback port; returns `http://127.0.0.1:PORT`.
pub async fn serve_on_loopback(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

impl App {
    /// A mock the caller started and stops itself.
    pub fn at(addr: SocketAddr, state: Arc<State>) -> App {
        App {
            addr,
            state,
            http: reqwest::Client::new(),
            _stop: None,
        }
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{}", self.addr, path_and_query)
    }

    pub async fn token_for(&self, corpid: &str, secret: &str) -> String {
        let v = self
            .get(&format!(
                "/cgi-bin/gettoken?corpid={corpid}&corpsecret={secret}"
            ))
            .await;
        assert_eq!(v["errcode"], 0, "{v}");
        v["access_token"].as_str().unwrap_or_default().to_owned()
    }

    pub async fn token(&self) -> String {
        self.token_for(CORPID, BOT_SECRET).await
    }

    pub async fn get(&self, pq: &str) -> Value {
        ok_json(self.http.get(self.url(pq)), &format!("GET {pq}")).await
    }

    pub async fn post(&self, pq: &str, body: Value) -> Value {
        self.post_raw(pq, body.to_string().into_bytes()).await
    }

    /// A POST with no Content-Type, as wechatpy sends it.
    pub async fn post_raw(&self, pq: &str, body: Vec<u8>) -> Value {
        ok_json(
            self.http.post(self.url(pq)).body(body),
            &format!("POST {pq}"),
        )
        .await
    }

    pub async fn upload(&self, pq: &str, field: &str, filename: &str, data: &[u8]) -> Value {
        let part = reqwest::multipart::Part::bytes(data.to_vec()).file_name(filename.to_owned());
        let form = reqwest::multipart::Form::new().part(field.to_owned(), part);
        ok_json(
            self.http.post(self.url(pq)).multipart(form),
            &format!("upload {pq}"),
        )
        .await
    }

    pub async fn send(&self, token: &str, body: Value) -> Value {
        self.post(&format!("/cgi-bin/message/send?access_token={token}"), body)
            .await
    }

    pub async fn text_to(&self, token: &str, touser: &str, content: &str) -> Value {
        self.send(token, json!({"touser": touser, "msgtype": "text", "agentid": BOT_AGENTID, "text": {"content": content}}))
            .await
    }

    pub async fn inbox(&self, userid: &str) -> Value {
        self.get(&format!("/mock/inboxes/user/{userid}")).await
    }

    pub async fn advance(&self, seconds: i64) {
        let r = self
            .http
            .post(self.url("/mock/clock/advance"))
            .json(&json!({"seconds": seconds}))
            .send()
            .await;
        assert!(r.is_ok_and(|r| r.status() == 200));
    }

    /// What `media/get` serves for the id, whatever it is.
    pub async fn media_bytes(&self, token: &str, media_id: &str) -> Vec<u8> {
        let pq = format!("/cgi-bin/media/get?access_token={token}&media_id={media_id}");
        let r = self.http.get(self.url(&pq)).send().await;
        let r = r.unwrap_or_else(|e| panic!("GET {pq}: {e}"));
        r.bytes().await.map(|b| b.to_vec()).unwrap_or_default()
    }

    pub async fn media_id(&self, token: &str, kind: &str, data: &[u8]) -> String {
        let v = self
            .upload(
                &format!("/cgi-bin/media/upload?access_token={token}&type={kind}"),
                "media",
                "f.bin",
                data,
            )
            .await;
        assert_eq!(v["errcode"], 0, "{v}");
        v["media_id"].as_str().unwrap_or_default().to_owned()
    }
}

/// Sends a request that must get HTTP 200 with a JSON body, and returns the body.
async fn ok_json(req: reqwest::RequestBuilder, what: &str) -> Value {
    let r = req.send().await.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(r.status(), 200, "{what}");
    r.json()
        .await
        .unwrap_or_else(|e| panic!("{what}: not JSON: {e}"))
}

/// The errcode of an answer, or a panic that shows it.
pub fn code(v: &Value) -> i64 {
    v["errcode"]
        .as_i64()
        .unwrap_or_else(|| panic!("no numeric errcode in {v}"))
}

/// A `POST /cgi-bin/externalcontact/<path>` with `token`: the 客户联系 tests' one call.
pub async fn ec(app: &App, token: &str, path: &str, body: Value) -> Value {
    app.post(
        &format!("/cgi-bin/externalcontact/{path}?access_token={token}"),
        body,
    )
    .await
}
