//! The long connection's life: connect and subscribe, then one session of pings, callbacks and replies until it
//! dies (two unacked pings, the socket closed) and the bot reconnects with backoff, or ends (stopped, kicked,
//! refused).

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use parking_lot::Mutex;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use wecom_wire::aibot::{self, Frame};

use super::{answer, AiBot, Ended, MAX_BACKOFF};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opening the socket and the subscribe's ack, each: a server that says nothing in this long is down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Frames the answers may queue for the socket before they wait.
const OUTBOX_FRAMES: usize = 1024;
/// Pings sent and not acked when the next tick comes: the connection is dead (the SDKs' rule).
const MAX_UNACKED_PINGS: u32 = 2;
/// A Close frame that cannot be written in this long is not waited for: the connection is dropped anyway.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// Who waits for the ack of which `req_id`. One waiter per `req_id` at a time: a reply waits for its ack
/// before the next reply to the same message is sent.
pub(super) type Acks = Arc<Mutex<HashMap<String, oneshot::Sender<Frame>>>>;

/// How one connection ended.
enum Ending {
    Stopped,
    Kicked,
    /// Two pings went unacked.
    Dead,
    /// The server closed or dropped it.
    Dropped,
}

/// Why a connection could not be opened and subscribed.
enum NotSubscribed {
    Refused(i64, String),
    /// Down, closed before the ack, or no ack in time: worth another try.
    Unreachable,
}

