//! The employees' side of an app, and its callback settings: a member writes in an app (the mock pushes the
//! message to the app's callback URL), the URL is set (and verified as WeCom verifies it), attempts are read.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

use super::inbound::Inbound;
use super::{bad_request, body, not_found, PathParams, QueryString, Refused, WithState};
use crate::callback::{crypt_for, Push, ReceiverId};
use crate::state::State as Shared;
use crate::store::InboxId;

#[derive(Deserialize)]
pub struct CorpQuery {
    corpid: Option<String>,
}

fn receiver(st: &Shared, agentid: i64, q: &CorpQuery) -> Result<ReceiverId, Refused> {
    let world = st.world();
    let corp = match &q.corpid {
        Some(c) => world
            .corp_index(c)
            .ok_or_else(|| not_found(format!("no corp {c}")))?,
        None => 0,
    };
    world.corps[corp]
        .app(agentid)
        .ok_or_else(|| not_found(format!("no app {agentid}")))?;
    Ok((corp, agentid))
}

/// What a member may send in an app.
const APP_TYPES: &[&str] = &[
    "text", "image", "voice", "video", "location", "link", "event",
];

/// `POST /mock/apps/{agentid}/messages {"from": userid, "content": text}` (or any [`Inbound`] type, a menu click
/// being `{"msgtype": "event", "event": {"event": "click", "event_key": …}}`): a member writes in the app.
pub async fn member_message(
    State(st): WithState,
    PathParams(agentid): PathParams<i64>,
    QueryString(q): QueryString<CorpQuery>,
    bytes: bytes::Bytes,
) -> Result<Json<Value>, Refused> {
    let m: Inbound = body(&bytes)?;
    let (corp, agentid) = receiver(&st, agentid, &q)?;
    let sim = st.sim();
    let c = &sim.world.corps[corp];
    let from = m.from.as_deref().unwrap_or_default();
    let user_index = c
        .user_index(from)
        .ok_or_else(|| bad_request(format!("no member {from:?}")))?;
    if !c.app(agentid).is_some_and(|a| a.can_see(user_index)) {
        return Err(bad_request(format!(
            "member {from} is not in app {agentid}'s scope"
        )));
    }
    let message = m.message(&st, &sim, corp, APP_TYPES)?;
    let seq = st.ids.next_seq();
    let user = &c.member(user_index);
    let plaintext = message.app_xml(
        &c.corpid,
        &user.userid,
        st.clock.now_s(),
        seq as i64,
        agentid,
    );
    let msgid = seq.to_string();
    let reply_to = Some(InboxId::User {
        corp,
        user: user_index,
    });
    let push = Push {
        receiver: (corp, agentid),
        msgid: msgid.clone(),
        plaintext,
        reply_to,
        customer: None,
    };
    st.callbacks.dispatch(&st, push);
    Ok(Json(json!({ "msgid": msgid })))
}

/// The body that sets a receiver's URL (an app's, the contacts-sync receiver's).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CallbackUrl {
    pub(super) url: String,
}

/// `PUT /mock/apps/{agentid}/callback {"url": …}`: set only if the URL answers WeCom's verification GET with
/// the decrypted echostr, within the second WeCom allows.
pub async fn set_callback(
    State(st): WithState,
    PathParams(agentid): PathParams<i64>,
    QueryString(q): QueryString<CorpQuery>,
    bytes: bytes::Bytes,
) -> Result<Json<Value>, Refused> {
    let CallbackUrl { url } = body(&bytes)?;
    let receiver = receiver(&st, agentid, &q)?;
    verify_and_set(&st, receiver, &url).await?;
    Ok(Json(
        json!({ "agentid": agentid, "url": url, "verified": true }),
    ))
}

/// `DELETE /mock/apps/{agentid}/callback`: the URL set at run time is forgotten and pushes go to the fixture's
/// URL again (not verified: nothing is being set, and whoever set a URL can give it back this way even when
/// nothing listens at the fixture's).
pub async fn forget_callback(
    State(st): WithState,
    PathParams(agentid): PathParams<i64>,
    QueryString(q): QueryString<CorpQuery>,
) -> Result<Json<Value>, Refused> {
    let receiver = receiver(&st, agentid, &q)?;
    let forgot = st.callbacks.forget_url(receiver);
    let url = st.callbacks.url(&st, receiver);
    Ok(Json(
        json!({ "agentid": agentid, "url": url, "forgot": forgot }),
    ))
}

