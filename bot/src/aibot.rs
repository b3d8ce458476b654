//! The reference bot's AI-bot mode (智能机器人): it holds the long connection to WeCom's AI-bot server (or the
//! mock's, at `ws://127.0.0.1:8080`), subscribes with its botid and secret, pings, and streams an answer to
//! every member's message in a few chunks, as an LLM bot built on WeCom's SDKs does. It reconnects with backoff
//! when the connection dies, and stops for good when a newer connection takes the bot over.
//!
//! [`AiBot::new`] checks an [`AibotConfig`]; [`spawn_aibot`] runs it until stopped, kicked or refused.

mod answer;
mod session;

use parking_lot::Mutex;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, oneshot, watch};
use tokio::task::JoinHandle;

use wecom_wire::aibot::MAX_STREAM_BYTES;
use wecom_wire::message::MAX_TEXT_BYTES;

use crate::{Error, Reply};

/// The first wait after a connection is lost is `reconnect_ms`, doubled at each failure up to this, as the
/// SDKs do.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Answers kept for a slow [`AiBot::answers`] subscriber.
const ANSWERS_CAPACITY: usize = 65_536;
/// A stream of more chunks than this is not an answer but a flood.
pub const MAX_CHUNKS: usize = 100;

/// What the AI-bot mode needs: where the long connection is, the bot's credentials, and how to stream.
#[derive(Clone, PartialEq, Eq)]
pub struct AibotConfig {
    /// `ws://host:port` (the mock's port; WeCom's own is `wss://openws.work.weixin.qq.com`, which needs TLS).
    pub ws_url: String,
    pub botid: String,
    pub secret: String,
    /// Stream frames per answer, each with the whole text so far; the last has `finish: true`.
    pub chunks: usize,
    /// Between one chunk's send and the next (and never before the previous one's ack).
    pub chunk_ms: u64,
    /// A ping this often; two unacked at the next tick and the connection is dead.
    pub heartbeat_ms: u64,
    /// The first wait before reconnecting; doubled at each failure up to 30 s.
    pub reconnect_ms: u64,
    pub reply: Reply,
    /// The text welcome sent on `enter_chat`.
    pub welcome: String,
}

impl std::fmt::Debug for AibotConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret stays out of logs.
        f.debug_struct("AibotConfig")
            .field("ws_url", &self.ws_url)
            .field("botid", &self.botid)
            .field("chunks", &self.chunks)
            .field("chunk_ms", &self.chunk_ms)
            .field("heartbeat_ms", &self.heartbeat_ms)
            .finish_non_exhaustive()
    }
}

impl AibotConfig {
    /// The demo company's AI bot 智能助手 on a mock at its default address.
    pub fn demo() -> AibotConfig {
        AibotConfig {
            ws_url: "ws://127.0.0.1:8080".to_owned(),
            botid: "aibDemoAssistant0000000000000001".to_owned(),
            secret: "demo-aibot-secret-0123456789abcdefghijklmno".to_owned(),
            chunks: 3,
            chunk_ms: 50,
            heartbeat_ms: 30_000,
            reconnect_ms: 1_000,
            reply: Reply::Echo,
            welcome: "你好，我是智能助手，有什么可以帮你？".to_owned(),
        }
    }
}

/// Why [`spawn_aibot`]'s task ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// Its stop handle was sent to or dropped.
    Stopped,
    /// A newer connection subscribed for the bot (`disconnected_event`): reconnecting would take the bot back
    /// from it, and the two would kick each other for ever.
    Kicked,
    /// The server refused the subscribe (853000: wrong botid or secret); trying again would not help.
    Refused { errcode: i64, errmsg: String },
}

/// One answer streamed to its end (the finishing chunk acked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Streamed {
    /// The member's message (`body.msgid` of its `aibot_msg_callback`).
    pub msgid: String,
    pub userid: String,
    pub n_chunks: usize,
}

/// A snapshot of the AI-bot mode's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AiStats {
    /// Subscribes the server acked with 0: the first connection and every reconnection.
    pub n_subscribed: u64,
    /// Connections that could not be opened or subscribed (the server down, no ack in time).
    pub n_connect_errors: u64,
    /// Connections given up for two unacked pings.
    pub n_dead: u64,
    /// Connections the server closed or dropped.
    pub n_dropped: u64,
    pub n_pings: u64,
    /// `aibot_msg_callback`s received.
    pub n_messages: u64,
    /// Stream frames acked with 0.
    pub n_chunks: u64,
    /// Answers streamed to their end.
    pub n_answered: u64,
    pub n_welcomes: u64,
    /// Replies refused (an ack with an errcode) or not acked in time; their answer was given up.
    pub n_reply_errors: u64,
}

#[derive(Debug, Default)]
struct Counters {
    n_subscribed: AtomicU64,
    n_connect_errors: AtomicU64,
    n_dead: AtomicU64,
    n_dropped: AtomicU64,
    n_pings: AtomicU64,
    n_messages: AtomicU64,
    n_chunks: AtomicU64,
    n_answered: AtomicU64,
    n_welcomes: AtomicU64,
    n_reply_errors: AtomicU64,
}

/// The AI bot: its configuration and what it has done. Run it with [`spawn_aibot`].
pub struct AiBot {
    config: AibotConfig,
    counters: Counters,
    /// The number of subscribes acked so far, for a caller that waits for the bot to be connected.
    subscribed: watch::Sender<u64>,
    answers: broadcast::Sender<Streamed>,
    ids: Ids,
}

