//! What handlers take from a request: the body as read by the layer, the query string, the caller a token
//! opens, and JSON parsed the way WeCom parses it.

use serde::de::DeserializeOwned;
use std::borrow::Cow;

use wecom_wire::{Errcode, WireError};

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
        Ok(g) => Ok((g.corp, g.holder)),
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
