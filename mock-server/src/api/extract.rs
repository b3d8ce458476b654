//! What handlers take from a request: the body as read by the layer, the query string, the caller a token
//! opens, and JSON parsed the way WeCom parses it.

use serde::de::DeserializeOwned;
use std::borrow::Cow;

use wecom_wire::Errcode;

use super::ApiError;
use crate::state::State;
use crate::tokens::{Holder, TokenError};

/// A JSON call's body, read once by [`super::layer`] and handed over as it is.
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

/// Reads a call's body up to `limit` bytes; `declared` is its [`declared_length`]. A declared length past the limit is refused before a
/// byte is read (so a client that sent `Expect: 100-continue` gets the refusal, not `100 Continue`) with
/// WeCom's size errcode (45001 for an upload, 45002 otherwise), as is a body that grows past it. A body that
/// breaks HTTP's framing (bad chunk sizes, cut short) is no size error: HTTP 400, as a front end answers it.
/// One that does not arrive within the connection layer's body timeout: HTTP 408. Every refusal closes the
/// connection, since the rest of the body is never read.
pub async fn read_body(
    declared: Option<u64>,
    body: axum::body::Body,
    limit: usize,
    upload: bool,
) -> Result<bytes::Bytes, axum::response::Response> {
    let too_large = || {
        let code = if upload {
            Errcode::MEDIA_TOO_LARGE
        } else {
            Errcode::CONTENT_TOO_LARGE
        };
        closing(axum::response::IntoResponse::into_response(ApiError::from(
            code,
        )))
    };
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    gather(body, limit, declared).await.map_err(|e| match e {
        BodyFailure::TooLarge => too_large(),
        BodyFailure::TimedOut => closing(status(axum::http::StatusCode::REQUEST_TIMEOUT)),
        BodyFailure::Unreadable => closing(status(axum::http::StatusCode::BAD_REQUEST)),
    })
}

/// Gathers a body's frames as they arrive, into one allocation of the declared size. `axum::body::to_bytes`
/// keeps the frames and copies them together at the end: for a 20 MB upload, one copy and 5,000 page faults
/// in a single poll, which held a runtime worker (and `/mock/health` behind it) for tens of milliseconds. A body
/// of one frame is kept as it came.
async fn gather(
    mut body: axum::body::Body,
    limit: usize,
    declared: Option<u64>,
) -> Result<bytes::Bytes, BodyFailure> {
    use http_body_util::BodyExt;
    let mut first: Option<bytes::Bytes> = None;
    let mut gathered: Option<bytes::BytesMut> = None;
    let mut n_bytes = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| BodyFailure::of(&e))?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        n_bytes += data.len();
        if n_bytes > limit {
            return Err(BodyFailure::TooLarge);
        }
        if let Some(buf) = gathered.as_mut() {
            buf.extend_from_slice(&data);
        } else if let Some(head) = first.take() {
            let expected = declared.and_then(|d| usize::try_from(d).ok()).unwrap_or(0);
            let mut buf = bytes::BytesMut::with_capacity(expected.max(n_bytes));
            buf.extend_from_slice(&head);
            buf.extend_from_slice(&data);
            gathered = Some(buf);
        } else {
            first = Some(data);
        }
    }
    Ok(gathered
        .map(bytes::BytesMut::freeze)
        .or(first)
        .unwrap_or_default())
}

