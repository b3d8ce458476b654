//! What the AI bot says: a member's message answered as a stream of `chunks` frames `chunk_ms` apart, each the
//! whole text so far (WeCom replaces a stream's content, it does not append), each sent only once the one before
//! it was acked; and a text welcome for `enter_chat`.

use serde_json::json;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use wecom_wire::aibot::{self, Frame};

use super::session::Acks;
use super::{AiBot, Streamed};

/// How long a reply waits for its ack, as the SDKs do; then the answer is given up.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// What an answer needs of its connection.
pub(super) struct Ctx {
    pub bot: Arc<AiBot>,
    /// Frames to write to the socket.
    pub tx: mpsc::Sender<Frame>,
    pub acks: Acks,
}

/// Why a reply did not go through.
#[derive(Debug)]
enum NotAcked {
    /// The connection ended first.
    Gone,
    TimedOut,
    Refused,
}

impl Ctx {
    /// Sends `frame` and waits for its ack; Ok when it is 0.
    async fn request(&self, frame: Frame) -> Result<(), NotAcked> {
        let req_id = frame.headers.req_id.clone();
        let (tx, rx) = oneshot::channel();
        // Before sending: the ack may come back before this task runs again.
        self.acks.lock().insert(req_id.clone(), tx);
        if self.tx.send(frame).await.is_err() {
            self.acks.lock().remove(&req_id);
            return Err(NotAcked::Gone);
        }
        match tokio::time::timeout(ACK_TIMEOUT, rx).await {
            Ok(Ok(ack)) if ack.errcode.unwrap_or(0) == 0 => Ok(()),
            Ok(Ok(_)) => Err(NotAcked::Refused),
            Ok(Err(_)) => Err(NotAcked::Gone),
            Err(_) => {
                self.acks.lock().remove(&req_id);
                Err(NotAcked::TimedOut)
            }
        }
    }

    fn failed(&self, why: NotAcked) {
        // A connection that ended takes its answers with it; that is counted as the connection's loss.
        if !matches!(why, NotAcked::Gone) {
            self.bot.counters.n_reply_errors.fetch_add(1, Relaxed);
        }
    }
}

/// `aibot_msg_callback`: the bot's answer, streamed on the callback's `req_id`.
pub(super) async fn stream(ctx: Ctx, callback: Frame) {
    let req_id = callback.headers.req_id;
    let body = &callback.body;
    let msgtype = body["msgtype"].as_str().unwrap_or("text");
    let answer = ctx
        .bot
        .config
        .reply
        .answer(msgtype, body["text"]["content"].as_str());
    let stream_id = ctx.bot.ids.mint("stream");
    let spacing = Duration::from_millis(ctx.bot.config.chunk_ms);
    let parts = prefixes(&answer, ctx.bot.config.chunks);
    let n = parts.len();
    let mut sent_at = Instant::now();
    for (i, content) in parts.into_iter().enumerate() {
        if i > 0 {
            tokio::time::sleep_until(sent_at + spacing).await;
        }
        sent_at = Instant::now();
        let stream = json!({ "id": stream_id, "finish": i + 1 == n, "content": content });
        let frame = Frame::command(
            aibot::RESPOND_MSG,
            &req_id,
            json!({ "msgtype": "stream", "stream": stream }),
        );
        if let Err(why) = ctx.request(frame).await {
            return ctx.failed(why);
        }
        ctx.bot.counters.n_chunks.fetch_add(1, Relaxed);
    }
    ctx.bot.counters.n_answered.fetch_add(1, Relaxed);
    let _ = ctx.bot.answers.send(Streamed {
        msgid: body["msgid"].as_str().unwrap_or_default().to_owned(),
        userid: body["from"]["userid"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        n_chunks: n,
    });
}

/// `enter_chat`: the welcome, on the event's `req_id` (WeCom takes it within 5 s).
pub(super) async fn welcome(ctx: Ctx, event: Frame) {
    let text = json!({ "msgtype": "text", "text": { "content": ctx.bot.config.welcome } });
    let frame = Frame::command(aibot::RESPOND_WELCOME, &event.headers.req_id, text);
    match ctx.request(frame).await {
        Ok(()) => {
            ctx.bot.counters.n_welcomes.fetch_add(1, Relaxed);
        }
        Err(why) => ctx.failed(why),
    }
}

/// `text` as `n` growing prefixes, cut at character boundaries, the last the whole text: what each stream frame
/// carries. A text shorter than `n` characters repeats a prefix rather than send an empty one.
fn prefixes(text: &str, n: usize) -> Vec<&str> {
    let n = n.max(1);
    let ends: Vec<usize> = text.char_indices().map(|(i, c)| i + c.len_utf8()).collect();
    (1..=n)
        .map(|k| {
            // ceil(len · k / n) characters: never 0 for a text that has any.
            let chars = (ends.len() * k).div_ceil(n);
            let end = chars.checked_sub(1).and_then(|i| ends.get(i)).copied();
            &text[..end.unwrap_or(0)]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::prefixes;

    #[test]
    fn prefixes_grow_to_the_whole_text_at_character_boundaries() {
        assert_eq!(
            prefixes("echo: 你好吗", 3),
            ["ech", "echo: ", "echo: 你好吗"]
        );
        assert_eq!(prefixes("abc", 1), ["abc"]);
        assert_eq!(prefixes("ab", 4), ["a", "a", "ab", "ab"]);
        assert_eq!(prefixes("", 2), ["", ""]);
        let long = "好".repeat(100);
        let p = prefixes(&long, 7);
        assert_eq!(p.len(), 7);
        assert!(p.windows(2).all(|w| w[0].len() <= w[1].len()));
        assert_eq!(p[6], long);
    }
}
