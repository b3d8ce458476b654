//! Group robots: `webhook/send?key=` and `webhook/upload_media?key=&type=`. No access token; the key is the
//! credential. Each robot takes 20 messages a minute on the mock clock.

use axum::extract::{Request, State};
use std::sync::Arc;

use wecom_wire::envelope::Empty;
use wecom_wire::media::{self, MediaType, UploadResponse};
use wecom_wire::webhook::{self, SendRequest};
use wecom_wire::{Errcode, WireError};

use super::media::media_part;
use super::{json, ok, ApiResult, Params, RawBody};
use crate::events::{Event, EventKind, Now, Route};
use crate::state::State as Shared;
use crate::store::{Delivery, InboxId, Media, Owner, Source};

pub async fn send(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let key = q.get("key").unwrap_or_default();
    let sim = st.sim();
    let (corp, robot) = sim.world.robot(&key).ok_or(Errcode::INVALID_WEBHOOK)?;
    let now_ms = st.clock.now_ms();
    if !sim
        .store
        .robot_attempt(corp, robot, now_ms, st.settings.webhook_per_minute())
    {
        return Err(st.settings.webhook_limit_errcode().into());
    }
    let req: SendRequest = json(&body)?;
    let valid = webhook::validate(&req)?;
    if let Some(id) = &valid.media_id {
        let want = if valid.msgtype == webhook::Msgtype::Voice {
            MediaType::Voice
        } else {
            MediaType::File
        };
        let now_s = now_ms / 1000;
        let live = sim.store.media.get(id.as_str()).is_some_and(|m| {
            m.owner == (Owner::Robot { corp, robot })
                && m.kind == want
                && now_s < m.created_s + media::MEDIA_TTL_S
        });
        if !live {
            return Err(WireError::with_detail(
                Errcode::INVALID_MEDIA_ID,
                format!("invalid media_id {id}"),
            )
            .into());
        }
    }
    let seq = st.ids.next_seq();
    let source = Source::Robot {
        key: key.into_owned(),
    };
    let d = Delivery::new(
        st.ids.msgid(seq),
        source,
        valid.msgtype.as_str(),
        body,
        now_ms / 1000,
    );
    sim.store.deliver(InboxId::Robot { corp, robot }, &d);
    let receiver = || format!("robot:{}", sim.world.corps[corp].robots[robot].key);
    st.events.emit(|| {
        Event::now(
            &st.clock,
            EventKind::Delivered,
            Route::Robot,
            &d.msgid,
            receiver(),
        )
    });
    ok(Empty {})
}

pub async fn upload_media(State(st): State<Arc<Shared>>, q: Params, req: Request) -> ApiResult {
    // WeCom looks at the file before the key: an empty upload is 44001 even with a bad key.
    let (filename, data) = media_part(req).await?;
    if data.is_empty() {
        return Err(Errcode::EMPTY_MEDIA.into());
    }
    let key = q.get("key").unwrap_or_default();
    let sim = st.sim();
    let (corp, robot) = sim.world.robot(&key).ok_or(Errcode::INVALID_WEBHOOK)?;
    let kind = match q.get("type").as_deref() {
        Some("file") => MediaType::File,
        Some("voice") => MediaType::Voice,
        _ => return Err(Errcode::INVALID_TYPE.into()),
    };
    media::check_upload(kind, &data)?;
    let created_s = st.clock.now_s();
    let media_id = st.ids.media_id();
    let m = Media {
        owner: Owner::Robot { corp, robot },
        kind,
        data,
        filename,
        created_s,
        seq: 0,
    };
    sim.store.add_media(media_id.clone(), m);
    sim.store.prune_media(created_s);
    ok(UploadResponse {
        kind,
        media_id,
        created_at: created_s.to_string(),
    })
}
