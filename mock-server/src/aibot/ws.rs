//! The long connection's WebSocket, at `/` on the mock's port (and, through the proxy, as
//! `wss://openws.work.weixin.qq.com`): the handshake, then the session — the bot subscribes, then pings,
//! answers and sends, each request acked with its own `req_id` — served in the connection's own task.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use wecom_wire::aibot::{self, Frame, Subscribe};
use wecom_wire::Errcode;

use super::{frames, BotKey, Out, OUTBOX_FRAMES};
use crate::faults::AIBOT_PREFIX;
use crate::serve::{Session, Socket};
use crate::state::State as Shared;

/// A connection that has not subscribed within this is dropped. WeCom keeps a refused one open (nothing closed
/// it within 60 s); a client that never authenticates should not hold a seat for ever either.
const SUBSCRIBE_WITHIN: Duration = Duration::from_secs(60);

/// The largest message taken from a bot: an upload chunk is 512 KiB, about 700 KB in base64. A client cannot
/// make the mock buffer more.
const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// How long the mock waits for its Close frame to go out at shutdown or after the bot's Close.
const CLOSE_WITHIN: Duration = Duration::from_secs(1);

type Ws = WebSocketStream<Socket>;

/// `GET /`: a WebSocket handshake is answered `101` and the session runs on the connection; a plain `GET /`
/// is the 404 of any unknown path; a broken handshake a 400.
pub(crate) async fn accept(State(st): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let has = |name: header::HeaderName, want: &str| {
        headers.get_all(name).iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(want)))
        })
    };
    if !headers.contains_key(header::UPGRADE) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let key = headers.get(header::SEC_WEBSOCKET_KEY);
    let (true, true, true, Some(key)) = (
        has(header::UPGRADE, "websocket"),
        has(header::CONNECTION, "upgrade"),
        has(header::SEC_WEBSOCKET_VERSION, "13"),
        key,
    ) else {
        return (StatusCode::BAD_REQUEST, "not a WebSocket handshake").into_response();
    };
    let accept = derive_accept_key(key.as_bytes());
    let mut r = StatusCode::SWITCHING_PROTOCOLS.into_response();
    let h = r.headers_mut();
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    r.extensions_mut().insert(Session::new(move |socket, stop| {
        Box::pin(session(st, socket, stop))
    }));
    r
}

/// How a session ends.
enum End {
    /// The server is stopping: Close 1001.
    Stop,
    /// The bot closed: the Close frame is answered.
    Closed,
    /// TCP is dropped without a word: a kick, an idle or broken connection, a dead path under the fault.
    Drop,
}

async fn session(st: Arc<Shared>, socket: Socket, mut stop: watch::Receiver<bool>) {
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_MESSAGE_BYTES));
    let mut ws = WebSocketStream::from_raw_socket(socket, Role::Server, Some(config)).await;
    let subscribed = tokio::select! {
        k = tokio::time::timeout(SUBSCRIBE_WITHIN, subscribe(&st, &mut ws)) => k.ok().flatten(),
        () = stopped(&mut stop) => return close(&mut ws, End::Stop).await,
    };
    let Some((key, req_id)) = subscribed else {
        return;
    };
    let (tx, rx) = mpsc::channel(OUTBOX_FRAMES);
    let botid = st.world().corps[key.0].aibots[key.1].botid.clone();
    let id = st
        .aibots
        .take_over(key, tx.clone(), &botid, st.clock.now_ms());
    // Acked only once the hub holds the connection: a bot that has its ack may be written to at once, and a
    // member's message must not find it unconnected (409), nor a newer subscribe miss it and be kicked by it.
    let end = if put(&mut ws, &Frame::ack(&req_id, 0, "ok")).await {
        live(&st, key, &mut ws, (tx, rx), &mut stop).await
    } else {
        End::Drop
    };
    st.aibots.left(key, id);
    close(&mut ws, end).await;
}

/// Once the server stops (a guard held over an await would make the session not `Send`).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

async fn close(ws: &mut Ws, end: End) {
    let frame = match end {
        End::Drop => return,
        // The bot's Close was read and its answer queued: the sink's close sends it (the stream's own
        // `close` would try to send a second Close and fail).
        End::Closed => {
            let _ = tokio::time::timeout(CLOSE_WITHIN, SinkExt::close(ws)).await;
            return;
        }
        End::Stop => CloseFrame {
            code: CloseCode::Away,
            reason: "going away".into(),
        },
    };
    let _ = tokio::time::timeout(CLOSE_WITHIN, ws.close(Some(frame))).await;
}

async fn put(ws: &mut Ws, f: &Frame) -> bool {
    let text = serde_json::to_string(f).unwrap_or_default();
    ws.send(Message::text(text)).await.is_ok()
}

/// What the bot sent: a frame, or the end of the session.
enum Got {
    Frame(Frame),
    Other,
    Closed,
    Broken,
}

async fn next(ws: &mut Ws) -> Got {
    match ws.next().await {
        Some(Ok(Message::Text(t))) => match serde_json::from_str(t.as_str()) {
            Ok(f) => Got::Frame(f),
            // Not a frame: WeCom's answer is unknown; the mock drops the connection.
            Err(_) => Got::Broken,
        },
        Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => Got::Other,
        Some(Ok(Message::Close(_))) => Got::Closed,
        Some(Ok(Message::Binary(_)) | Err(_)) | None => Got::Broken,
    }
}

