//! The errcode table: code → the errmsg text WeCom puts before `, hint:`, and whether WeCom adds a hint at all.
//!
//! Texts marked [U] in `shared/wecom-reference.md` are our best guess; they are listed in the README so that a
//! user who knows better can tell us.

use std::fmt;

/// A WeCom errcode. A JSON number on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Errcode(pub i64);

macro_rules! table {
    ($( $name:ident = $code:expr, $text:expr; )*) => {
        impl Errcode {
            $( pub const $name: Errcode = Errcode($code); )*

            /// Every code the mock can give, for documentation and exhaustive tests.
            pub const ALL: &'static [Errcode] = &[$( Errcode($code) ),*];

            /// The short text WeCom puts at the start of `errmsg`.
            pub fn text(self) -> &'static str {
                match self.0 {
                    $( $code => $text, )*
                    _ => "unknown error",
                }
            }
        }
    };
}

table! {
    SYSTEM_BUSY = -1, "system busy";
    OK = 0, "ok";
    INVALID_CREDENTIAL = 40001, "invalid credential";
    INVALID_USERID = 40003, "invalid userid";
    INVALID_MEDIA_TYPE = 40004, "invalid media type";
    INVALID_FILE_TYPE = 40005, "invalid file type";
    INVALID_FILE_SIZE = 40006, "invalid file size";
    INVALID_MEDIA_ID = 40007, "invalid media_id";
    INVALID_MSGTYPE = 40008, "invalid message type";
    INVALID_IMAGE_SIZE = 40009, "invalid image size";
    INVALID_VIDEO_SIZE = 40011, "invalid video size";
    INVALID_CORPID = 40013, "invalid corpid";
    INVALID_CODE = 40029, "invalid code";
    INVALID_TOKEN = 40014, "invalid access_token";
    INVALID_AGENTID = 40056, "invalid agentid";
    INVALID_TAGID = 40068, "invalid tagid";
    INVALID_PARAMETER = 40058, "invalid Request Parameter";
    TAG_NAME_EXISTS = 40071, "UserTag Name Already Exist";
    INVALID_EXTERNAL_USERID = 40096, "invalid external userid";
    CUSTOMER_IN_TRANSFER = 40098, "external userid is being transferred";
    TAKER_HAS_CUSTOMER = 40100, "takeover user already has the external userid";
    TOKEN_MISSING = 41001, "access_token missing";
    CORPID_MISSING = 41002, "corpid missing";
    CORPSECRET_MISSING = 41004, "corpsecret missing";
    TOKEN_EXPIRED = 42001, "access_token expired";
    REQUIRE_GET = 43001, "require GET method";
    REQUIRE_POST = 43002, "require POST method";
    EMPTY_MEDIA = 44001, "empty media data";
    EMPTY_CONTENT = 44004, "empty content";
    MEDIA_TOO_LARGE = 45001, "media size out of limit";
    CONTENT_TOO_LARGE = 45002, "content size out of limit";
    FREQ_LIMIT = 45009, "api freq out of limit";
    CONCURRENT_LIMIT = 45033, "api concurrent out of limit";
    DATA_FORMAT = 47001, "data format error";
    API_FORBIDDEN = 48002, "api forbidden";
    NO_PRIVILEGE = 60011, "no privilege to access/modify contact/party/agent";
    USERID_NOT_FOUND = 60111, "userid not found";
    INVALID_PARTY = 60123, "invalid party id";
    ALL_RECIPIENTS_INVALID = 81013, "user & party & tag all invalid";
    NOT_EXTERNAL_CONTACT = 84061, "not external contact";
    NO_RECIPIENT = 82001, "All touser & toparty & totag invalid";
    INVALID_CHATID = 86001, "invalid chatid";
    CHAT_NOT_FOUND = 86003, "chatid not exist";
    INVALID_CHAT_NAME = 86004, "invalid chat name";
    INVALID_CHAT_OWNER = 86005, "invalid chat owner";
    CHAT_MEMBER_COUNT = 86006, "chat member count out of range";
    INVALID_CHAT_MEMBER = 86007, "invalid chat member";
    CHAT_EXISTS = 86215, "chatid already exist";
    GROUP_OWNER_NOT_RESIGNED = 90500, "group owner not resigned";
    GROUP_OWNER_RESIGNED = 90502, "group owner resigned";
    GROUP_OWNER_UNCHANGED = 90504, "group owner not changed";
    GROUP_ALREADY_INHERITED = 90508, "resigned group already inherited";
    INVALID_WEBHOOK = 93000, "invalid webhook url";
    KF_INVALID_OPEN_KFID = 95000, "invalid open_kfid";
    KF_REPLY_LIMIT = 95001, "send msg count limit";
    KF_OPEN_KFID_NOT_EXIST = 95004, "open_kfid not exist";
    KF_INVALID_MSG_TOKEN = 95007, "invalid msg token";
    KF_INVALID_SERVICER = 95014, "invalid servicer userid";
    KF_INVALID_STATE_CHANGE = 95016, "invalid service state transition";
    KF_SESSION_STATE = 95018, "invalid session state";
    AGENT_MISMATCH = 301002, "access_token and agentid mismatch";
}

impl Errcode {
    /// WeCom leaves the hint off a few errors (seen on 40014 for user/get and message/send).
    pub fn has_hint(self) -> bool {
        !matches!(self, Errcode::OK | Errcode::INVALID_TOKEN)
    }

    pub fn is_ok(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for Errcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A request rejected the way WeCom would reject it: an errcode and, where WeCom says more than the table's
/// text (`text.content exceed max length 2048. invalid Request Parameter`), the longer text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("errcode {code}: {}", self.text())]
pub struct WireError {
    pub code: Errcode,
    pub detail: Option<String>,
}

impl WireError {
    pub fn new(code: Errcode) -> Self {
        WireError { code, detail: None }
    }

    pub fn with_detail(code: Errcode, detail: impl Into<String>) -> Self {
        WireError {
            code,
            detail: Some(detail.into()),
        }
    }

    /// WeCom's wording for an over-long field: `markdown.content exceed max length 4096. invalid Request Parameter`.
    pub fn too_long(field: &str, max_bytes: usize) -> Self {
        Self::with_detail(
            Errcode::INVALID_PARAMETER,
            format!("{field} exceed max length {max_bytes}. invalid Request Parameter"),
        )
    }

    /// A field of the wrong type or value, named as WeCom names them.
    pub fn invalid_field(field: &str) -> Self {
        Self::with_detail(
            Errcode::INVALID_PARAMETER,
            format!("{field} invalid. invalid Request Parameter"),
        )
    }

    /// The text before `, hint:`.
    pub fn text(&self) -> &str {
        self.detail.as_deref().unwrap_or_else(|| self.code.text())
    }
}

impl From<Errcode> for WireError {
    fn from(code: Errcode) -> Self {
        WireError::new(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_own_text() {
        let mut seen = std::collections::HashSet::new();
        for code in Errcode::ALL {
            assert_ne!(code.text(), "unknown error", "{code} has no text");
            assert!(seen.insert(code.0), "{code} listed twice");
        }
        assert_eq!(Errcode(123_456).text(), "unknown error");
    }

    #[test]
    fn too_long_uses_wecom_wording() {
        let e = WireError::too_long("markdown.content", 4096);
        assert_eq!(e.code, Errcode::INVALID_PARAMETER);
        assert_eq!(
            e.text(),
            "markdown.content exceed max length 4096. invalid Request Parameter"
        );
    }
}
