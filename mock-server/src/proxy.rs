//! The mock as its clients' proxy for WeCom's hosts. A `CONNECT` to one it serves is accepted, and the tunnel is
//! served by the mock itself (TLS with a leaf from its CA: `tls`, `serve::tunnel`); a request in absolute form
//! (`GET http://qyapi.weixin.qq.com/…`) is served as if sent to the mock; every other host is refused with a
//! journal entry. The mock never forwards anything anywhere.
//!
//! By host: the API host is the whole app; the web host answers the links the mock handed out with what they
//! stand for; the pictures host serves `media/uploadimg` pictures.

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;
use wecom_wire::hosts;

use crate::api::own_base;
use crate::journal;
use crate::state::State as Shared;
use crate::store::links::Link;

/// The WeCom hosts the mock answers as. The AI bots' host joins once their long connection exists.
pub const SERVED: &[&str] = &[hosts::API, hosts::WEB, hosts::PICTURES, hosts::AIBOT_WS];

/// The answer to a `CONNECT` the app accepted, for the connection layer to serve the tunnel: TLS with the
/// target host's leaf (port 443), or plain HTTP (port 80).
#[derive(Clone, Debug)]
pub struct Tunnel {
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

/// What the app answers before anything else: `CONNECT`s, absolute-form requests for the hosts other than the
/// API's, and the WeCom hosts other than the API's by their `Host` header. `None`: the request is the API host's.
pub fn intercept(st: &Arc<Shared>, req: &Request) -> Option<Response> {
    if req.method() == Method::CONNECT {
        return Some(connect(st, req));
    }
    // Absolute form: a client using the mock as its proxy. Else the `Host` header, which only the web and
    // pictures hosts change anything for; checked without allocating, as this runs for every call.
    if let Some(authority) = req.uri().authority() {
        let host = hosts::name_of(authority.as_str());
        return match host.as_str() {
            // The AI bots' long connection is the app's `/` route, as on the plain port.
            hosts::API | hosts::AIBOT_WS => None,
            hosts::WEB => Some(web(st, req)),
            hosts::PICTURES => Some(picture(st, req.uri())),
            other => Some(refuse(st, req, other)),
        };
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if hosts::names(host, hosts::WEB) {
        return Some(web(st, req));
    }
    if hosts::names(host, hosts::PICTURES) {
        return Some(picture(st, req.uri()));
    }
    None
}

/// A tunnel to a served host on 443 (TLS) or 80, else a refusal.
fn connect(st: &Arc<Shared>, req: &Request) -> Response {
    let authority = req.uri().authority().map(|a| a.as_str()).unwrap_or("");
    let host = hosts::name_of(authority);
    let port = req.uri().port_u16().unwrap_or(443);
    if !SERVED.contains(&host.as_str()) || !matches!(port, 80 | 443) {
        return refuse(st, req, authority);
    }
    let tls = if port == 443 {
        match st
            .leaves()
            .and_then(|l| l.config(&host).map_err(|e| e.to_string()))
        {
            Ok(config) => Some(config),
            Err(e) => {
                return answer(
                    st,
                    req,
                    StatusCode::BAD_GATEWAY,
                    &format!("the mock's CA: {e}"),
                )
            }
        }
    } else {
        None
    };
    record(st, req, StatusCode::OK, "", "");
    let mut resp = Response::new(Body::empty());
    resp.extensions_mut().insert(Tunnel { tls });
    resp
}

/// 403 for a host the mock does not serve, journaled.
fn refuse(st: &Arc<Shared>, req: &Request, host: &str) -> Response {
    let why = format!(
        "mock-server serves only WeCom's hosts ({}) and forwards nothing: {host} refused",
        SERVED.join(", ")
    );
    answer(st, req, StatusCode::FORBIDDEN, &why)
}

fn answer(st: &Arc<Shared>, req: &Request, status: StatusCode, why: &str) -> Response {
    let body = serde_json::json!({ "error": why }).to_string();
    record(st, req, status, why, &body);
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// A journal entry for what this layer answered itself (the API's own calls are journaled by its layer).
fn record(st: &Shared, req: &Request, status: StatusCode, why: &str, answer: &str) {
    let target = req.uri().to_string();
    st.journal.record(journal::Entry {
        at_ms: st.clock.now_ms(),
        method: req.method().clone(),
        target: journal::kept_target(&target),
        target_bytes: target.len(),
        body: bytes::Bytes::new(),
        body_bytes: 0,
        response: Some(journal::kept_answer(answer.as_bytes())),
        response_bytes: answer.len(),
        status: status.as_u16(),
        errcode: None,
        errmsg: Cow::Owned(why.to_owned()),
        duration_us: 0,
        caller_ip: req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip()),
    });
}

/// A link the mock handed out on the web host, opened: what it stands for, as `/mock/links/resolve` says.
fn web(st: &Shared, req: &Request) -> Response {
    let target = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let url = format!("{}{target}", hosts::WEB_ORIGIN);
    let sim = st.sim();
    let Some(link) = sim.store.links.resolve(&url) else {
        return (StatusCode::NOT_FOUND, "the mock handed out no such link").into_response();
    };
    let what = crate::control::describe_link(&sim, &url, link, &own_base(req.headers()));
    axum::Json(serde_json::json!({ "url": url, "link": what })).into_response()
}

/// A picture on the pictures host, as `media/uploadimg` named it.
fn picture(st: &Shared, uri: &Uri) -> Response {
    let url = format!("{}{}", hosts::PICTURES_ORIGIN, uri.path());
    let sim = st.sim();
    match sim.store.links.resolve(&url) {
        Some(Link::Image { id }) => crate::api::media::picture_bytes(&sim, &id),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}
