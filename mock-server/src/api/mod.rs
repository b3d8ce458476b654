//! The WeCom API under `/cgi-bin/`: one module per API family, and the layer every call passes through
//! (faults, body limit, the errcode envelope with its hint, the journal, metrics).

pub mod appchat;
pub mod directory;
pub mod media;
pub mod message;
pub mod token;
pub mod webhook;

use axum::body::{to_bytes, Body};
use axum::extract::{ConnectInfo, Request, State as AxState};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use wecom_wire::envelope::{self, Envelope, Hint};
use wecom_wire::{Errcode, WireError};

use crate::journal;
use crate::state::State;
use crate::tokens::TokenError;

type Shared = Arc<State>;

/// Every path the mock answers under `/cgi-bin/`; metrics label requests with these.
pub const PATHS: &[&str] = &[
    "/cgi-bin/gettoken",
    "/cgi-bin/message/send",
    "/cgi-bin/message/recall",
    "/cgi-bin/appchat/create",
    "/cgi-bin/appchat/get",
    "/cgi-bin/appchat/update",
    "/cgi-bin/appchat/send",
    "/cgi-bin/media/upload",
    "/cgi-bin/media/get",
    "/cgi-bin/media/uploadimg",
    "/cgi-bin/webhook/send",
    "/cgi-bin/webhook/upload_media",
    "/cgi-bin/user/get",
    "/cgi-bin/user/list",
    "/cgi-bin/user/simplelist",
    "/cgi-bin/department/list",
    "/cgi-bin/tag/list",
    "/cgi-bin/tag/get",
    "/cgi-bin/agent/get",
    "/cgi-bin/getcallbackip",
    "/cgi-bin/get_api_domain_ip",
];

const UPLOAD_PATHS: &[&str] = &[
    "/cgi-bin/media/upload",
    "/cgi-bin/media/uploadimg",
    "/cgi-bin/webhook/upload_media",
];

/// The index of a path in [`PATHS`].
fn path_index(path: &str) -> Option<usize> {
    PATHS.iter().position(|p| *p == path)
}

pub fn routes(state: Shared) -> Router<Shared> {
    Router::new()
        .route("/cgi-bin/gettoken", get_only(token::gettoken))
        .route("/cgi-bin/message/send", post_only(message::send))
        .route("/cgi-bin/message/recall", post_only(message::recall))
        .route("/cgi-bin/appchat/create", post_only(appchat::create))
        .route("/cgi-bin/appchat/get", get_only(appchat::get))
        .route("/cgi-bin/appchat/update", post_only(appchat::update))
        .route("/cgi-bin/appchat/send", post_only(appchat::send))
        .route("/cgi-bin/media/upload", post_only(media::upload))
        .route("/cgi-bin/media/get", get_only(media::get))
        .route("/cgi-bin/media/uploadimg", post_only(media::uploadimg))
        .route("/cgi-bin/webhook/send", post_only(webhook::send))
        .route(
            "/cgi-bin/webhook/upload_media",
            post_only(webhook::upload_media),
        )
        .route("/cgi-bin/user/get", get_only(directory::user_get))
        .route("/cgi-bin/user/list", get_only(directory::user_list))
        .route(
            "/cgi-bin/user/simplelist",
            get_only(directory::user_simplelist),
        )
        .route(
            "/cgi-bin/department/list",
            get_only(directory::department_list),
        )
        .route("/cgi-bin/tag/list", get_only(directory::tag_list))
        .route("/cgi-bin/tag/get", get_only(directory::tag_get))
        .route("/cgi-bin/agent/get", get_only(directory::agent_get))
        .route("/cgi-bin/getcallbackip", get_only(directory::callback_ip))
        .route(
            "/cgi-bin/get_api_domain_ip",
            get_only(directory::callback_ip),
        )
        .layer(from_fn_with_state(state, layer))
}

fn get_only<H, T>(h: H) -> MethodRouter<Shared>
where
    H: axum::handler::Handler<T, Shared>,
    T: 'static,
{
    get(h).fallback(|| async { ApiError::from(Errcode::REQUIRE_GET) })
}

fn post_only<H, T>(h: H) -> MethodRouter<Shared>
where
    H: axum::handler::Handler<T, Shared>,
    T: 'static,
{
    post(h).fallback(|| async { ApiError::from(Errcode::REQUIRE_POST) })
}

/// A call WeCom would refuse. Rendered by [`layer`], which knows the caller's address for the hint.
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