/// Connect, subscribe, serve, and again after a backoff, until stopped, kicked or refused.
pub(super) async fn run(bot: Arc<AiBot>, mut stop: oneshot::Receiver<()>) -> Ended {
    let mut failures: u32 = 0;
    loop {
        let opened = tokio::select! {
            _ = &mut stop => return Ended::Stopped,
            opened = open(&bot) => opened,
        };
        match opened {
            Ok(ws) => {
                failures = 0;
                bot.counters.n_subscribed.fetch_add(1, Relaxed);
                bot.subscribed.send_modify(|n| *n += 1);
                match serve(&bot, ws, &mut stop).await {
                    Ending::Stopped => return Ended::Stopped,
                    Ending::Kicked => return Ended::Kicked,
                    Ending::Dead => bot.counters.n_dead.fetch_add(1, Relaxed),
                    Ending::Dropped => bot.counters.n_dropped.fetch_add(1, Relaxed),
                };
            }
            Err(NotSubscribed::Refused(errcode, errmsg)) => {
                return Ended::Refused { errcode, errmsg }
            }
            Err(NotSubscribed::Unreachable) => {
                bot.counters.n_connect_errors.fetch_add(1, Relaxed);
            }
        }
        let wait = backoff(bot.config.reconnect_ms, failures);
        failures = failures.saturating_add(1);
        tokio::select! {
            _ = &mut stop => return Ended::Stopped,
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// The wait before reconnecting after `failures` failed tries in a row: the base, doubled each time, at most
/// [`MAX_BACKOFF`].
fn backoff(base_ms: u64, failures: u32) -> Duration {
    let ms = base_ms.saturating_mul(1u64 << failures.min(20));
    Duration::from_millis(ms).min(MAX_BACKOFF)
}

fn text(frame: &Frame) -> Message {
    Message::Text(serde_json::to_string(frame).unwrap_or_default().into())
}

/// The socket, subscribed: the subscribe is acked with 0.
async fn open(bot: &AiBot) -> Result<Ws, NotSubscribed> {
    let connect = tokio_tungstenite::connect_async(bot.config.ws_url.as_str());
    let Ok(Ok((mut ws, _))) = tokio::time::timeout(CONNECT_TIMEOUT, connect).await else {
        return Err(NotSubscribed::Unreachable);
    };
    let req_id = bot.ids.mint(aibot::SUBSCRIBE);
    let body = json!({ "bot_id": bot.config.botid, "secret": bot.config.secret });
    let subscribe = Frame::command(aibot::SUBSCRIBE, &req_id, body);
    if ws.send(text(&subscribe)).await.is_err() {
        return Err(NotSubscribed::Unreachable);
    }
    let ack = async {
        while let Some(Ok(m)) = ws.next().await {
            let Message::Text(t) = m else { continue };
            match serde_json::from_str::<Frame>(t.as_str()) {
                Ok(f) if f.cmd.is_none() && f.headers.req_id == req_id => return Some(f),
                _ => continue,
            }
        }
        None
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, ack).await {
        Ok(Some(f)) if f.errcode.unwrap_or(0) == 0 => Ok(ws),
        Ok(Some(f)) => Err(NotSubscribed::Refused(
            f.errcode.unwrap_or_default(),
            f.errmsg.unwrap_or_default(),
        )),
        _ => Err(NotSubscribed::Unreachable),
    }
}

/// One subscribed connection: pings on the heartbeat, callbacks handed to answer tasks, their frames written,
/// acks handed back to whoever waits for them.
async fn serve(bot: &Arc<AiBot>, ws: Ws, stop: &mut oneshot::Receiver<()>) -> Ending {
    let (mut sink, mut stream) = ws.split();
    let (tx, mut outbox) = mpsc::channel::<Frame>(OUTBOX_FRAMES);
    let acks = Acks::default();
    // Dropped with the session, which aborts the answers of a dead connection: their req_ids die with it.
    let mut answers = JoinSet::new();
    let period = Duration::from_millis(bot.config.heartbeat_ms);
    let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut unacked = 0u32;
    loop {
        tokio::select! {
            _ = &mut *stop => {
                close(&mut sink).await;
                return Ending::Stopped;
            }
            _ = beat.tick() => {
                if unacked >= MAX_UNACKED_PINGS {
                    // WeCom's server may never answer the Close frame on a dead path: it is sent and the
                    // socket dropped, so the reconnect does not wait on it.
                    close(&mut sink).await;
                    return Ending::Dead;
                }
                let ping = Frame::command(aibot::PING, &bot.ids.mint(aibot::PING), Value::Null);
                if sink.send(text(&ping)).await.is_err() {
                    return Ending::Dropped;
                }
                bot.counters.n_pings.fetch_add(1, Relaxed);
                unacked += 1;
            }
            Some(frame) = outbox.recv() => {
                if sink.send(text(&frame)).await.is_err() {
                    return Ending::Dropped;
                }
            }
            Some(_) = answers.join_next(), if !answers.is_empty() => {}
            got = next(&mut stream) => {
                let Some(frame) = got else { return Ending::Dropped };
                if frame.cmd.is_none() {
                    if is_ping(&frame) {
                        unacked = 0;
                    } else if let Some(waiter) = acks.lock().remove(&frame.headers.req_id) {
                        let _ = waiter.send(frame);
                    }
                    continue;
                }
                let ctx = answer::Ctx { bot: Arc::clone(bot), tx: tx.clone(), acks: Arc::clone(&acks) };
                if let Some(ending) = callback(ctx, frame, &mut answers) {
                    close(&mut sink).await;
                    return ending;
                }
            }
        }
    }
}

/// The next frame from the server; None when the connection is closed or broken. Frames that are not JSON are
/// skipped: one unreadable frame is not a reason to drop the bot's connection.
async fn next(stream: &mut SplitStream<Ws>) -> Option<Frame> {
    loop {
        match stream.next().await? {
            Ok(Message::Text(t)) => match serde_json::from_str(t.as_str()) {
                Ok(f) => return Some(f),
                Err(_) => continue,
            },
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

fn is_ping(ack: &Frame) -> bool {
    ack.headers
        .req_id
        .strip_prefix(aibot::PING)
        .is_some_and(|rest| rest.starts_with('_'))
}

/// A command from the server: a message or `enter_chat` starts its answer; `disconnected_event` ends the
/// connection.
fn callback(ctx: answer::Ctx, frame: Frame, answers: &mut JoinSet<()>) -> Option<Ending> {
    match frame.cmd.as_deref() {
        Some(aibot::MSG_CALLBACK) => {
            ctx.bot.counters.n_messages.fetch_add(1, Relaxed);
            answers.spawn(answer::stream(ctx, frame));
        }
        Some(aibot::EVENT_CALLBACK) => match frame.body["event"]["eventtype"].as_str() {
            Some(aibot::DISCONNECTED_EVENT) => return Some(Ending::Kicked),
            Some(aibot::ENTER_CHAT) => {
                answers.spawn(answer::welcome(ctx, frame));
            }
            // Card clicks and feedback: the reference bot has no cards.
            _ => {}
        },
        _ => {}
    }
    None
}

/// A Close frame, not waited on for long, and not for its answer.
async fn close(sink: &mut SplitSink<Ws, Message>) {
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, sink.send(Message::Close(None))).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_30_s() {
        let waits: Vec<u64> = (0..8)
            .map(|n| backoff(1000, n).as_millis() as u64)
            .collect();
        assert_eq!(waits, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
        assert_eq!(backoff(u64::MAX, 40), MAX_BACKOFF);
    }

    #[test]
    fn only_its_own_pings_count_as_pings() {
        let ack = |id: &str| Frame::ack(id, 0, "ok");
        assert!(is_ping(&ack("ping_1796109219852_771fefeb")));
        assert!(!is_ping(&ack("aibot_msg_ping")));
        assert!(!is_ping(&ack("pingpong")));
    }
}