impl std::fmt::Debug for AiBot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AiBot")
            .field("config", &self.config)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl AiBot {
    /// Checks the URL, the chunking and the texts; connects to nothing until spawned.
    pub fn new(config: AibotConfig) -> Result<Arc<AiBot>, Error> {
        let plain = config
            .ws_url
            .strip_prefix("ws://")
            .is_some_and(|rest| !rest.is_empty());
        if !plain {
            return Err(Error::WsUrl(config.ws_url));
        }
        if !(1..=MAX_CHUNKS).contains(&config.chunks) {
            return Err(Error::Chunks);
        }
        if config.heartbeat_ms == 0 {
            return Err(Error::Heartbeat);
        }
        if let Reply::Canned(text) = &config.reply {
            if text.is_empty() || text.len() > MAX_TEXT_BYTES {
                return Err(Error::Reply);
            }
        }
        if config.welcome.is_empty() || config.welcome.len() > MAX_STREAM_BYTES {
            return Err(Error::Welcome);
        }
        let (answers, _) = broadcast::channel(ANSWERS_CAPACITY);
        Ok(Arc::new(AiBot {
            config,
            counters: Counters::default(),
            subscribed: watch::Sender::new(0),
            answers,
            ids: Ids::default(),
        }))
    }

    pub fn config(&self) -> &AibotConfig {
        &self.config
    }

    pub fn stats(&self) -> AiStats {
        let c = &self.counters;
        AiStats {
            n_subscribed: c.n_subscribed.load(Relaxed),
            n_connect_errors: c.n_connect_errors.load(Relaxed),
            n_dead: c.n_dead.load(Relaxed),
            n_dropped: c.n_dropped.load(Relaxed),
            n_pings: c.n_pings.load(Relaxed),
            n_messages: c.n_messages.load(Relaxed),
            n_chunks: c.n_chunks.load(Relaxed),
            n_answered: c.n_answered.load(Relaxed),
            n_welcomes: c.n_welcomes.load(Relaxed),
            n_reply_errors: c.n_reply_errors.load(Relaxed),
        }
    }

    /// How many subscribes the server has acked, now and as it changes: `wait_for(|n| *n >= 1)` waits until
    /// the bot can be talked to.
    pub fn subscribed(&self) -> watch::Receiver<u64> {
        self.subscribed.subscribe()
    }

    /// Every answer streamed to its end from now on.
    pub fn answers(&self) -> broadcast::Receiver<Streamed> {
        self.answers.subscribe()
    }
}

/// Runs `bot` in a task of its own: connect, subscribe, answer, reconnect. The task ends when the handle is sent
/// to or dropped (with a Close frame on the connection), when the bot is kicked, or when its subscribe is
/// refused; its result says which.
pub fn spawn_aibot(bot: Arc<AiBot>) -> (JoinHandle<Ended>, oneshot::Sender<()>) {
    let (stop, stopped) = oneshot::channel();
    (tokio::spawn(session::run(bot, stopped)), stop)
}

/// The ids the bot mints, in the SDKs' shape `<prefix>_<ms>_<8 hex>`: the server matches acks by req_id alone,
/// and the SDKs tell their pings and subscribes apart by prefix, so each is unique and only pings start with
/// `ping`.
#[derive(Default)]
struct Ids {
    n: AtomicU64,
    hasher: RandomState,
    /// The last millisecond used, so ids stay ordered even if the wall clock steps back.
    last_ms: Mutex<u128>,
}

impl Ids {
    fn mint(&self, prefix: &str) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let ms = {
            let mut last = self.last_ms.lock();
            *last = (*last).max(now);
            *last
        };
        let n = self.n.fetch_add(1, Relaxed);
        // The counter makes it unique; the hash only makes it look like the SDKs' random hex.
        let hex = (self.hasher.hash_one(n) as u32) ^ (n as u32);
        format!("{prefix}_{ms}_{hex:08x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_sdks_shape_and_do_not_repeat() {
        let ids = Ids::default();
        let minted: std::collections::HashSet<String> =
            (0..10_000).map(|_| ids.mint("ping")).collect();
        assert_eq!(minted.len(), 10_000);
        for id in minted.iter().take(100) {
            let parts: Vec<&str> = id.split('_').collect();
            assert_eq!(parts.len(), 3, "{id}");
            assert_eq!(parts[0], "ping");
            assert!(parts[1].parse::<u128>().is_ok(), "{id}");
            assert!(
                parts[2].len() == 8 && parts[2].chars().all(|c| c.is_ascii_hexdigit()),
                "{id}"
            );
        }
    }

    #[test]
    fn bad_configs_are_refused() {
        let ok = AiBot::new(AibotConfig::demo());
        assert!(ok.is_ok());
        let with = |f: fn(&mut AibotConfig)| {
            let mut c = AibotConfig::demo();
            f(&mut c);
            AiBot::new(c).err().map(|e| e.to_string())
        };
        assert!(with(|c| c.ws_url = "wss://openws.work.weixin.qq.com".into()).is_some());
        assert!(with(|c| c.ws_url = "http://127.0.0.1:8080".into()).is_some());
        assert!(with(|c| c.ws_url = "ws://".into()).is_some());
        assert!(with(|c| c.chunks = 0).is_some());
        assert!(with(|c| c.chunks = MAX_CHUNKS + 1).is_some());
        assert!(with(|c| c.heartbeat_ms = 0).is_some());
        assert!(with(|c| c.welcome = String::new()).is_some());
        assert!(with(|c| c.reply = Reply::Canned(String::new())).is_some());
        assert!(with(|c| c.chunks = MAX_CHUNKS).is_none());
    }
}
