//! Chunked uploads under way on the long connection: each holds its chunks until `finish` puts them together
//! into media the bot alone may send, for 3 days. Bounded in bytes across all bots; an upload is forgotten
//! after its 30 minutes.

use bytes::Bytes;
use dashmap::DashMap;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};

use wecom_wire::aibot::upload::{
    self, Chunk, Init, MISSING_CHUNKS, SESSION_TTL_MS, UNKNOWN_UPLOAD,
};
use wecom_wire::aibot::{refusal, Refusal};
use wecom_wire::Errcode;

use super::BotKey;
use crate::state::State;
use crate::store::{Media, Owner};

/// Bytes of chunks all uploads under way may hold together; past it a chunk is refused until some finish or
/// expire.
const MAX_HELD_BYTES: usize = 64 * 1024 * 1024;
/// Uploads under way at once, across bots.
const MAX_UPLOADS: usize = 1_000;

struct Upload {
    key: BotKey,
    init: Init,
    chunks: Vec<Option<Bytes>>,
    held_bytes: usize,
    expires_ms: i64,
}

#[derive(Default)]
pub(crate) struct Uploads {
    by_id: DashMap<String, Upload>,
    held_bytes: AtomicUsize,
}

impl Uploads {
    pub(crate) fn clear(&self) {
        self.by_id.clear();
        self.held_bytes.store(0, Ordering::Relaxed);
    }

    fn remove(&self, id: &str) -> Option<Upload> {
        let (_, u) = self.by_id.remove(id)?;
        self.held_bytes.fetch_sub(u.held_bytes, Ordering::Relaxed);
        Some(u)
    }

    /// Forgets the uploads past their 30 minutes.
    fn sweep(&self, now_ms: i64) {
        let expired: Vec<String> = self
            .by_id
            .iter()
            .filter(|u| u.expires_ms < now_ms)
            .map(|u| u.key().clone())
            .collect();
        for id in expired {
            self.remove(&id);
        }
    }
}

fn busy() -> Refusal {
    refusal(Errcode::SYSTEM_BUSY, "system busy")
}

/// `aibot_upload_media_init`: the ack's body is `{upload_id}`.
pub(super) fn init(st: &State, key: BotKey, body: &Value) -> Result<Value, Refusal> {
    let init = Init::check(body)?;
    let ups = &st.aibots.uploads;
    let now_ms = st.clock.now_ms();
    if ups.by_id.len() >= MAX_UPLOADS {
        ups.sweep(now_ms);
        if ups.by_id.len() >= MAX_UPLOADS {
            return Err(busy());
        }
    }
    let id = st.ids.hex(32);
    let upload = Upload {
        key,
        chunks: vec![None; init.total_chunks],
        init,
        held_bytes: 0,
        expires_ms: now_ms + SESSION_TTL_MS,
    };
    ups.by_id.insert(id.clone(), upload);
    Ok(json!({ "upload_id": id }))
}

/// `aibot_upload_media_chunk`: any order; a chunk sent again replaces the first.
pub(super) fn chunk(st: &State, key: BotKey, body: &Value) -> Result<(), Refusal> {
    let c = Chunk::check(body)?;
    let ups = &st.aibots.uploads;
    let now_ms = st.clock.now_ms();
    let mut u = ups
        .by_id
        .get_mut(&c.upload_id)
        .filter(|u| u.key == key && now_ms <= u.expires_ms)
        .ok_or(UNKNOWN_UPLOAD)?;
    let n = u.chunks.len();
    let slot = u.chunks.get_mut(c.index).ok_or(refusal(
        Errcode::INVALID_PARAMETER,
        if n == 0 {
            "no chunks"
        } else {
            "chunk_index out of range"
        },
    ))?;
    let old = slot.as_ref().map_or(0, Bytes::len);
    let new = c.data.len();
    if ups.held_bytes.load(Ordering::Relaxed) + new > MAX_HELD_BYTES + old {
        return Err(busy());
    }
    *slot = Some(Bytes::from(c.data));
    u.held_bytes = u.held_bytes + new - old;
    ups.held_bytes.fetch_add(new, Ordering::Relaxed);
    ups.held_bytes.fetch_sub(old, Ordering::Relaxed);
    Ok(())
}

/// `aibot_upload_media_finish`: every chunk came and the whole is the file init named; the ack's body is
/// `{type, media_id, created_at}` (a string of seconds, as WeCom's doc shows).
pub(super) fn finish(st: &State, key: BotKey, body: &Value) -> Result<Value, Refusal> {
    let id = upload::finish_id(body)?;
    let ups = &st.aibots.uploads;
    let now_ms = st.clock.now_ms();
    let complete = ups
        .by_id
        .get(id)
        .filter(|u| u.key == key && now_ms <= u.expires_ms)
        .ok_or(UNKNOWN_UPLOAD)?
        .chunks
        .iter()
        .all(Option::is_some);
    if !complete {
        return Err(MISSING_CHUNKS);
    }
    let u = ups.remove(id).ok_or(UNKNOWN_UPLOAD)?;
    let mut data = Vec::with_capacity(u.held_bytes);
    for c in u.chunks.iter().flatten() {
        data.extend_from_slice(c);
    }
    u.init.matches(&data)?;
    let media_id = st.ids.media_id();
    let created_s = now_ms / 1000;
    let sim = st.sim();
    sim.store.add_media(
        media_id.clone(),
        Media {
            owner: Owner::Aibot {
                corp: key.0,
                bot: key.1,
            },
            kind: u.init.kind,
            data: Bytes::from(data),
            filename: u.init.filename,
            created_s,
            seq: 0,
        },
    );
    sim.store.prune_media(created_s);
    Ok(json!({
        "type": u.init.kind.as_str(),
        "media_id": media_id,
        "created_at": created_s.to_string(),
    }))
}
