//! The callback attempt log `/mock/callbacks` reads: each try at a push with what was pushed (the plaintext
//! before encryption), where, and what the receiver answered, each cut to a cap and the whole held within the
//! `callback_log_capacity` count and the `callback_log_max_bytes` budget.

use serde::Serialize;
use std::sync::Arc;

use crate::ledger::{prefix, Cost, Ledger};

/// At most this much of a push's plaintext and of a receiver's answer is kept: the journal's cap for bodies.
pub const MAX_KEPT_TEXT_BYTES: usize = crate::journal::MAX_KEPT_BODY_BYTES;

/// At most this much of a URL is kept: the journal's cap for a path and query.
pub const MAX_KEPT_URL_BYTES: usize = crate::journal::MAX_KEPT_TARGET_BYTES;

/// Text cut to [`MAX_KEPT_TEXT_BYTES`], and whether it was; shared by the attempts of one push.
#[derive(Debug, Clone)]
pub struct Kept {
    pub text: Arc<str>,
    pub truncated: bool,
}

impl Kept {
    pub fn new(s: &str) -> Kept {
        let kept = prefix(s, MAX_KEPT_TEXT_BYTES);
        Kept {
            text: kept.into(),
            truncated: kept.len() < s.len(),
        }
    }
}

fn is_false(b: &bool) -> bool {
    !b
}

fn is_negative(n: &i64) -> bool {
    *n < 0
}

/// One try at delivering a push.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub msgid: String,
    pub corpid: String,
    /// The app's; left out for an AI bot's push.
    #[serde(skip_serializing_if = "is_negative")]
    pub agentid: i64,
    /// The AI bot's, for its push in callback mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aibotid: Option<String>,
    /// 1 for the first try.
    pub n: u32,
    pub at_ms: i64,
    pub duration_us: u64,
    /// The receiver's HTTP status; none when there was no answer.
    pub status: Option<u16>,
    /// `acknowledged`, `passive_reply`, `http_status`, `timeout`, `connect`, `bad_reply`, `no_url`,
    /// `bad_keys`, `queue_full`.
    pub outcome: &'static str,
    /// Where it was pushed; none when the receiver had no URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<Arc<str>>,
    /// The XML (or JSON) that was encrypted and pushed.
    pub plaintext: Arc<str>,
    #[serde(skip_serializing_if = "is_false")]
    pub plaintext_truncated: bool,
    /// The receiver's answer body; none when there was no answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<Arc<str>>,
    #[serde(skip_serializing_if = "is_false")]
    pub reply_truncated: bool,
}

impl Cost for Attempt {
    fn cost_bytes(&self) -> usize {
        let len = |s: &Option<Arc<str>>| s.as_ref().map_or(0, |s| s.len());
        // The plaintext is shared by a push's attempts but charged to each: the budget errs on the safe side.
        std::mem::size_of::<Attempt>()
            + self.msgid.len()
            + self.corpid.len()
            + self.aibotid.as_ref().map_or(0, String::len)
            + len(&self.url)
            + self.plaintext.len()
            + len(&self.reply)
    }
}

/// The URL as kept: at most [`MAX_KEPT_URL_BYTES`].
pub fn kept_url(url: &str) -> Arc<str> {
    prefix(url, MAX_KEPT_URL_BYTES).into()
}

/// Attempts newest first, `msgid` exact when given.
#[derive(Debug)]
pub struct AttemptLog(Ledger<Attempt>);

impl AttemptLog {
    pub fn new(capacity: usize, max_bytes: usize) -> AttemptLog {
        AttemptLog(Ledger::new(capacity, max_bytes))
    }

    pub fn record(&self, a: Attempt) {
        self.0.record(a);
    }

    pub fn newest(&self, limit: usize, msgid: Option<&str>) -> Vec<Attempt> {
        let page = self
            .0
            .page(None, limit, |a| msgid.is_none_or(|m| a.msgid == m));
        page.into_iter().map(|(_, a)| a).collect()
    }

    /// Bytes held now (as charged), the budget, and the attempts it pushed out.
    pub fn budget(&self) -> (usize, usize, u64) {
        let (kept, max) = self.0.kept_bytes();
        (kept, max, self.0.n_evicted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(msgid: &str, plaintext: &Kept) -> Attempt {
        Attempt {
            msgid: msgid.into(),
            corpid: "ww1".into(),
            agentid: 1,
            aibotid: None,
            n: 1,
            at_ms: 0,
            duration_us: 0,
            status: Some(200),
            outcome: "acknowledged",
            url: Some(kept_url("http://127.0.0.1:9000/callback")),
            plaintext: plaintext.text.clone(),
            plaintext_truncated: plaintext.truncated,
            reply: Some("success".into()),
            reply_truncated: false,
        }
    }

    #[test]
    fn long_texts_are_cut_and_the_log_holds_its_budget() {
        let big = Kept::new(&"<xml>".repeat(100_000));
        assert!(big.truncated);
        assert_eq!(big.text.len(), MAX_KEPT_TEXT_BYTES);
        let log = AttemptLog::new(100_000, 1024 * 1024);
        for i in 0..1_000 {
            log.record(attempt(&format!("m{}", i % 10), &big));
        }
        let (kept, max, n_evicted) = log.budget();
        assert!(kept <= max, "{kept} > {max}");
        let all = log.newest(usize::MAX, None);
        let held: usize = all.iter().map(Cost::cost_bytes).sum();
        assert_eq!(held, kept);
        assert_eq!(n_evicted as usize + all.len(), 1_000);
        assert!(all.len() > 10, "{} held", all.len());
        let one = log.newest(usize::MAX, Some("m9"));
        assert!(!one.is_empty() && one.iter().all(|a| a.msgid == "m9"));
        assert_eq!(all[0].msgid, "m9", "the newest stays");
    }

    #[test]
    fn a_short_text_is_whole() {
        let k = Kept::new("<xml><Content>你好</Content></xml>");
        assert!(!k.truncated);
        let v = serde_json::to_value(attempt("m", &k)).unwrap_or_default();
        assert_eq!(v["plaintext"], "<xml><Content>你好</Content></xml>");
        assert!(v.get("plaintext_truncated").is_none());
        assert_eq!(v["reply"], "success");
    }
}
