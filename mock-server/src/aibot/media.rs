//! The files in members' messages to AI bots (images, files, videos): each message gets a URL of its own on the
//! mock and a fresh `aeskey`, and the URL serves the placeholder encrypted under it for 5 minutes of mock time,
//! as WeCom's do. Served at `/wwaibot/{id}`, beside `/wwpic/`, outside `/mock/` so the bot needs no admin token.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use dashmap::DashMap;
use std::sync::Arc;

use crate::control::{placeholder_bytes, PathParams};
use crate::state::State as Shared;

/// How long a file's URL serves it.
pub(crate) const URL_TTL_MS: i64 = 5 * 60 * 1000;
/// URLs served at once; past it the expired ones are swept, then the new file is refused.
const MAX_URLS: usize = 10_000;

struct File {
    key: [u8; 32],
    msgtype: &'static str,
    expires_ms: i64,
}

#[derive(Default)]
pub(crate) struct Files(DashMap<String, File>);

impl Files {
    pub(crate) fn clear(&self) {
        self.0.clear();
    }
}

/// A URL for a placeholder of `msgtype` on the mock at `base` (`http://host:port`), and its `aeskey` (base64
/// without padding, as WeCom sends it); none when too many are live.
pub(crate) fn offer(st: &Shared, base: &str, msgtype: &'static str) -> Option<(String, String)> {
    let files = &st.aibots.files.0;
    let now_ms = st.clock.now_ms();
    if files.len() >= MAX_URLS {
        files.retain(|_, f| f.expires_ms > now_ms);
        if files.len() >= MAX_URLS {
            return None;
        }
    }
    let mut key = [0u8; 32];
    for b in &mut key {
        *b = fastrand::u8(..);
    }
    let id = st.ids.hex(32);
    let expires_ms = now_ms + URL_TTL_MS;
    files.insert(
        id.clone(),
        File {
            key,
            msgtype,
            expires_ms,
        },
    );
    let aeskey = base64::engine::general_purpose::STANDARD_NO_PAD.encode(key);
    Some((format!("{base}/wwaibot/{id}"), aeskey))
}

/// `GET /wwaibot/{id}`: the file, encrypted; 404 once its 5 minutes are over.
pub(crate) async fn download(
    State(st): State<Arc<Shared>>,
    PathParams(id): PathParams<String>,
) -> Response {
    let now_ms = st.clock.now_ms();
    let Some(f) = st.aibots.files.0.get(&id).filter(|f| f.expires_ms > now_ms) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (_, data, filename) = placeholder_bytes(f.msgtype);
    let body = wecom_wire::crypto::encrypt_file(&f.key, data);
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}
