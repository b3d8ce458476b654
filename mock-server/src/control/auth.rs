//! Who may use the control API, and the guard in front of every `/mock/` route: the admin token as a bearer
//! token or as the console's cookie (which `GET /mock/ui?token=` sets), else loopback callers only.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use subtle::ConstantTimeEq;

use super::{Refused, WithState};

/// The cookie that carries the admin token for the console in a browser, which cannot send a bearer token
/// with a page load or an `EventSource`.
pub const COOKIE: &str = "mock_admin_token";

/// The console's page: the one path that takes the admin token in its query and sets [`COOKIE`].
const UI_PATH: &str = crate::console::PAGE_PATH;

/// Whether a caller is on this host. A dual-stack listener bound to `[::]` sees an IPv4 loopback caller as
/// `::ffff:127.0.0.1`, which is the same caller.
pub fn is_loopback(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

/// Whether `given` is the admin token `want`, compared in constant time so the answer's timing does not tell
/// how much of a guess was right. An empty `want` opens nothing (the binary refuses one at start; this keeps a
/// library caller's empty token from matching a bare `Bearer`).
pub fn token_matches(given: &[u8], want: &str) -> bool {
    !want.is_empty() && bool::from(given.ct_eq(want.as_bytes()))
}

/// Whether an `Authorization` header value carries `want` as its bearer token.
pub fn bearer_matches(authorization: Option<&[u8]>, want: &str) -> bool {
    authorization
        .and_then(|v| v.strip_prefix(b"Bearer "))
        .is_some_and(|given| token_matches(given, want))
}

/// Whether a `Cookie` header (of any number) carries `want` as [`COOKIE`].
pub fn cookie_matches(headers: &HeaderMap, want: &str) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .flat_map(|v| v.as_bytes().split(|b| *b == b';'))
        .filter_map(|c| c.trim_ascii().strip_prefix(COOKIE.as_bytes()))
        .filter_map(|c| c.strip_prefix(b"="))
        .any(|given| token_matches(given, want))
}

/// In front of every `/mock/` route.
pub(super) async fn guard(State(st): WithState, req: Request, next: Next) -> Response {
    match &st.admin_token {
        Some(want) => {
            if let Some(given) = ui_login(&req) {
                return log_in(&given, want);
            }
            let h = req.headers();
            let bearer = h.get(header::AUTHORIZATION).map(|v| v.as_bytes());
            if !bearer_matches(bearer, want) && !cookie_matches(h, want) {
                return unauthorized();
            }
        }
        None => {
            // In-process callers have no peer address; remote ones must be on loopback.
            let peer = req
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip());
            if peer.is_some_and(|ip| !is_loopback(ip)) {
                return Refused(
                    StatusCode::FORBIDDEN,
                    "the control API answers loopback only; start with --admin-token to open it"
                        .into(),
                )
                .into_response();
            }
        }
    }
    next.run(req).await
}

fn unauthorized() -> Response {
    Refused(
        StatusCode::UNAUTHORIZED,
        "the control API wants Authorization: Bearer <admin token> (or the console's cookie, from /mock/ui?token=)"
            .into(),
    )
    .into_response()
}

/// The token of `GET /mock/ui?token=…`, if that is the request.
fn ui_login(req: &Request) -> Option<String> {
    if req.method() != Method::GET || req.uri().path() != UI_PATH {
        return None;
    }
    let query = req.uri().query()?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
}

/// The right token: a 303 to the page with the cookie set, so the token leaves the address bar and the
/// history; a wrong one: 401.
fn log_in(given: &str, want: &str) -> Response {
    if !token_matches(given.as_bytes(), want) {
        return unauthorized();
    }
    // The binary refuses spaces and non-ASCII; a cookie also cannot carry `;`, `,`, `"` or `\`.
    let cookie = format!("{COOKIE}={want}; HttpOnly; SameSite=Strict; Path=/mock");
    let fits = want
        .bytes()
        .all(|b| b.is_ascii_graphic() && !b";,\"\\".contains(&b));
    match HeaderValue::from_str(&cookie) {
        Ok(v) if fits => (
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, HeaderValue::from_static(UI_PATH)),
                (header::SET_COOKIE, v),
            ],
        )
            .into_response(),
        _ => Refused(
            StatusCode::BAD_REQUEST,
            "this admin token cannot travel in a cookie (it has ; , \" or \\): use a bearer token"
                .into(),
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapped_ipv4_loopback_caller_is_loopback() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap_or_else(|e| panic!("{s}: {e}"));
        assert!(is_loopback(ip("127.0.0.1")));
        assert!(is_loopback(ip("127.3.2.1")));
        assert!(is_loopback(ip("::1")));
        assert!(is_loopback(ip("::ffff:127.0.0.1")));
        assert!(!is_loopback(ip("::ffff:192.0.2.7")));
        assert!(!is_loopback(ip("192.0.2.7")));
        assert!(!is_loopback(ip("::")));
        assert!(!is_loopback(ip("2001:db8::1")));
    }

    #[test]
    fn only_the_console_cookie_with_the_right_token_passes() {
        let with = |values: &[&str]| {
            let mut h = HeaderMap::new();
            for v in values {
                h.append(
                    header::COOKIE,
                    HeaderValue::from_str(v).unwrap_or_else(|e| panic!("{e}")),
                );
            }
            cookie_matches(&h, "s3cret")
        };
        assert!(with(&["mock_admin_token=s3cret"]));
        assert!(with(&["a=b; mock_admin_token=s3cret; c=d"]));
        assert!(
            with(&["a=b", "mock_admin_token=s3cret"]),
            "in a second Cookie header"
        );
        assert!(!with(&["mock_admin_token=s3cre"]), "a prefix");
        assert!(
            !with(&["mock_admin_tokenx=s3cret"]),
            "another cookie's name"
        );
        assert!(!with(&["x_mock_admin_token=s3cret"]));
        assert!(!with(&["s3cret"]));
        assert!(!with(&[]));
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("mock_admin_token="),
        );
        assert!(!cookie_matches(&h, ""), "an empty token opens nothing");
    }

    #[test]
    fn only_the_right_bearer_token_passes() {
        assert!(bearer_matches(Some(b"Bearer s3cret"), "s3cret"));
        assert!(!bearer_matches(Some(b"Bearer s3cre"), "s3cret"), "a prefix");
        assert!(!bearer_matches(Some(b"Bearer s3cret!"), "s3cret"), "longer");
        assert!(!bearer_matches(Some(b"Bearer S3CRET"), "s3cret"), "case");
        assert!(!bearer_matches(Some(b"s3cret"), "s3cret"), "no scheme");
        assert!(!bearer_matches(Some(b"Bearer "), "s3cret"), "empty");
        assert!(!bearer_matches(None, "s3cret"), "none");
        assert!(
            !bearer_matches(Some(b"Bearer "), ""),
            "an empty token opens nothing"
        );
        assert!(!bearer_matches(Some(b"Bearer"), ""), "nor a bare scheme");
    }
}