/// A refusal, left in the response for [`layer`] to render. Successes carry no extension (it would cost two
/// allocations per call); they set their `error-code`/`error-msg` headers themselves.
#[derive(Debug, Clone)]
struct Rejected(Box<ApiError>);

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
    h.insert("error-code", HeaderValue::from_static("0"));
    h.insert("error-msg", HeaderValue::from_static(errmsg));
}

/// A non-JSON success (`media/get`).
pub fn ok_raw(mut r: Response) -> ApiResult {
    ok_headers(&mut r, "ok");
    Ok(r)
}

const JSON: &str = "application/json; charset=UTF-8";

/// A JSON call's body, read once by [`layer`] and handed over as it is.
#[derive(Debug, Default, Clone)]
pub struct RawBody(pub bytes::Bytes);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RawBody {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.remove::<RawBody>().unwrap_or_default())
    }
}

/// The query string, read without allocating unless a value needs decoding.
#[derive(Debug, Default)]
pub struct Params(Option<axum::http::Uri>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Params {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        // A Uri clone shares its buffer; the query is read in place.
        Ok(Params(Some(parts.uri.clone())))
    }
}

impl Params {
    pub fn get(&self, key: &str) -> Option<Cow<'_, str>> {
        let query = self.0.as_ref()?.query()?;
        // Most values (tokens, ids) need no decoding: hand out the slice, and decode only when they do.
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if k.bytes().any(|b| b == b'%' || b == b'+') {
                return Self::decoded(query, key);
            }
            if k == key {
                if v.bytes().any(|b| b == b'%' || b == b'+') {
                    return Self::decoded(query, key);
                }
                return Some(Cow::Borrowed(v));
            }
        }
        None
    }

    fn decoded<'q>(query: &'q str, key: &str) -> Option<Cow<'q, str>> {
        form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
}

/// The app a token opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub corp: usize,
    pub agentid: i64,
}

/// Checks `access_token`; only the query string counts (a token in a header or the body is ignored, as WeCom
/// ignores it).
pub fn caller(st: &State, q: &Params) -> Result<Caller, ApiError> {
    let token = q.get("access_token");
    match st.tokens.check(token.as_deref(), st.clock.now_ms()) {
        Ok(g) => Ok(Caller {
            corp: g.corp,
            agentid: g.agentid,
        }),
        Err(TokenError::Missing) => Err(Errcode::TOKEN_MISSING.into()),
        Err(TokenError::Unknown) => Err(Errcode::INVALID_TOKEN.into()),
        Err(TokenError::Expired) => Err(st.settings.expired_token_errcode().into()),
    }
}

/// Parses a JSON body whatever its Content-Type (wechatpy sends none). An empty body reads as `{}`.
pub fn json<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Ok(T::default()),
        // serde would take a struct from an array; WeCom wants an object.
        Some(b) if *b != b'{' => return Err(Errcode::DATA_FORMAT.into()),
        Some(_) => {}
    }
    match serde_json::from_slice(body) {
        Ok(v) => Ok(v),
        Err(e) if e.is_data() => Err(type_error::<T>(body)),
        Err(_) => Err(Errcode::DATA_FORMAT.into()),
    }
}

/// Names the field of a wrong type. Parsing again with path tracking is slower, so only refusals pay for it.
fn type_error<T: DeserializeOwned>(body: &[u8]) -> ApiError {
    let mut de = serde_json::Deserializer::from_slice(body);
    let path = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => e.path().to_string(),
        Ok(_) => ".".to_owned(),
    };
    WireError::with_detail(
        Errcode::INVALID_PARAMETER,
        format!("{path} invalid type. invalid Request Parameter"),
    )
    .into()
}