/// Verifies a receiver's URL as WeCom does (a GET with an encrypted echostr that must come back decrypted,
/// within a second), then uses it for the receiver's pushes.
pub(super) async fn verify_and_set(
    st: &Shared,
    receiver: ReceiverId,
    url: &str,
) -> Result<(), Refused> {
    let crypt = crypt_for(st, receiver)
        .ok_or_else(|| bad_request("the receiver has no callback token and key"))?;
    let echo = fastrand::u64(..).to_string();
    let random: [u8; 16] = std::array::from_fn(|_| fastrand::alphanumeric() as u8);
    let echostr = crypt.encrypt(echo.as_bytes(), &random);
    let timestamp = st.clock.now_s().to_string();
    let nonce = fastrand::u32(100_000_000..999_999_999).to_string();
    let signature = crypt.signature(&timestamp, &nonce, &echostr);
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(1))
        .build()
        .map_err(|e| bad_request(format!("cannot make an HTTP client: {e}")))?;
    let reply = client
        .get(url)
        .query(&[
            ("msg_signature", signature.as_str()),
            ("timestamp", &timestamp),
            ("nonce", &nonce),
            ("echostr", &echostr),
        ])
        .send()
        .await
        .map_err(|e| bad_request(format!("URL verification failed: {e}")))?;
    let status = reply.status();
    let text = reply.text().await.unwrap_or_default();
    if !status.is_success() || text != echo {
        return Err(bad_request(format!(
            "URL verification failed: expected HTTP 200 with the decrypted echostr {echo:?}, got {status} {text:?}"
        )));
    }
    st.callbacks.set_url(receiver, url.to_owned());
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrustedList {
    ips: Vec<String>,
}

/// `GET /mock/apps/{agentid}/trusted_ips`: the app's 企业可信IP list; empty when calls may come from anywhere.
pub async fn trusted_ips(
    State(st): WithState,
    PathParams(agentid): PathParams<i64>,
    QueryString(q): QueryString<CorpQuery>,
) -> Result<Json<Value>, Refused> {
    let (corp, agentid) = receiver(&st, agentid, &q)?;
    Ok(Json(
        json!({ "agentid": agentid, "ips": st.trusted_ips.get(corp, agentid) }),
    ))
}

/// `PUT /mock/apps/{agentid}/trusted_ips {"ips": ["203.0.113.7", "10.0.0.0/8"]}`: from now on the app's API calls
/// from any other address get 60020, as after a bot moves to a host the admin has not listed. `[]` turns it off.
/// `POST /mock/reset` restores the fixture's list.
pub async fn set_trusted_ips(
    State(st): WithState,
    PathParams(agentid): PathParams<i64>,
    QueryString(q): QueryString<CorpQuery>,
    bytes: bytes::Bytes,
) -> Result<Json<Value>, Refused> {
    let TrustedList { ips } = body(&bytes)?;
    let (corp, agentid) = receiver(&st, agentid, &q)?;
    let nets = ips
        .iter()
        .map(|ip| crate::trusted::parse(ip))
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad_request)?;
    st.trusted_ips.set(corp, agentid, nets);
    Ok(Json(
        json!({ "agentid": agentid, "ips": st.trusted_ips.get(corp, agentid) }),
    ))
}

#[derive(serde::Serialize)]
struct AttemptPage {
    attempts: Vec<crate::callback::Attempt>,
}

#[derive(Deserialize)]
pub struct AttemptsQuery {
    limit: Option<usize>,
    msgid: Option<String>,
}

/// `GET /mock/callbacks?limit=&msgid=`: delivery attempts, newest first (`limit` 100 by default), one message's
/// when `msgid` is given. Written on a blocking thread: a page may hold megabytes of plaintext and replies.
pub async fn attempts(
    State(st): WithState,
    QueryString(q): QueryString<AttemptsQuery>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let page = tokio::task::spawn_blocking(move || {
        let list = st
            .callbacks
            .attempts
            .newest(q.limit.unwrap_or(100), q.msgid.as_deref());
        serde_json::to_vec(&AttemptPage { attempts: list })
    });
    match page.await {
        Ok(Ok(json)) => (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            json,
        )
            .into_response(),
        _ => axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