/// The body's length as its `Content-Length` declares it (hyper has refused a malformed or doubled one).
pub(crate) fn declared_length(headers: &axum::http::HeaderMap) -> Option<u64> {
    headers
        .get(axum::http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn status(code: axum::http::StatusCode) -> axum::response::Response {
    let mut r = axum::response::Response::new(axum::body::Body::empty());
    *r.status_mut() = code;
    r
}

fn closing(mut r: axum::response::Response) -> axum::response::Response {
    r.headers_mut().insert(
        axum::http::header::CONNECTION,
        axum::http::HeaderValue::from_static("close"),
    );
    r
}

/// Why a body could not be read, from the error's chain.
#[derive(Debug, PartialEq, Eq)]
enum BodyFailure {
    TooLarge,
    TimedOut,
    Unreadable,
}

impl BodyFailure {
    fn of(e: &(dyn std::error::Error + 'static)) -> BodyFailure {
        let mut cur = Some(e);
        while let Some(e) = cur {
            if e.is::<crate::serve::BodyTimedOut>() {
                return BodyFailure::TimedOut;
            }
            cur = e.source();
        }
        BodyFailure::Unreadable
    }
}

/// The query string, read without allocating unless a value needs decoding, and the caller's address (for
/// trusted IPs; none in-process, which counts as loopback).
#[derive(Debug, Default)]
pub struct Params(Option<axum::http::Uri>, Option<std::net::IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Params {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        // A Uri clone shares its buffer; the query is read in place.
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(Params(Some(parts.uri.clone()), peer))
    }
}

impl Params {
    pub fn get(&self, key: &str) -> Option<Cow<'_, str>> {
        let query = self.0.as_ref()?.query()?;
        // Most queries (a token, ids) need no decoding: hand out the slice, and decode only a query that does.
        // One vectorized scan: the token alone is 128 bytes, on every call.
        if memchr::memchr2(b'%', b'+', query.as_bytes()).is_some() {
            return Self::decoded(query, key);
        }
        // By hand with memchr: `split('&')` and `split_once('=')` went through the generic pattern searcher, which
        // cost more than the rest of a token check, and a call reads two or three keys.
        let mut rest = query;
        loop {
            let (pair, next) = match memchr::memchr(b'&', rest.as_bytes()) {
                Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                None => (rest, None),
            };
            let (k, v) = match memchr::memchr(b'=', pair.as_bytes()) {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, ""),
            };
            // An empty pair (`a&&b`) is no key at all, as `form_urlencoded` reads it.
            if k == key && !pair.is_empty() {
                return Some(Cow::Borrowed(v));
            }
            rest = next?;
        }
    }

    fn decoded<'q>(query: &'q str, key: &str) -> Option<Cow<'q, str>> {
        form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
}

/// `http://<the Host the caller used>`: URLs the mock hands out point back at itself, never at a WeChat host.
pub fn own_base(headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// The app a token opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub corp: usize,
    pub agentid: i64,
}

/// Who a directory call comes from: an app (read-only, within its scope) or the corp's contacts-sync secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirCaller {
    pub corp: usize,
    /// `None` for the contacts-sync secret.
    pub agentid: Option<i64>,
}

/// Checks `access_token` for an app's API; a contacts-sync token has no app and gets 48002. Only the query
/// string counts (a token in a header or the body is ignored, as WeCom ignores it).
pub fn caller(st: &State, q: &Params) -> Result<Caller, ApiError> {
    match grant(st, q)? {
        (corp, Holder::App(agentid)) => Ok(Caller { corp, agentid }),
        (_, Holder::ContactSync) => Err(Errcode::API_FORBIDDEN.into()),
    }
}

/// Checks `access_token` for a directory API, which both kinds of token may call.
pub fn dir_caller(st: &State, q: &Params) -> Result<DirCaller, ApiError> {
    let (corp, holder) = grant(st, q)?;
    let agentid = match holder {
        Holder::App(a) => Some(a),
        Holder::ContactSync => None,
    };
    Ok(DirCaller { corp, agentid })
}

fn grant(st: &State, q: &Params) -> Result<(usize, Holder), ApiError> {
    let token = q.get("access_token");
    match st.tokens.check(token.as_deref(), st.clock.now_ms()) {
        Ok(g) => {
            if let Holder::App(agentid) = g.holder {
                let ip =
                    q.1.unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
                if !st.trusted_ips.allows(g.corp, agentid, ip) {
                    return Err(Errcode::UNTRUSTED_IP.into());
                }
            }
            base_frequency(st, g.corp, q)?;
            Ok((g.corp, g.holder))
        }
        Err(TokenError::Missing) => Err(Errcode::TOKEN_MISSING.into()),
        Err(TokenError::Unknown) => Err(Errcode::INVALID_TOKEN.into()),
        Err(TokenError::Expired) => Err(st.settings.expired_token_errcode().into()),
    }
}

