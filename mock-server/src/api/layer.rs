//! The middleware every `/cgi-bin` call passes: the body limit, faults, rendering refusals with their hint,
//! the journal and metrics.

use axum::body::{to_bytes, Body};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::borrow::Cow;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tower::{Layer, ServiceExt};

use wecom_wire::envelope::{self, Hint};
use wecom_wire::Errcode;

use super::reply::{Rejected, ERROR_CODE, ERROR_MSG, JSON};
use super::{handler_of, wrong_json, ApiError, Call, Found, RawBody, Verb, ENDPOINTS};
use crate::journal;
use crate::state::State as Shared;

/// More than hyper's read buffer holds at most (8 KiB + 100 × 4 KiB), with room.
const ONE_CHUNK_AT_MOST_BYTES: usize = 1024 * 1024;

/// Every `/cgi-bin` call the mock knows passes here: faults, the body limit, rendering refusals with their hint,
/// the journal and metrics.
pub(super) async fn wrap(st: Arc<Shared>, req: Request, found: Found) -> Response {
    let started = Instant::now();
    let at_ms = st.clock.now_ms();
    let caller_ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let method = req.method().clone();
    let uri = req.uri().clone();
    let path = match found {
        Found::Endpoint(i) => Some(i),
        Found::Unmodelled => None,
    };
    let upload = path.is_some_and(|i| ENDPOINTS[i].verb == Verb::Upload);
    let handler = handler_of(found, &method);

    let (parts, body) = req.into_parts();
    let limit = if upload {
        st.settings.max_upload_bytes()
    } else {
        st.settings.max_body_bytes()
    };
    let (mut resp, body, warned) = call(&st, parts, body, (limit, upload), handler).await;

    let (errcode, errmsg) = match resp.extensions_mut().remove::<Rejected>() {
        // Refused below the API (broken framing, a late body): no errcode, and no metrics for the path.
        None if !resp.status().is_success() => (None, Cow::Borrowed("")),
        Some(Rejected(e)) => {
            let hint = Hint {
                unix_s: (at_ms / 1000) as u64,
                seq: st.ids.next_seq(),
                caller_ip: &caller_ip.map_or_else(|| "127.0.0.1".to_owned(), |ip| ip.to_string()),
            };
            let (code, msg) = render_refusal(&mut resp, &e, &hint, warned);
            (Some(code), msg)
        }
        None if warned => {
            let (code, msg) = warned_success(&mut resp).await;
            (Some(code), msg)
        }
        // Only media uploads answer "" (see ok_with_errmsg).
        None => match resp.headers().get(ERROR_MSG).map(HeaderValue::as_bytes) {
            Some(b"ok") => (Some(0), Cow::Borrowed("ok")),
            _ => (Some(0), Cow::Borrowed("")),
        },
    };
    let elapsed = started.elapsed();
    if let Some((path, errcode)) = path.zip(errcode) {
        st.metrics.observe(path, errcode, elapsed.as_secs_f64());
    }
    let target = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str());
    let (response, response_bytes) = super::answer::kept(&mut resp);
    st.journal.record(journal::Entry {
        at_ms,
        method,
        target: journal::kept_target(target),
        target_bytes: target.len(),
        body_bytes: body.len(),
        body: journal::kept_prefix(&body),
        response,
        response_bytes,
        status: resp.status().as_u16(),
        errcode,
        errmsg,
        duration_us: elapsed.as_micros() as u64,
        caller_ip,
    });
    resp
}

