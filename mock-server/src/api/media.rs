//! Temporary media: `media/upload` (multipart, field `media`), `media/get`, and `media/uploadimg`, whose
//! picture URLs point back at the mock (`/wwpic/{id}`) so nothing reaches a real WeChat host.

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use std::sync::Arc;

use wecom_wire::media::{self, MediaType, UploadImgResponse, UploadResponse};
use wecom_wire::{Errcode, WireError};

use super::{caller, dir_caller, ok_raw, ok_with_errmsg, ApiError, ApiResult, Params};
use crate::state::{Sim, State as Shared};
use crate::store::links::{Link, PIC_HOST};
use crate::store::{Media, Owner};

/// Bodies at least this big are parsed on a blocking thread: scanning and copying 20 MB in one poll would hold a
/// runtime worker (and `/mock/health` behind it) for tens of milliseconds.
const PARSE_APART_BYTES: u64 = 1024 * 1024;

/// The `media` part of a multipart upload: (file name, bytes). No part, or no multipart at all, is "empty".
pub async fn media_part(req: Request) -> Result<(String, Bytes), ApiError> {
    let big = axum::body::HttpBody::size_hint(req.body()).lower() >= PARSE_APART_BYTES;
    if !big {
        return parse_media_part(req).await;
    }
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || handle.block_on(parse_media_part(req)))
        .await
        .unwrap_or_else(|_| Err(Errcode::EMPTY_MEDIA.into()))
}

async fn parse_media_part(req: Request) -> Result<(String, Bytes), ApiError> {
    let mut form = Multipart::from_request(req, &())
        .await
        .map_err(|_| Errcode::EMPTY_MEDIA)?;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("media") {
            let filename = field.file_name().unwrap_or("media").to_owned();
            let data = field.bytes().await.map_err(|_| Errcode::EMPTY_MEDIA)?;
            return Ok((filename, data));
        }
    }
    Err(Errcode::EMPTY_MEDIA.into())
}

pub async fn upload(State(st): State<Arc<Shared>>, q: Params, req: Request) -> ApiResult {
    // The contacts-sync secret uploads the CSV files of `batch/*` jobs: a corp's upload either way.
    let who = dir_caller(&st, &q)?;
    let kind = q
        .get("type")
        .and_then(|t| MediaType::parse(&t))
        .ok_or(Errcode::INVALID_TYPE)?;
    let (filename, data) = media_part(req).await?;
    media::check_upload(kind, &data)?;
    let created_s = st.clock.now_s();
    let media_id = st.ids.media_id();
    st.sim().store.add_media(
        media_id.clone(),
        Media {
            owner: Owner::Corp(who.corp),
            kind,
            data,
            filename,
            created_s,
            seq: 0,
        },
    );
    st.sim().store.prune_media(created_s);
    ok_with_errmsg(
        "",
        UploadResponse {
            kind,
            media_id,
            created_at: created_s.to_string(),
        },
    )
}

pub async fn get(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = caller(&st, &q)?;
    let id = q
        .get("media_id")
        .filter(|m| !m.is_empty())
        .ok_or(Errcode::INVALID_MEDIA_ID)?;
    let sim = st.sim();
    let now_s = st.clock.now_s();
    let m = sim
        .store
        .media
        .get(id.as_ref())
        .map(|m| m.clone())
        .filter(|m| m.owner == Owner::Corp(who.corp) && now_s < m.created_s + media::MEDIA_TTL_S)
        .ok_or_else(|| {
            WireError::with_detail(Errcode::INVALID_MEDIA_ID, format!("invalid media_id {id}"))
        })?;
    let mut r = Response::new(m.data.clone().into());
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(m.kind.content_type(&m.data)),
    );
    let disposition = format!(
        "attachment; filename=\"{}\"",
        m.filename.replace(['"', '\r', '\n'], "_")
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    ok_raw(r)
}

pub async fn uploadimg(State(st): State<Arc<Shared>>, q: Params, req: Request) -> ApiResult {
    caller(&st, &q)?;
    let (_, data) = media_part(req).await?;
    if data.is_empty() {
        return Err(Errcode::EMPTY_MEDIA.into());
    }
    if data.len() < media::MIN_BYTES || data.len() > media::MAX_UPLOADIMG_BYTES {
        return Err(Errcode::INVALID_IMAGE_SIZE.into());
    }
    if !media::is_image(&data) {
        return Err(Errcode::INVALID_MEDIA_FILE.into());
    }
    let id = st.ids.media_id();
    // WeCom's picture host, as WeCom answers; the mock serves the picture at its own `/wwpic/{id}`, which
    // `/mock/links/resolve` gives for this URL.
    let url = format!("{PIC_HOST}{}", st.ids.picture_path(st.clock.now_s()));
    let sim = st.sim();
    sim.store.add_image(id.clone(), data);
    sim.store.links.add(&url, Link::Image { id });
    ok_with_errmsg("ok", UploadImgResponse { url })
}

/// `GET /wwpic/{id}`: a picture uploaded with `media/uploadimg`.
pub async fn picture(State(st): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    picture_bytes(&st.sim(), &id)
}

/// The picture `id` with its content type, or 404 (also what the pictures host answers through the proxy).
pub fn picture_bytes(sim: &Sim, id: &str) -> Response {
    match sim.store.images.get(id).map(|i| i.data.clone()) {
        Some(data) => {
            let ct = MediaType::Image.content_type(&data);
            ([(header::CONTENT_TYPE, ct)], data).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
