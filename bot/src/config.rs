//! What the bot needs to know: where the WeCom API is, the app's credentials and callback keys, and how to answer.

use wecom_wire::message::{truncate_utf8, MAX_TEXT_BYTES};

/// How the bot answers a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `echo: <content>` for a text, `received your <msgtype>` for anything else.
    Echo,
    /// The same text for every message.
    Canned(String),
}

impl Reply {
    /// The answer to one customer message; `content` is the text of a `text` message.
    pub fn answer(&self, msgtype: &str, content: Option<&str>) -> String {
        let mut text = match self {
            Reply::Canned(text) => text.clone(),
            Reply::Echo => match (msgtype, content) {
                ("text", Some(content)) => format!("echo: {content}"),
                ("text", None) => "echo: ".to_owned(),
                _ => format!("received your {msgtype}"),
            },
        };
        // WeCom refuses a text over MAX_TEXT_BYTES; an echo of a long message is cut, at a character boundary.
        let kept = truncate_utf8(&text, MAX_TEXT_BYTES).len();
        text.truncate(kept);
        text
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    /// The WeCom server without a trailing path, e.g. `http://127.0.0.1:8080`; `/cgi-bin/...` is appended.
    pub api_base: String,
    pub corpid: String,
    /// The app's secret, for `gettoken`.
    pub secret: String,
    /// The callback Token.
    pub token: String,
    /// The callback EncodingAESKey (43 characters).
    pub encoding_aes_key: String,
    pub reply: Reply,
    /// Where WeCom sends callbacks; must start with `/`.
    pub path: String,
    /// A flaky bot, for testing retries: this share (0–100) of pushes is answered HTTP 503 unread, chosen by
    /// the push's number and `fail_seed`, so the same run fails the same pushes. 0 (the default): none.
    pub fail_percent: u8,
    pub fail_seed: u64,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets stay out of logs.
        f.debug_struct("Config")
            .field("api_base", &self.api_base)
            .field("corpid", &self.corpid)
            .field("reply", &self.reply)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// The demo company the mock server ships with, and its bot app.
    pub fn demo() -> Config {
        Config {
            api_base: "http://127.0.0.1:8080".to_owned(),
            corpid: "ww5e2d1c0b9a8f7e6d".to_owned(),
            secret: "demo-bot-secret-0123456789abcdefghijklmnopq".to_owned(),
            token: "DemoBotCallbackToken".to_owned(),
            encoding_aes_key: "DemoBotEncodingAESKey0123456789abcdefghijkA".to_owned(),
            reply: Reply::Echo,
            path: "/callback".to_owned(),
            fail_percent: 0,
            fail_seed: 0,
        }
    }

    /// A path axum would refuse (and panic on) is caught here instead.
    pub(crate) fn path_is_routable(&self) -> bool {
        self.path.starts_with('/')
            && !self.path.contains(['{', '}'])
            && !self
                .path
                .split('/')
                .any(|seg| seg.starts_with(':') || seg.starts_with('*'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_and_canned_answers() {
        assert_eq!(Reply::Echo.answer("text", Some("hi")), "echo: hi");
        assert_eq!(Reply::Echo.answer("image", None), "received your image");
        let canned = Reply::Canned("busy".into());
        assert_eq!(canned.answer("text", Some("hi")), "busy");
        assert_eq!(canned.answer("voice", None), "busy");
    }

    #[test]
    fn unroutable_paths_are_caught() {
        let mut c = Config::demo();
        assert!(c.path_is_routable());
        for bad in ["", "callback", "/cb/{x}", "/cb/:x", "/*rest"] {
            c.path = bad.to_owned();
            assert!(!c.path_is_routable(), "{bad}");
        }
    }

    #[test]
    fn long_echoes_are_cut_at_a_character_boundary() {
        let long = "好".repeat(1000);
        let answer = Reply::Echo.answer("text", Some(&long));
        assert!(answer.len() <= MAX_TEXT_BYTES && answer.len() > MAX_TEXT_BYTES - 3);
        assert!(answer.starts_with("echo: 好"));
        assert_eq!(Reply::Echo.answer("image", None), "received your image");
    }
}