/// Every `/cgi-bin` call passes here: faults, the body limit, rendering refusals with their hint, the journal
/// and metrics.
async fn layer(AxState(st): AxState<Shared>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let at_ms = st.clock.now_ms();
    let caller_ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let method = req.method().clone();
    let uri = req.uri().clone();
    let path = path_index(uri.path());
    let upload = UPLOAD_PATHS.contains(&uri.path());

    let (parts, body) = req.into_parts();
    let limit = if upload {
        st.settings.max_upload_bytes()
    } else {
        st.settings.max_body_bytes()
    };
    let (mut resp, body) = match to_bytes(body, limit).await {
        Err(_) => {
            let code = if upload {
                Errcode::MEDIA_TOO_LARGE
            } else {
                Errcode::CONTENT_TOO_LARGE
            };
            (ApiError::from(code).into_response(), bytes::Bytes::new())
        }
        Ok(body) => {
            // The body outlives the call (journal, inboxes). As read, it is a slice of hyper's connection
            // buffer and would pin all of it; its own allocation lets hyper reuse the buffer.
            let body = bytes::Bytes::copy_from_slice(&body);
            let fault = st.faults.check(uri.path());
            if let Some(delay) = fault.map(|f| f.delay_ms).filter(|d| *d > 0) {
                tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
            }
            match fault.and_then(|f| f.errcode) {
                Some(code) => (ApiError::from(Errcode(code)).into_response(), body),
                None => {
                    let mut parts = parts;
                    // Multipart parsers want a body; JSON handlers take the bytes as they are (RawBody).
                    let inner = if upload {
                        Body::from(body.clone())
                    } else {
                        parts.extensions.insert(RawBody(body.clone()));
                        Body::empty()
                    };
                    (next.run(Request::from_parts(parts, inner)).await, body)
                }
            }
        }
    };

    let (errcode, errmsg) = match resp.extensions_mut().remove::<Rejected>() {
        Some(Rejected(e)) => {
            let ip = caller_ip.map_or_else(|| "127.0.0.1".to_owned(), |ip| ip.to_string());
            let hint = Hint {
                unix_s: (at_ms / 1000) as u64,
                seq: st.ids.next_seq(),
                caller_ip: &ip,
            };
            let text = envelope::errmsg(e.err.code, e.err.text(), &hint);
            *resp.body_mut() = Body::from(envelope::error_body(&e.err, &hint, e.defaults.as_ref()));
            *resp.status_mut() = StatusCode::OK;
            let h = resp.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
            h.insert("error-code", HeaderValue::from(e.err.code.0));
            if let Ok(v) = HeaderValue::from_str(&text) {
                h.insert("error-msg", v);
            }
            (e.err.code.0, Cow::Owned(text))
        }
        // Only media uploads answer "" (see ok_with_errmsg).
        None => match resp.headers().get("error-msg").map(HeaderValue::as_bytes) {
            Some(b"ok") => (0, Cow::Borrowed("ok")),
            _ => (0, Cow::Borrowed("")),
        },
    };
    let elapsed = started.elapsed();
    if let Some(path) = path {
        st.metrics.observe(path, errcode, elapsed.as_secs_f64());
    }
    st.journal.record(journal::Entry {
        at_ms,
        method,
        target: uri
            .path_and_query()
            .map_or(uri.path(), |pq| pq.as_str())
            .into(),
        body,
        status: resp.status().as_u16(),
        errcode,
        errmsg,
        duration_us: elapsed.as_micros() as u64,
        caller_ip,
    });
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, serde::Deserialize)]
    struct T {
        #[allow(dead_code)]
        #[serde(default)]
        n: Option<i64>,
    }

    fn code(body: &[u8]) -> i64 {
        json::<T>(body).map(|_| 0).unwrap_or_else(|e| e.err.code.0)
    }

    #[test]
    fn json_errors_map_to_errcodes() {
        assert_eq!(code(b""), 0);
        assert_eq!(code(b"  \n"), 0);
        assert_eq!(code(br#"{"n":1}"#), 0);
        assert_eq!(code(b"{"), 47001);
        assert_eq!(code(br#"{"n":1} x"#), 47001);
        assert_eq!(code(b"{\"n\":\"\xff\"}"), 47001);
        assert_eq!(code(br#"{"n":"x"}"#), 40058);
        assert_eq!(code(br#"[1]"#), 47001);
        assert_eq!(code(br#"null"#), 47001);
    }

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

    #[test]
    fn params_decode() {
        let p = |q: &str| Params(format!("/x?{q}").parse().ok());
        let q = p("a=1&key=x%2By&b&t=plain_token-123");
        assert_eq!(q.get("key").as_deref(), Some("x+y"));
        assert_eq!(q.get("b").as_deref(), Some(""));
        assert_eq!(q.get("c"), None);
        assert!(matches!(q.get("t"), Some(Cow::Borrowed("plain_token-123"))));
        assert_eq!(
            p("k%65y=v").get("key").as_deref(),
            Some("v"),
            "an encoded key is decoded"
        );
        assert_eq!(p("a=1+2").get("a").as_deref(), Some("1 2"));
        assert_eq!(p("a=%FF").get("a").as_deref(), Some("\u{fffd}"));
        assert_eq!(Params(None).get("a"), None);
    }
}
