//! docs/aibot.md says what `wecom_wire::aibot` says: each AI-bot refusal with its errmsg, and each limit.

use wecom_wire::aibot::{self, upload, Refusal};

const DOC: &str = include_str!("../../docs/aibot.md");

#[test]
fn the_refusals_are_in_the_doc_with_their_errmsg() {
    let refusals: [Refusal; 4] = [
        aibot::INVALID_CREDENTIALS,
        aibot::INVALID_REQ_ID,
        aibot::ALREADY_RESPONDED,
        aibot::STREAM_EXPIRED,
    ];
    for (code, msg) in refusals {
        let shown = [format!("{code} `{msg}`"), format!("**{code}** `{msg}`")];
        assert!(
            shown.iter().any(|s| DOC.contains(s.as_str())),
            "docs/aibot.md names {code} with its errmsg {msg:?}"
        );
    }
}

#[test]
fn the_limits_are_the_docs() {
    let limits = [
        format!("{} bytes of UTF-8", aibot::MAX_STREAM_BYTES),
        format!("({} min)", aibot::STREAM_TTL_MS / 60_000),
        format!("for {} h", aibot::REPLY_WINDOW_MS / 3_600_000),
        format!(
            "for {} s (`aibot_welcome_window_ms`)",
            aibot::WELCOME_WITHIN_MS / 1000
        ),
        format!(
            "| {} (`aibot_max_in_flight`",
            aibot::MAX_IN_FLIGHT_PER_MEMBER
        ),
        format!("({} s; 0: never)", aibot::IDLE_TIMEOUT_MS / 1000),
        format!(
            "1–{} chunks of at most {} KiB decoded",
            upload::MAX_CHUNKS,
            upload::MAX_CHUNK_BYTES / 1024
        ),
        format!("`filename` 1–{} bytes", upload::MAX_FILENAME_BYTES),
        format!("at least {} bytes", upload::MIN_TOTAL_BYTES),
        format!("within {} min", upload::SESSION_TTL_MS / 60_000),
    ];
    for l in &limits {
        assert!(DOC.contains(l.as_str()), "docs/aibot.md says {l:?}");
    }
}
