//! An AI bot's callback URL at run time, as an app's: `PUT /mock/aibots/{botid}/callback {"url"}` verifies it as
//! WeCom does (a GET with msg_signature, timestamp, nonce and an echostr sealed with receiveid `""`, answered with
//! the decrypted echostr within a second) and then pushes go there; `DELETE` goes back to the fixture's URL.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::apps::{verify_and_set, CallbackUrl};
use super::{body, not_found, PathParams, Refused, WithState};
use crate::callback::{aibot_receiver, ReceiverId};

fn receiver(st: &crate::State, botid: &str) -> Result<ReceiverId, Refused> {
    let key = st
        .world()
        .aibot(botid)
        .ok_or_else(|| not_found(format!("no aibot {botid}")))?;
    Ok(aibot_receiver(key))
}

/// `PUT /mock/aibots/{botid}/callback {"url"}`: set once the URL passes WeCom's verification; 400 when the bot
/// has no callback keys in the fixture or the URL does not answer as it should.
pub(super) async fn set(
    State(st): WithState,
    PathParams(botid): PathParams<String>,
    bytes: bytes::Bytes,
) -> Result<Json<Value>, Refused> {
    let CallbackUrl { url } = body(&bytes)?;
    let receiver = receiver(&st, &botid)?;
    verify_and_set(&st, receiver, &url).await?;
    Ok(Json(
        json!({ "botid": botid, "url": url, "verified": true }),
    ))
}

/// `DELETE /mock/aibots/{botid}/callback`: the URL set at run time is forgotten; the fixture's (if any) again.
pub(super) async fn forget(
    State(st): WithState,
    PathParams(botid): PathParams<String>,
) -> Result<Json<Value>, Refused> {
    let receiver = receiver(&st, &botid)?;
    let forgot = st.callbacks.forget_url(receiver);
    let url = st.callbacks.url(&st, receiver);
    Ok(Json(
        json!({ "botid": botid, "url": url, "forgot": forgot }),
    ))
}
