//! What a handler answers: a success in WeCom's envelope, or an [`ApiError`] that [`super::layer`] renders with
//! its hint.

use axum::body::Body;
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use wecom_wire::envelope::Envelope;
use wecom_wire::{Errcode, WireError};

/// A call WeCom would refuse. Rendered by [`super::layer`], which knows the caller's address for the hint.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub err: WireError,
    /// Fields WeCom keeps on error (`"ip_list":[]`).
    pub defaults: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ApiError {
    pub fn with_defaults(err: impl Into<WireError>, defaults: serde_json::Value) -> ApiError {
        let defaults = match defaults {
            serde_json::Value::Object(m) => Some(m),
            _ => None,
        };
        ApiError {
            err: err.into(),
            defaults,
        }
    }
}

impl From<WireError> for ApiError {
    fn from(err: WireError) -> Self {
        ApiError {
            err,
            defaults: None,
        }
    }
}

impl From<Errcode> for ApiError {
    fn from(code: Errcode) -> Self {
        ApiError {
            err: WireError::new(code),
            defaults: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = Response::new(Body::empty());
        r.extensions_mut().insert(Rejected(Box::new(self)));
        r
    }
}

/// A refusal, left in the response for [`super::layer`] to render. Successes carry no extension (it would cost two
/// allocations per call); they set their `error-code`/`error-msg` headers themselves.
#[derive(Debug, Clone)]
pub(super) struct Rejected(pub(super) Box<ApiError>);

pub type ApiResult = Result<Response, ApiError>;

/// `{"errcode":0,"errmsg":"ok", ...body}`.
pub fn ok<T: Serialize>(body: T) -> ApiResult {
    ok_with_errmsg("ok", body)
}

/// Media uploads answer with `"errmsg":""` in WeCom's examples.
pub fn ok_with_errmsg<T: Serialize>(errmsg: &'static str, body: T) -> ApiResult {
    let bytes = envelope_bytes(errmsg, &body).ok_or(Errcode::SYSTEM_BUSY)?;
    let mut r = Response::new(Body::from(bytes));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    ok_headers(&mut r, errmsg);
    Ok(r)
}

/// The same bytes as `Envelope { errcode: 0, errmsg, body }`, without `#[serde(flatten)]`'s detour through a
/// map: the prefix is written by hand and the body struct's fields are spliced in after it.
fn envelope_bytes<T: Serialize>(errmsg: &str, body: &T) -> Option<Vec<u8>> {
    let mut buf = Vec::with_capacity(256);
    buf.extend_from_slice(br#"{"errcode":0,"errmsg":"#);
    serde_json::to_writer(&mut buf, errmsg).ok()?;
    let start = buf.len();
    serde_json::to_writer(&mut buf, body).ok()?;
    match &buf[start..] {
        b"{}" => {
            buf.truncate(start);
            buf.push(b'}');
        }
        [b'{', ..] => buf[start] = b',',
        // Not an object: every body is a struct, so this is a bug; fall back to the slow, sure path.
        _ => {
            return serde_json::to_vec(&Envelope {
                errcode: 0,
                errmsg,
                body,
            })
            .ok()
        }
    }
    Some(buf)
}

fn ok_headers(r: &mut Response, errmsg: &'static str) {
    let h = r.headers_mut();
    h.insert(ERROR_CODE, HeaderValue::from_static("0"));
    h.insert(ERROR_MSG, HeaderValue::from_static(errmsg));
}

/// A success whose JSON the handler wrote itself (`kf/sync_msg` splices stored items in as they are).
pub fn ok_json_bytes(bytes: Vec<u8>) -> ApiResult {
    let mut r = Response::new(Body::from(bytes));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    ok_headers(&mut r, "ok");
    Ok(r)
}

/// A non-JSON success (`media/get`).
pub fn ok_raw(mut r: Response) -> ApiResult {
    ok_headers(&mut r, "ok");
    Ok(r)
}

pub(super) const JSON: &str = "application/json; charset=UTF-8";

/// WeCom's headers beside the envelope, named once: a name given as a string is parsed on every insert.
pub(super) const ERROR_CODE: HeaderName = HeaderName::from_static("error-code");
pub(super) const ERROR_MSG: HeaderName = HeaderName::from_static("error-msg");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_bytes_match_the_envelope_type() {
        #[derive(serde::Serialize)]
        struct B {
            msgid: &'static str,
            n: i64,
        }
        let fast = envelope_bytes(
            "ok",
            &B {
                msgid: "m\"1",
                n: 2,
            },
        )
        .unwrap_or_default();
        let sure = serde_json::to_vec(&Envelope {
            errcode: 0,
            errmsg: "ok",
            body: B {
                msgid: "m\"1",
                n: 2,
            },
        });
        assert_eq!(fast, sure.unwrap_or_default());
        let empty = envelope_bytes("", &wecom_wire::envelope::Empty {}).unwrap_or_default();
        assert_eq!(empty, br#"{"errcode":0,"errmsg":""}"#);
    }
}