/// WeCom's base limit per corp and API, when the `api_per_minute` / `api_per_hour` settings turn it on.
fn base_frequency(st: &State, corp: usize, q: &Params) -> Result<(), ApiError> {
    let (per_minute, per_hour) = st.settings.api_limits();
    if (per_minute, per_hour) == (0, 0) {
        return Ok(());
    }
    let path = q.0.as_ref().map_or("", |u| u.path());
    // "发消息频率不计入基础频率": app messages have their own limits.
    let Some(e) = super::path_index(path)
        .map(|i| &super::ENDPOINTS[i])
        .filter(|e| e.path != "/cgi-bin/message/send")
    else {
        return Ok(());
    };
    let admitted = st
        .sim()
        .store
        .api_windows
        .entry((corp, e.path))
        .or_default()
        .admit(
            st.clock.now_ms(),
            crate::limits::Limit::per_minute(per_minute),
            crate::limits::Limit::per_hour(per_hour),
        );
    if admitted {
        Ok(())
    } else {
        Err(Errcode::FREQ_LIMIT.into())
    }
}

/// Parses a JSON body whatever its Content-Type (wechatpy sends none). An empty body reads as `{}`. A body that
/// is not quite JSON is read as WeCom reads it ([`super::wrong_json`]), and the answer warns of it.
pub fn json<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Ok(T::default()),
        // serde would take a struct from an array; WeCom wants an object.
        Some(b'{') => match serde_json::from_slice(body) {
            Ok(v) => Ok(v),
            Err(_) => Ok(super::wrong_json::lenient(body)),
        },
        Some(_) => Ok(super::wrong_json::lenient(body)),
    }
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
    fn every_body_reads() {
        for body in [
            &b""[..],
            b"  \n",
            br#"{"n":1}"#,
            b"{",
            br#"{"n":1} x"#,
            b"{\"n\":\"\xff\"}",
            br#"{"n":"x"}"#,
            b"[1]",
            b"null",
        ] {
            assert_eq!(code(body), 0, "{:?}", String::from_utf8_lossy(body));
        }
    }

    fn frames(parts: &[&'static str]) -> axum::body::Body {
        let frames = parts
            .iter()
            .map(|p| Ok::<_, std::io::Error>(bytes::Bytes::from_static(p.as_bytes())));
        axum::body::Body::from_stream(tokio_stream::iter(frames.collect::<Vec<_>>()))
    }

    #[tokio::test]
    async fn a_body_is_gathered_whole_and_refused_past_its_limit() {
        let whole = gather(frames(&["ab", "cd", "e"]), 5, Some(5)).await;
        assert_eq!(whole, Ok(bytes::Bytes::from_static(b"abcde")));
        let undeclared = gather(frames(&["ab", "cd", "e"]), 5, None).await;
        assert_eq!(undeclared, Ok(bytes::Bytes::from_static(b"abcde")));
        let one = gather(frames(&["abc"]), 5, Some(3)).await;
        assert_eq!(one, Ok(bytes::Bytes::from_static(b"abc")));
        assert_eq!(gather(frames(&[]), 5, None).await, Ok(bytes::Bytes::new()));
        let over = gather(frames(&["abc", "def"]), 5, None).await;
        assert_eq!(over, Err(BodyFailure::TooLarge));
    }

    #[tokio::test]
    async fn a_body_failure_is_read_from_the_error_chain() {
        let late = axum::Error::new(axum::Error::new(crate::serve::BodyTimedOut(30)));
        assert_eq!(BodyFailure::of(&late), BodyFailure::TimedOut);
        let framing = axum::Error::new(std::io::Error::other("invalid chunk size"));
        assert_eq!(BodyFailure::of(&framing), BodyFailure::Unreadable);
    }

    #[test]
    fn the_declared_length_is_read_from_the_header() {
        let mut h = axum::http::HeaderMap::new();
        assert_eq!(declared_length(&h), None);
        h.insert(
            axum::http::header::CONTENT_LENGTH,
            axum::http::HeaderValue::from_static("1000000000"),
        );
        assert_eq!(declared_length(&h), Some(1_000_000_000));
    }

    #[test]
    fn params_decode() {
        let p = |q: &str| Params(format!("/x?{q}").parse().ok(), None);
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
        assert_eq!(Params(None, None).get("a"), None);
    }

    proptest::proptest! {
        /// The hand-written reading agrees with `form_urlencoded` (what the decoding path uses) on every query.
        #[test]
        fn params_read_as_form_urlencoded_does(query in "[a-c=&%+2B]{0,24}", key in "[a-c]{0,2}") {
            let q = Params(format!("/x?{query}").parse().ok(), None);
            let want = form_urlencoded::parse(query.as_bytes()).find(|(k, _)| *k == key).map(|(_, v)| v);
            proptest::prop_assert_eq!(q.get(&key), want);
        }
    }
}
