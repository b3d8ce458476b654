//! The reference bot for the mock WeCom server: it answers the callback URL verification, decrypts pushes, and
//! answers 微信客服 customers by pulling their messages with `kf/sync_msg` and replying with `kf/send_msg`.
//!
//! [`Bot::new`] builds it from a [`Config`], [`serve`] runs its callback endpoint on a bound listener, and
//! [`Bot::answers`] reports each answer sent, so callers can wait for answers instead of polling.
//!
//! Its AI-bot mode ([`AiBot`], [`spawn_aibot`]) holds an 智能机器人's long connection instead and streams its
//! answers in chunks.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use tokio::sync::broadcast;

use wecom_wire::crypto::{CryptoError, MsgCrypt};
use wecom_wire::message::MAX_TEXT_BYTES;

mod aibot;
mod api;
mod callback;
mod config;
mod harness;
mod kf;

pub use aibot::{spawn_aibot, AiBot, AiStats, AibotConfig, Ended, Streamed, MAX_CHUNKS};
pub use callback::{router, serve};
pub use config::{Config, Reply};
pub use harness::{register, spawn, spawn_on};

/// Answers kept for a slow [`Bot::answers`] subscriber before it starts missing some.
const ANSWERS_CAPACITY: usize = 65_536;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("bad callback keys: {0}")]
    Keys(#[from] CryptoError),
    #[error("callback path {0:?} must start with / and hold no {{, }}, :segment or *segment")]
    Path(String),
    #[error(
        "the reply must be 1 to {} bytes, as kf/send_msg takes",
        MAX_TEXT_BYTES
    )]
    Reply,
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    #[error(
        "the long connection's URL must be ws://host:port (wss:// is not built in), not {0:?}"
    )]
    WsUrl(String),
    #[error("an answer is streamed in 1 to {} chunks", aibot::MAX_CHUNKS)]
    Chunks,
    #[error(
        "the welcome must be 1 to {} bytes, as a stream takes",
        wecom_wire::aibot::MAX_STREAM_BYTES
    )]
    Welcome,
    #[error("the heartbeat must be at least 1 ms")]
    Heartbeat,
}

/// One answer the bot sent to a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub open_kfid: String,
    pub external_userid: String,
    /// The customer's message being answered.
    pub customer_msgid: String,
    /// What `kf/send_msg` returned for the answer.
    pub reply_msgid: String,
}

/// A snapshot of the bot's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Pushes POSTed to the callback path, good or bad.
    pub n_callbacks: u64,
    /// Pushes answered 400: bad query, envelope, signature or plaintext.
    pub n_bad_callbacks: u64,
    /// Pushes refused on purpose (HTTP 503) by a flaky bot ([`Config::fail_percent`]).
    pub n_refused: u64,
    /// Good `kf_msg_or_event` pushes.
    pub n_kf_callbacks: u64,
    /// Good pushes of anything else (app messages, contact events, …), acknowledged and otherwise ignored.
    pub n_other_callbacks: u64,
    /// URL verifications answered with the plaintext.
    pub n_verifications: u64,
    /// Items received through `kf/sync_msg`.
    pub n_synced: u64,
    /// `kf/sync_msg` calls that failed after retries, and items that could not be read.
    pub n_sync_errors: u64,
    /// Times the server refused the cursor (after a reset) and the puller started over.
    pub n_cursor_resets: u64,
    /// Successful `kf/send_msg` calls.
    pub n_replied: u64,
    /// Answers that could not be sent.
    pub n_reply_errors: u64,
}

#[derive(Debug, Default)]
struct Counters {
    n_callbacks: AtomicU64,
    n_bad_callbacks: AtomicU64,
    n_refused: AtomicU64,
    n_kf_callbacks: AtomicU64,
    n_other_callbacks: AtomicU64,
    n_verifications: AtomicU64,
    n_synced: AtomicU64,
    n_sync_errors: AtomicU64,
    n_cursor_resets: AtomicU64,
    n_replied: AtomicU64,
    n_reply_errors: AtomicU64,
}

/// What the pullers share with the callback path. Kept apart from [`Bot`] so a puller does not keep the bot,
/// and with it its own wake-up channel, alive.
struct Core {
    api: api::Api,
    reply: Reply,
    counters: Counters,
    answers: broadcast::Sender<Answer>,
    /// Unix seconds when the bot was made: older customer messages are a previous run's.
    started_s: i64,
}

pub struct Bot {
    config: Config,
    crypt: MsgCrypt,
    core: Arc<Core>,
    pullers: kf::Pullers,
}

impl std::fmt::Debug for Bot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bot")
            .field("config", &self.config)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Bot {
    /// Checks the keys and the path; starts nothing until the first callback.
    pub fn new(config: Config) -> Result<Arc<Bot>, Error> {
        if !config.path_is_routable() {
            return Err(Error::Path(config.path));
        }
        if let Reply::Canned(text) = &config.reply {
            if text.is_empty() || text.len() > MAX_TEXT_BYTES {
                return Err(Error::Reply);
            }
        }
        let crypt = MsgCrypt::new(&config.token, &config.encoding_aes_key, &config.corpid)?;
        let api = api::Api::new(&config.api_base, &config.corpid, &config.secret)?;
        let (answers, _) = broadcast::channel(ANSWERS_CAPACITY);
        let core = Arc::new(Core {
            api,
            reply: config.reply.clone(),
            counters: Counters::default(),
            answers,
            started_s: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        });
        Ok(Arc::new(Bot {
            config,
            crypt,
            core,
            pullers: kf::Pullers::new(),
        }))
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn stats(&self) -> Stats {
        let c = &self.core.counters;
        Stats {
            n_callbacks: c.n_callbacks.load(Relaxed),
            n_bad_callbacks: c.n_bad_callbacks.load(Relaxed),
            n_refused: c.n_refused.load(Relaxed),
            n_kf_callbacks: c.n_kf_callbacks.load(Relaxed),
            n_other_callbacks: c.n_other_callbacks.load(Relaxed),
            n_verifications: c.n_verifications.load(Relaxed),
            n_synced: c.n_synced.load(Relaxed),
            n_sync_errors: c.n_sync_errors.load(Relaxed),
            n_cursor_resets: c.n_cursor_resets.load(Relaxed),
            n_replied: c.n_replied.load(Relaxed),
            n_reply_errors: c.n_reply_errors.load(Relaxed),
        }
    }

    /// Every answer sent from now on.
    pub fn answers(&self) -> broadcast::Receiver<Answer> {
        self.core.answers.subscribe()
    }
}
