//! The long connection's WebSocket, at `/` on the mock's port (and, through the proxy, as
//! `wss://openws.work.weixin.qq.com`): the bot subscribes, then pings, answers and sends; each request is
//! acked with its own `req_id`.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use axum::Extension;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

use wecom_wire::aibot::{self, Frame, Subscribe};
use wecom_wire::Errcode;

use super::OUTBOX_FRAMES;
use crate::serve::Taken;
use crate::state::State as Shared;

/// A bot that has not subscribed within this is closed: a connection that never authenticates holds nothing.
const SUBSCRIBE_WITHIN: Duration = Duration::from_secs(10);

pub(crate) async fn upgrade(
    State(st): State<Arc<Shared>>,
    taken: Option<Extension<Taken>>,
    ws: WebSocketUpgrade,
) -> Response {
    // Held while the session lives: the connection's HTTP deadlines would otherwise close it mid-session.
    let busy = taken.map(|Extension(t)| t.hold());
    ws.on_upgrade(move |socket| async move {
        session(st, socket).await;
        drop(busy);
    })
}

fn text(frame: &Frame) -> Message {
    Message::Text(serde_json::to_string(frame).unwrap_or_default().into())
}

/// The next JSON frame from the bot; None when it closed (or sent something that is not a frame, which
/// WeCom closes on too).
async fn next(socket: &mut WebSocket) -> Option<Frame> {
    loop {
        match socket.recv().await? {
            Ok(Message::Text(t)) => return serde_json::from_str(t.as_str()).ok(),
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            Ok(_) | Err(_) => return None,
        }
    }
}

async fn session(st: Arc<Shared>, mut socket: WebSocket) {
    let Ok(Some(key)) = tokio::time::timeout(SUBSCRIBE_WITHIN, subscribe(&st, &mut socket)).await
    else {
        return;
    };
    let (tx, mut rx) = mpsc::channel(OUTBOX_FRAMES);
    let botid = st.world().corps[key.0].aibots[key.1].botid.clone();
    let id = st.aibots.take_over(key, tx, &botid);
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(frame) => {
                    let last = is_disconnected(&frame);
                    if socket.send(text(&frame)).await.is_err() || last {
                        break;
                    }
                }
                None => break,
            },
            got = next(&mut socket) => match got {
                Some(frame) => {
                    let ack = answer(&st, key, &frame);
                    if socket.send(text(&ack)).await.is_err() {
                        break;
                    }
                }
                None => break,
            },
        }
    }
    st.aibots.left(key, id);
}

/// Frames until one subscribes with the right secret (acked 0), each wrong one refused with the socket kept
/// open, as WeCom does; None when the bot goes away first.
async fn subscribe(st: &Shared, socket: &mut WebSocket) -> Option<(usize, usize)> {
    loop {
        let f = next(socket).await?;
        let (ack, key) = match subscribed(st, &f) {
            Some(key) => (Frame::ack(&f.headers.req_id, 0, "ok"), Some(key)),
            None => {
                let (code, msg) = aibot::INVALID_CREDENTIALS;
                (Frame::ack(&f.headers.req_id, code, msg), None)
            }
        };
        socket.send(text(&ack)).await.ok()?;
        if key.is_some() {
            return key;
        }
    }
}

fn is_disconnected(f: &Frame) -> bool {
    f.body["event"]["eventtype"] == aibot::DISCONNECTED_EVENT
}

/// The bot `aibot_subscribe` names, when its secret is the bot's.
fn subscribed(st: &Shared, f: &Frame) -> Option<(usize, usize)> {
    if f.cmd.as_deref() != Some(aibot::SUBSCRIBE) {
        return None;
    }
    let s: Subscribe = serde_json::from_value(f.body.clone()).ok()?;
    let world = st.world();
    let (ci, bi) = world.aibot(&s.bot_id)?;
    let secret = &world.corps[ci].aibots[bi].secret;
    crate::control::token_matches(s.secret.as_bytes(), secret).then_some((ci, bi))
}

/// The ack of one request from the bot.
fn answer(st: &Shared, key: (usize, usize), f: &Frame) -> Frame {
    let req_id = &f.headers.req_id;
    let refused = match f.cmd.as_deref() {
        Some(aibot::RESPOND_MSG) => super::respond(st, key, req_id, &f.body).err(),
        Some(aibot::RESPOND_WELCOME) => super::welcome(st, key, req_id, &f.body).err(),
        // A card update, a message of the bot's own: accepted (what they do is not modelled yet).
        Some(aibot::PING | aibot::RESPOND_UPDATE | aibot::SEND_MSG) => None,
        Some(aibot::SUBSCRIBE) => None,
        _ => Some((Errcode::INVALID_PARAMETER.0, "unknown cmd")),
    };
    match refused {
        None => Frame::ack(req_id, 0, "ok"),
        Some((code, msg)) => Frame::ack(req_id, code, msg),
    }
}
