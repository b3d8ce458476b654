//! The `response_code`s of AI bots' `response_url`s: each names the message (or card event) it answers and
//! takes one answer within the hour. Bounded in count: past [`MAX_CODES`], the expired go, then the oldest.

use dashmap::DashMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// Codes kept at most (about 150 bytes each).
pub const MAX_CODES: usize = 100_000;

/// What a code answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub corp: usize,
    pub bot: usize,
    pub user: usize,
    /// The group chat (its number in the AI bots' chats); none for the single chat.
    pub chat: Option<usize>,
    /// The message (or event) the answer is to.
    pub msgid: String,
    /// Its `req_id`, so an answer ends what the message held in flight.
    pub req_id: String,
    pub expires_ms: i64,
    /// Minting order, for letting the oldest go.
    seq: u64,
}

impl Code {
    pub fn new(
        (corp, bot): (usize, usize),
        (user, chat): (usize, Option<usize>),
        (msgid, req_id): (String, String),
        expires_ms: i64,
    ) -> Code {
        Code {
            corp,
            bot,
            user,
            chat,
            msgid,
            req_id,
            expires_ms,
            seq: 0,
        }
    }
}

#[derive(Debug, Default)]
pub struct AibotCodes {
    by_code: DashMap<String, Code>,
    n_minted: AtomicU64,
}

impl AibotCodes {
    /// Keeps `code`; when full, the expired are dropped first, then the older half.
    pub fn keep(&self, code: String, mut c: Code, now_ms: i64) {
        let seq = self.n_minted.fetch_add(1, Ordering::Relaxed);
        if self.by_code.len() >= MAX_CODES {
            self.by_code.retain(|_, k| k.expires_ms > now_ms);
            if self.by_code.len() >= MAX_CODES {
                let keep_from = seq.saturating_sub(MAX_CODES as u64 / 2);
                self.by_code.retain(|_, k| k.seq >= keep_from);
            }
        }
        c.seq = seq;
        self.by_code.insert(code, c);
    }

    /// The code's message, if it is live (not used, not expired) at `now_ms`.
    pub fn peek(&self, code: &str, now_ms: i64) -> Option<Code> {
        self.by_code
            .get(code)
            .filter(|c| c.expires_ms > now_ms)
            .map(|c| c.clone())
    }

    /// Uses the code: what [`AibotCodes::peek`] gives, once.
    pub fn take(&self, code: &str, now_ms: i64) -> Option<Code> {
        self.by_code
            .remove_if(code, |_, c| c.expires_ms > now_ms)
            .map(|(_, c)| c)
    }

    pub fn len(&self) -> usize {
        self.by_code.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(expires_ms: i64) -> Code {
        Code::new((0, 0), (1, None), ("m".into(), "r".into()), expires_ms)
    }

    #[test]
    fn a_code_is_taken_once_and_not_after_it_expires() {
        let codes = AibotCodes::default();
        codes.keep("a".into(), code(1_000), 0);
        codes.keep("b".into(), code(1_000), 0);
        assert!(codes.peek("a", 999).is_some());
        assert_eq!(codes.take("a", 999).map(|c| c.msgid), Some("m".into()));
        assert_eq!(codes.take("a", 999), None, "once");
        assert_eq!(codes.peek("b", 1_000), None, "expired");
        assert_eq!(codes.take("b", 1_000), None);
        assert_eq!(codes.take("nothing", 0), None);
    }

    #[test]
    fn the_count_stays_bounded_and_the_newest_stay() {
        let codes = AibotCodes::default();
        for i in 0..MAX_CODES + 10 {
            codes.keep(format!("c{i}"), code(i64::MAX), 0);
        }
        assert!(codes.len() <= MAX_CODES, "{}", codes.len());
        assert!(codes.len() >= MAX_CODES / 2);
        assert!(codes.peek(&format!("c{}", MAX_CODES + 9), 0).is_some());
        assert!(codes.peek("c0", 0).is_none(), "the oldest went");
        // Expired ones go before live ones.
        let codes = AibotCodes::default();
        for i in 0..MAX_CODES - 1 {
            codes.keep(format!("old{i}"), code(10), 0);
        }
        codes.keep("live".into(), code(i64::MAX), 0);
        codes.keep("new".into(), code(i64::MAX), 20);
        assert!(codes.peek("live", 20).is_some() && codes.peek("new", 20).is_some());
        assert_eq!(codes.len(), 2);
    }
}
