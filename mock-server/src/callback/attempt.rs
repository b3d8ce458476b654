//! One try at a push: the plaintext encrypted and signed as WeCom does, POSTed to the receiver, and what it
//! answered read back (a passive reply verified and decrypted), its body kept for the attempt log.

use wecom_wire::aibot::callback::{Encrypted, PassiveReply};
use wecom_wire::callback::{parse_passive_reply, push_envelope_xml};
use wecom_wire::crypto::MsgCrypt;

use super::log::{Kept, MAX_KEPT_TEXT_BYTES};
use super::{aibot_of, Callbacks, Push, CONTACT_SYNC};
use crate::state::State;

/// What the receiver answered, if anything.
pub(super) struct Answer {
    pub status: Option<u16>,
    pub outcome: &'static str,
    /// The answer's body as text.
    pub reply: Option<Kept>,
    /// The decrypted passive reply, if there was one.
    pub passive: Option<Vec<u8>>,
}

impl Answer {
    /// No answer at all (no URL, a timeout, a connection error).
    pub fn none(outcome: &'static str) -> Answer {
        Answer {
            status: None,
            outcome,
            reply: None,
            passive: None,
        }
    }

    pub fn of(status: u16, outcome: &'static str, reply: Option<Kept>) -> Answer {
        Answer {
            status: Some(status),
            outcome,
            reply,
            passive: None,
        }
    }
}

/// One try: encrypted, signed, POSTed; the answer read back.
pub(super) async fn attempt(
    st: &State,
    cb: &Callbacks,
    crypt: &MsgCrypt,
    url: &str,
    push: &Push,
) -> Answer {
    let random: [u8; 16] = std::array::from_fn(|_| fastrand::alphanumeric() as u8);
    let encrypt = crypt.encrypt(push.plaintext.as_bytes(), &random);
    let timestamp = st.clock.now_s().to_string();
    let nonce = fastrand::u32(100_000_000..999_999_999).to_string();
    let signature = crypt.signature(&timestamp, &nonce, &encrypt);
    let aibot = aibot_of(push.receiver).is_some();
    let body = if aibot {
        serde_json::to_string(&Encrypted { encrypt }).unwrap_or_default()
    } else {
        // The contacts-sync receiver has no app: its envelope's AgentID is empty.
        let agent = match push.receiver.1 {
            CONTACT_SYNC => String::new(),
            a => a.to_string(),
        };
        push_envelope_xml(crypt.receive_id(), &encrypt, &agent)
    };
    let mut req = cb
        .client
        .post(url)
        .query(&[
            ("msg_signature", signature.as_str()),
            ("timestamp", &timestamp),
            ("nonce", &nonce),
        ])
        .body(body)
        // WeCom gives up on an attempt after 5 s; tests of slow bots set it shorter.
        .timeout(st.settings.callback_timeout());
    if aibot {
        req = req.header(reqwest::header::CONTENT_TYPE, "application/json");
    }
    let sent = req.send().await;
    let resp = match sent {
        Ok(r) => r,
        Err(e) if e.is_timeout() => return Answer::none("timeout"),
        Err(_) => return Answer::none("connect"),
    };
    let status = resp.status().as_u16();
    if status != 200 {
        return Answer::of(status, "http_status", Some(read_capped(resp).await));
    }
    let text = match resp.text().await {
        Ok(t) => t,
        Err(e) if e.is_timeout() => return Answer::of(status, "timeout", None),
        Err(_) => return Answer::of(status, "bad_reply", None),
    };
    let kept = Some(Kept::new(&text));
    let reply = text.trim();
    if reply.is_empty() || reply.eq_ignore_ascii_case("success") {
        return Answer::of(status, "acknowledged", kept);
    }
    // An encrypted passive reply must be one WeCom could read.
    let valid = if aibot {
        PassiveReply::parse(reply).and_then(|r| r.open(crypt).ok())
    } else {
        parse_passive_reply(reply).ok().and_then(|r| {
            crypt
                .decrypt_verified(&r.msg_signature, &r.timestamp, &r.nonce, &r.encrypt)
                .ok()
        })
    };
    match valid {
        Some(plain) => Answer {
            passive: Some(plain),
            ..Answer::of(status, "passive_reply", kept)
        },
        None => Answer::of(status, "bad_reply", kept),
    }
}

/// What a refusing receiver said, for the log: at most [`MAX_KEPT_TEXT_BYTES`] of its body, read no further;
/// a body that fails or stalls midway gives what had come.
async fn read_capped(mut resp: reqwest::Response) -> Kept {
    let mut buf = Vec::new();
    let mut more = false;
    while let Ok(Some(chunk)) = resp.chunk().await {
        let room = MAX_KEPT_TEXT_BYTES - buf.len();
        if chunk.len() > room {
            buf.extend_from_slice(&chunk[..room]);
            more = true;
            break;
        }
        buf.extend_from_slice(&chunk);
    }
    let kept = Kept::new(&String::from_utf8_lossy(&buf));
    Kept {
        truncated: kept.truncated || more,
        ..kept
    }
}