/// The body read up to `limit` (and copied), faults applied, the handler run: the response, the body, and
/// whether the handler read the body as broken JSON.
async fn call(
    st: &Arc<Shared>,
    parts: axum::http::request::Parts,
    body: Body,
    (limit, upload): (usize, bool),
    handler: Option<Call>,
) -> (Response, bytes::Bytes, bool) {
    // A declared length past the limit is refused at once by `read_body`, and a request with neither a length
    // nor chunks has no body: neither needs a share. A chunked body may grow to the limit.
    let declared = super::extract::declared_length(&parts.headers);
    let chunked = parts
        .headers
        .contains_key(axum::http::header::TRANSFER_ENCODING);
    let share = match declared {
        Some(n) if n > limit as u64 || n == 0 => None,
        Some(n) => Some(n as usize * 2),
        None if chunked => Some(limit.saturating_mul(2)),
        None => None,
    };
    let _held = match share {
        Some(bytes) => match st.inflight.reserve(bytes).await {
            Some(permit) => Some(permit),
            None => {
                let busy = ApiError::from(Errcode::SYSTEM_BUSY).into_response();
                return (busy, bytes::Bytes::new(), false);
            }
        },
        None => None,
    };
    let body = match super::extract::read_body(declared, body, limit, upload).await {
        Ok(body) => body,
        Err(refused) => return (refused, bytes::Bytes::new(), false),
    };
    // The body outlives the call (inboxes, the media store, the journal). As read, a body that came in one
    // chunk is a slice of hyper's connection buffer and would pin all of it; its own allocation lets hyper reuse
    // the buffer. A body bigger than that buffer can ever be (about 400 KiB) was gathered from several chunks
    // into an allocation of its own already: copying 20 MB again would only cost.
    let body = if body.len() > ONE_CHUNK_AT_MOST_BYTES {
        body
    } else {
        bytes::Bytes::copy_from_slice(&body)
    };
    let fault = st.faults.check(parts.uri.path());
    if let Some(delay) = fault.map(|f| f.delay_ms).filter(|d| *d > 0) {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    if let Some(code) = fault.and_then(|f| f.errcode) {
        return (ApiError::from(Errcode(code)).into_response(), body, false);
    }
    let mut parts = parts;
    // Multipart parsers want a body; JSON handlers take the bytes as they are (RawBody).
    let inner = if upload {
        Body::from(body.clone())
    } else {
        parts.extensions.insert(RawBody(body.clone()));
        Body::empty()
    };
    let Some(handler) = handler else {
        return (
            ApiError::from(Errcode::EMPTY_PARAM).into_response(),
            body,
            false,
        );
    };
    let req = Request::from_parts(parts, inner);
    let (resp, warned) = if upload {
        // The upload limit was applied above; the multipart parser would otherwise add axum's own 2 MB one.
        let call =
            tower::service_fn(|req| async { Ok::<_, Infallible>(handler(req, st.clone()).await) });
        let call = DefaultBodyLimit::disable().layer(call).oneshot(req);
        let (resp, warned) = wrong_json::scope(call).await;
        (resp.unwrap_or_else(|never| match never {}), warned)
    } else {
        wrong_json::scope(handler(req, st.clone())).await
    };
    (resp, body, warned)
}

/// A refusal as WeCom sends it: HTTP 200, the envelope with errmsg and its hint, the `Error-Code`/`Error-Msg`
/// headers.
fn render_refusal(
    resp: &mut Response,
    e: &ApiError,
    hint: &Hint<'_>,
    warned: bool,
) -> (i64, Cow<'static, str>) {
    let text = if warned {
        envelope::with_wrong_json_warning(e.err.text())
    } else {
        e.err.text().to_owned()
    };
    let text = envelope::errmsg(e.err.code, &text, hint);
    *resp.body_mut() = Body::from(envelope::error_body(e.err.code, &text, e.defaults.as_ref()));
    *resp.status_mut() = StatusCode::OK;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    h.insert(ERROR_CODE, HeaderValue::from(e.err.code.0));
    if let Ok(v) = HeaderValue::from_str(&text) {
        h.insert(ERROR_MSG, v);
    }
    (e.err.code.0, Cow::Owned(text))
}

/// A success read from a body that was not quite JSON: WeCom answers `ok. Warning: wrong json format. `.
async fn warned_success(resp: &mut Response) -> (i64, Cow<'static, str>) {
    const OK: &[u8] = br#"{"errcode":0,"errmsg":"ok""#;
    let text = envelope::with_wrong_json_warning("ok");
    let body = std::mem::take(resp.body_mut());
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let out = match bytes.strip_prefix(OK) {
        Some(rest) => {
            let mut out = br#"{"errcode":0,"errmsg":"#.to_vec();
            // A string always serializes.
            out.extend(serde_json::to_vec(&text).unwrap_or_default());
            out.extend_from_slice(rest);
            bytes::Bytes::from(out)
        }
        None => bytes,
    };
    *resp.body_mut() = Body::from(out);
    if let Ok(v) = HeaderValue::from_str(&text) {
        resp.headers_mut().insert(ERROR_MSG, v);
    }
    (0, Cow::Owned(text))
}
