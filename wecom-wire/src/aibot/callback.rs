//! 智能机器人's callback (HTTP) mode: the bot's URL gets WXBizMsgCrypt over JSON instead of XML, with receiveid
//! `""`. A push is `POST ?msg_signature&timestamp&nonce` with `{"encrypt"}` (the plaintext is the long
//! connection's callback body); the bot answers with an empty body or an encrypted passive reply
//! `{"encrypt", "msgsignature", "timestamp", "nonce"}` (no underscore, unlike the query). While a streamed answer
//! is unfinished, WeCom pushes stream refreshes for it; and `response_url` takes one plain JSON answer.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::crypto::{CryptoError, MsgCrypt};

/// The receiveid of an AI bot's callbacks: none (an app's is its corpid).
pub const RECEIVE_ID: &str = "";

/// How long a `response_url` takes its one answer (the reference notes: 1 hour).
pub const RESPONSE_URL_TTL_MS: i64 = 3_600_000;

/// The path of `response_url` on the API host.
pub const RESPONSE_PATH: &str = "/cgi-bin/aibot/response";

/// A stream refresh's `msgtype`.
pub const STREAM: &str = "stream";

/// The bot's keys for its callbacks.
pub fn crypt(token: &str, encoding_aes_key: &str) -> Result<MsgCrypt, CryptoError> {
    MsgCrypt::new(token, encoding_aes_key, RECEIVE_ID)
}

/// `response_url` for `code`, in the shape WeCom gives it (seen on the real server).
pub fn response_url(code: &str) -> String {
    format!(
        "{}{RESPONSE_PATH}?response_code={code}",
        crate::hosts::API_ORIGIN
    )
}

/// A push's body, and what a receiver reads it as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encrypted {
    pub encrypt: String,
}

/// One sealed message, either way: the ciphertext and what signs it. A push carries the signature, timestamp
/// and nonce in its query; a passive reply carries them in its body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassiveReply {
    pub encrypt: String,
    pub msgsignature: String,
    pub timestamp: String,
    pub nonce: String,
}

impl PassiveReply {
    /// `plaintext` encrypted with `random` and signed with `timestamp` and `nonce`.
    pub fn seal(
        crypt: &MsgCrypt,
        plaintext: &[u8],
        random: &[u8; 16],
        timestamp: &str,
        nonce: &str,
    ) -> PassiveReply {
        let encrypt = crypt.encrypt(plaintext, random);
        PassiveReply {
            msgsignature: crypt.signature(timestamp, nonce, &encrypt),
            encrypt,
            timestamp: timestamp.to_owned(),
            nonce: nonce.to_owned(),
        }
    }

    /// The plaintext, once the signature verifies and the receiveid is `crypt`'s.
    pub fn open(&self, crypt: &MsgCrypt) -> Result<Vec<u8>, CryptoError> {
        crypt.decrypt_verified(
            &self.msgsignature,
            &self.timestamp,
            &self.nonce,
            &self.encrypt,
        )
    }

    /// A receiver's answer body read as a passive reply: JSON with the four fields, else none.
    pub fn parse(body: &str) -> Option<PassiveReply> {
        serde_json::from_str(body).ok()
    }
}

/// The stream refresh WeCom pushes for the unfinished stream `stream_id` that answers `message` (a message
/// callback's body): the message's ids, and `msgtype: "stream"` with the stream's id.
pub fn stream_refresh(message: &Value, stream_id: &str) -> Value {
    let mut r = json!({});
    for field in ["msgid", "aibotid", "chatid", "chattype", "from"] {
        if let Some(v) = message.get(field) {
            r[field] = v.clone();
        }
    }
    r["msgtype"] = json!(STREAM);
    r[STREAM] = json!({ "id": stream_id });
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::vectors::{
        A_KEYS, A_NONCE, A_RANDOM, A_TIMESTAMP, F_ENCRYPT, F_MSG, F_SIGNATURE,
    };
    use proptest::prelude::*;

    fn bot() -> MsgCrypt {
        crypt(A_KEYS.token, A_KEYS.encoding_aes_key).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_vector_seals_as_a_passive_reply_and_opens() {
        let mut random = [0u8; 16];
        random.copy_from_slice(A_RANDOM.as_bytes());
        let r = PassiveReply::seal(&bot(), F_MSG.as_bytes(), &random, A_TIMESTAMP, A_NONCE);
        assert_eq!(
            (r.encrypt.as_str(), r.msgsignature.as_str()),
            (F_ENCRYPT, F_SIGNATURE)
        );
        let text = serde_json::to_string(&r).unwrap_or_default();
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap_or_default(),
            json!({"encrypt": F_ENCRYPT, "msgsignature": F_SIGNATURE, "timestamp": A_TIMESTAMP, "nonce": A_NONCE})
        );
        let back = PassiveReply::parse(&text).map(|r| r.open(&bot()));
        assert_eq!(back, Some(Ok(F_MSG.as_bytes().to_vec())));
        let push: Encrypted =
            serde_json::from_value(json!({"encrypt": F_ENCRYPT})).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(push.encrypt, F_ENCRYPT);
    }

    #[test]
    fn a_reply_sealed_for_a_corp_or_tampered_with_does_not_open() {
        let corp = MsgCrypt::new(A_KEYS.token, A_KEYS.encoding_aes_key, A_KEYS.receive_id)
            .unwrap_or_else(|e| panic!("{e}"));
        let r = PassiveReply::seal(&corp, b"{}", &[1; 16], "1700000000", "42");
        assert_eq!(r.open(&bot()), Err(CryptoError::ValidateReceiveId));
        let mut r = PassiveReply::seal(&bot(), b"{}", &[1; 16], "1700000000", "42");
        r.nonce.push('1');
        assert_eq!(r.open(&bot()), Err(CryptoError::ValidateSignature));
        assert_eq!(PassiveReply::parse("success"), None);
        assert_eq!(PassiveReply::parse(r#"{"encrypt":"x"}"#), None);
    }

    #[test]
    fn a_refresh_carries_the_messages_ids_and_the_stream() {
        let group = json!({"msgid": "m1", "aibotid": "b", "chatid": "c", "chattype": "group",
            "from": {"userid": "zhangsan"}, "msgtype": "text", "text": {"content": "hi"}, "response_url": "u"});
        assert_eq!(
            stream_refresh(&group, "s1"),
            json!({"msgid": "m1", "aibotid": "b", "chatid": "c", "chattype": "group",
                "from": {"userid": "zhangsan"}, "msgtype": "stream", "stream": {"id": "s1"}})
        );
        let single = json!({"msgid": "m2", "aibotid": "b", "chattype": "single", "from": {"userid": "lisi"}});
        assert!(stream_refresh(&single, "s2").get("chatid").is_none());
        assert_eq!(
            response_url("c0de"),
            "https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=c0de"
        );
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            ".{0,40}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::from),
                prop::collection::btree_map(".{0,12}", inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_json_round_trips_sealed(v in json_value(), ts in "[0-9]{10}", rnd in any::<[u8; 16]>()) {
            let text = v.to_string();
            let sealed = PassiveReply::seal(&bot(), text.as_bytes(), &rnd, &ts, "1372623149");
            let wire = serde_json::to_string(&sealed).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let opened = PassiveReply::parse(&wire).map(|r| r.open(&bot()));
            prop_assert_eq!(opened.clone(), Some(Ok(text.into_bytes())));
            let back: Value = serde_json::from_slice(&opened.and_then(Result::ok).unwrap_or_default())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(back, v);
        }
    }
}