/// Frames until one subscribes with the right secret (its req_id returned, to be acked 0 by the caller), each
/// wrong one refused with 853000 and the socket kept open, as WeCom does; None when the bot goes away first.
async fn subscribe(st: &Shared, ws: &mut Ws) -> Option<(BotKey, String)> {
    loop {
        let f = match next(ws).await {
            Got::Frame(f) => f,
            Got::Other => continue,
            Got::Closed | Got::Broken => return None,
        };
        if let Some(key) = subscribed(st, &f) {
            return Some((key, f.headers.req_id));
        }
        let (code, msg) = aibot::INVALID_CREDENTIALS;
        if !put(ws, &Frame::ack(&f.headers.req_id, code, msg)).await {
            return None;
        }
    }
}

/// The bot `aibot_subscribe` names, when its secret is the bot's.
fn subscribed(st: &Shared, f: &Frame) -> Option<BotKey> {
    if f.cmd.as_deref() != Some(aibot::SUBSCRIBE) {
        return None;
    }
    let s: Subscribe = serde_json::from_value(f.body.clone()).ok()?;
    let world = st.world();
    let (ci, bi) = world.aibot(&s.bot_id)?;
    let secret = &world.corps[ci].aibots[bi].secret;
    crate::control::token_matches(s.secret.as_bytes(), secret).then_some((ci, bi))
}

/// When the deadline `ms` from now is, or never (0).
fn after(ms: u64) -> Option<Instant> {
    (ms > 0).then(|| Instant::now() + Duration::from_millis(ms))
}

async fn at(when: Option<Instant>) {
    match when {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// The subscribed session: frames from the hub go out, the bot's requests are handled and acked, until the
/// bot leaves, goes silent, is kicked, or the server stops.
async fn live(
    st: &Shared,
    key: BotKey,
    ws: &mut Ws,
    (tx, mut rx): (mpsc::Sender<Out>, mpsc::Receiver<Out>),
    stop: &mut watch::Receiver<bool>,
) -> End {
    let idle_ms = st.settings.aibot().idle_timeout_ms;
    let mut idle_at = after(idle_ms);
    let mut kicked_at = None;
    // The bot's pings go unanswered under the fault: its Close frame then goes unanswered too, and the
    // connection is dropped, as on a dead path (the SDKs only reconnect once the socket is gone).
    let mut dead = false;
    loop {
        tokio::select! {
            () = stopped(stop) => return End::Stop,
            () = at(kicked_at) => return End::Drop,
            () = at(idle_at) => return End::Drop,
            out = rx.recv() => {
                let (frame, kick) = match out {
                    Some(Out::Frame(f)) => (f, false),
                    Some(Out::Kicked(f)) => (f, true),
                    None => return End::Drop,
                };
                if !put(ws, &frame).await {
                    return End::Drop;
                }
                if kick {
                    kicked_at = Some(Instant::now() + Duration::from_millis(st.settings.aibot().kick_close_ms));
                }
            }
            got = next(ws) => {
                let f = match got {
                    Got::Frame(f) => f,
                    Got::Other => { idle_at = after(idle_ms); continue }
                    Got::Closed if dead => return End::Drop,
                    Got::Closed => return End::Closed,
                    Got::Broken => return End::Drop,
                };
                idle_at = after(idle_ms);
                match request(st, key, &f) {
                    Reply::Now(ack) => {
                        dead = dead && f.cmd.as_deref() != Some(aibot::PING);
                        if !put(ws, &ack).await {
                            return End::Drop;
                        }
                    }
                    Reply::Later(ack, delay) => {
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            tokio::time::sleep(delay).await;
                            let _ = tx.send(Out::Frame(ack)).await;
                        });
                    }
                    Reply::Never => dead = dead || f.cmd.as_deref() == Some(aibot::PING),
                }
            }
        }
    }
}

/// How a request is answered, faults considered.
enum Reply {
    Now(Frame),
    Later(Frame, Duration),
    Never,
}

/// A request from the bot through the faults set on `aibot:<cmd>`: dropped (no ack), refused with the fault's
/// errcode instead of being handled, or handled and acked, at once or after the fault's delay.
fn request(st: &Shared, key: BotKey, f: &Frame) -> Reply {
    let cmd = f.cmd.as_deref().unwrap_or_default();
    let hit = if st.faults.any() {
        st.faults.check(&format!("{AIBOT_PREFIX}{cmd}"))
    } else {
        None
    };
    let Some(hit) = hit else {
        return Reply::Now(frames::answer(st, key, f));
    };
    if hit.drop {
        return Reply::Never;
    }
    let ack = match hit.errcode {
        Some(code) => Frame::ack(&f.headers.req_id, code, Errcode(code).text()),
        None => frames::answer(st, key, f),
    };
    match hit.delay_ms {
        0 => Reply::Now(ack),
        ms => Reply::Later(ack, Duration::from_millis(ms)),
    }
}
