//! The callback endpoint WeCom calls: the URL verification GET and the encrypted pushes, answered at once so
//! WeCom never waits on the bot's own API calls.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use serde::Deserialize;
use std::future::Future;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use tokio::net::TcpListener;

use wecom_wire::callback::{parse_fields, parse_push_envelope};

use crate::Bot;

type Answered = (StatusCode, &'static str);

const SUCCESS: Answered = (StatusCode::OK, "success");

/// Every parameter is optional here so that a missing one is answered like any other bad input.
#[derive(Debug, Deserialize)]
struct Signed {
    msg_signature: Option<String>,
    timestamp: Option<String>,
    nonce: Option<String>,
    echostr: Option<String>,
}

/// The callback route on the configured path; every other path is 404.
pub fn router(bot: Arc<Bot>) -> Router {
    let path = bot.config().path.clone();
    Router::new()
        .route(&path, get(verify).post(push))
        .with_state(bot)
}

/// Serves callbacks on `listener` until `shutdown` completes, then lets requests in progress finish.
pub async fn serve(
    listener: TcpListener,
    bot: Arc<Bot>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(bot))
        .with_graceful_shutdown(shutdown)
        .await
}

fn bad(reason: &'static str) -> Answered {
    (StatusCode::BAD_REQUEST, reason)
}

/// `GET ?msg_signature&timestamp&nonce&echostr`: proves the bot holds the keys by answering the plaintext.
async fn verify(
    State(bot): State<Arc<Bot>>,
    query: Result<Query<Signed>, QueryRejection>,
) -> Result<Vec<u8>, Answered> {
    let Ok(Query(q)) = query else {
        return Err(bad("malformed query"));
    };
    let (Some(sig), Some(ts), Some(nonce), Some(echostr)) =
        (q.msg_signature, q.timestamp, q.nonce, q.echostr)
    else {
        return Err(bad("missing msg_signature, timestamp, nonce or echostr"));
    };
    match bot.crypt.verify_url(&sig, &ts, &nonce, &echostr) {
        Ok(plain) => {
            bot.core.counters.n_verifications.fetch_add(1, Relaxed);
            Ok(plain)
        }
        Err(_) => Err(bad("verification failed")),
    }
}

/// `POST ?msg_signature&timestamp&nonce` with the envelope: decrypts, hands kf wake-ups to the puller, and
/// acknowledges everything else unread.
async fn push(
    State(bot): State<Arc<Bot>>,
    query: Result<Query<Signed>, QueryRejection>,
    body: Bytes,
) -> Answered {
    let n = bot.core.counters.n_callbacks.fetch_add(1, Relaxed);
    if fails(bot.config.fail_percent, bot.config.fail_seed, n) {
        bot.core.counters.n_refused.fetch_add(1, Relaxed);
        return (StatusCode::SERVICE_UNAVAILABLE, "flaky on purpose");
    }
    let answered = handle_push(&bot, query, &body);
    if answered.0 != StatusCode::OK {
        bot.core.counters.n_bad_callbacks.fetch_add(1, Relaxed);
    }
    answered
}

/// Whether push number `n` is one a flaky bot refuses.
fn fails(percent: u8, seed: u64, n: u64) -> bool {
    if percent == 0 {
        return false;
    }
    // SplitMix64 of (seed, n): a fixed, evenly spread choice.
    let mut z = seed.wrapping_add(n.wrapping_mul(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    z ^= z >> 31;
    z % 100 < u64::from(percent)
}

fn handle_push(
    bot: &Arc<Bot>,
    query: Result<Query<Signed>, QueryRejection>,
    body: &[u8],
) -> Answered {
    let Ok(Query(q)) = query else {
        return bad("malformed query");
    };
    let (Some(sig), Some(ts), Some(nonce)) = (q.msg_signature, q.timestamp, q.nonce) else {
        return bad("missing msg_signature, timestamp or nonce");
    };
    let Ok(body) = std::str::from_utf8(body) else {
        return bad("body is not UTF-8");
    };
    let Ok(envelope) = parse_push_envelope(body) else {
        return bad("body is not a callback envelope");
    };
    let Ok(plain) = bot
        .crypt
        .decrypt_verified(&sig, &ts, &nonce, &envelope.encrypt)
    else {
        return bad("signature or decryption failed");
    };
    let Ok(plain) = String::from_utf8(plain) else {
        return bad("message is not UTF-8");
    };
    let Ok(fields) = parse_fields(&plain) else {
        return bad("message is not XML");
    };
    let is_kf =
        fields.get("MsgType") == Some("event") && fields.get("Event") == Some("kf_msg_or_event");
    if !is_kf {
        bot.core.counters.n_other_callbacks.fetch_add(1, Relaxed);
        return SUCCESS;
    }
    let (Some(token), Some(open_kfid)) = (fields.get("Token"), fields.get("OpenKfId")) else {
        return bad("kf_msg_or_event without Token or OpenKfId");
    };
    bot.core.counters.n_kf_callbacks.fetch_add(1, Relaxed);
    bot.pullers.wake(&bot.core, open_kfid, token);
    SUCCESS
}

#[cfg(test)]
mod tests;
