//! What the bot needs to know: where the WeCom API is, the app's credentials and callback keys, and how to answer.

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
        match self {
            Reply::Canned(text) => text.clone(),
            Reply::Echo => match (msgtype, content) {
                ("text", Some(content)) => format!("echo: {content}"),
                ("text", None) => "echo: ".to_owned(),
                _ => format!("received your {msgtype}"),
            },
        }
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
}
