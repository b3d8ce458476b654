//! An HTTP step: the request built from its templates, sent (a call with the worker's token, refreshed once when
//! the answer says it is stale), the answer judged by the step's kind, then its captures and assertions.

use bytes::Bytes;
use serde_json::Value;
use std::borrow::Cow;
use std::time::Duration;
use wecom_wire::Errcode;

use super::asserts::check;
use super::token::access_token;
use super::vars::Vars;
use super::{from_http, push_param, template, Failure};
use crate::executor::{Ctx, Worker};
use crate::http::Response;
use crate::recorder::ErrorKind;
use crate::scenario::plan::{Body, Request, RequestKind};

/// A request with its templates rendered; a call's token is added at each attempt.
struct Outgoing<'a> {
    /// The app whose token a call carries.
    app: i64,
    /// The step's own path when nothing is rendered into it: no allocation per request.
    url: Cow<'a, str>,
    body: Option<Bytes>,
}

/// What an answer means for the step.
enum Verdict {
    /// As expected, with the JSON the captures and assertions read.
    Json(Value),
    /// As expected, and nothing reads its body.
    Done,
    /// The token expired or is invalid: worth a new one and another try.
    StaleToken,
}

pub(super) async fn http(
    ctx: &Ctx,
    w: &mut Worker,
    r: &Request,
    vars: &mut Vars<'_>,
    timeout: Duration,
) -> Result<(), Failure> {
    let out = build(ctx, r, vars)?;
    let mut refreshed = false;
    let v = loop {
        let resp = send(ctx, w, r, &out, timeout).await?;
        match judge(r, &resp, !refreshed)? {
            Verdict::Json(v) => break v,
            Verdict::Done => return Ok(()),
            // On an expired or invalid token an SDK fetches a new one and tries again, once.
            Verdict::StaleToken => {
                w.tokens.remove(&out.app);
                refreshed = true;
                w.pending.n_token_refreshes += 1;
            }
        }
    };
    capture_and_check(r, &v, vars)
}

fn build<'a>(ctx: &Ctx, r: &'a Request, vars: &Vars<'_>) -> Result<Outgoing<'a>, Failure> {
    let app = match r.kind {
        RequestKind::Call { app, .. } => app.unwrap_or(ctx.target.default_app),
        RequestKind::Control { .. } => 0,
    };
    let body = match &r.body {
        Some(Body::Fixed(b)) => Some(b.clone()),
        Some(Body::Templated(j)) => {
            Some(Bytes::from(j.render(vars).map_err(template)?.to_string()))
        }
        None => None,
    };
    let mut url = match r.path.fixed() {
        Some(p) => Cow::Borrowed(p),
        None => Cow::Owned(r.path.render(vars).map_err(template)?),
    };
    for (k, v) in &r.query {
        match v.render(vars).map_err(template)? {
            Value::String(s) => push_param(url.to_mut(), k, &s),
            other => push_param(url.to_mut(), k, &other.to_string()),
        }
    }
    Ok(Outgoing { app, url, body })
}

/// One attempt; each counts as a request, answered or not.
async fn send(
    ctx: &Ctx,
    w: &mut Worker,
    r: &Request,
    out: &Outgoing<'_>,
    timeout: Duration,
) -> Result<Response, Failure> {
    let resp = match r.kind {
        RequestKind::Call {
            with_token: true, ..
        } => {
            let mut full = out.url.clone().into_owned();
            push_param(
                &mut full,
                "access_token",
                &access_token(ctx, w, out.app, timeout).await?,
            );
            w.conn
                .send(r.method, &full, out.body.clone(), timeout)
                .await
        }
        _ => {
            w.conn
                .send(r.method, &out.url, out.body.clone(), timeout)
                .await
        }
    };
    w.pending.n_requests += 1;
    resp.map_err(from_http)
}

/// A call is judged by its errcode, a control request by its HTTP status. `may_refresh`: the token has not been
/// refreshed for this step yet.
fn judge(r: &Request, resp: &Response, may_refresh: bool) -> Result<Verdict, Failure> {
    match r.kind {
        RequestKind::Call {
            errcode: want,
            with_token,
            ..
        } => {
            if resp.status != 200 {
                return Err(Failure::new(
                    ErrorKind::HttpStatus,
                    format!("HTTP {}", resp.status),
                ));
            }
            let v = json(resp)?;
            let got = v.get("errcode").and_then(Value::as_i64).unwrap_or(0);
            if got != want && with_token && may_refresh && Errcode(got).is_stale_token() {
                return Ok(Verdict::StaleToken);
            }
            if got != want {
                let errmsg = v.get("errmsg").and_then(Value::as_str).unwrap_or("");
                return Err(Failure {
                    kind: ErrorKind::Errcode,
                    errcode: Some(got),
                    message: format!("errcode {got} (expected {want}): {errmsg}"),
                });
            }
            Ok(Verdict::Json(v))
        }
        RequestKind::Control { status } => {
            let ok = status.map_or((200..300).contains(&resp.status), |s| s == resp.status);
            if !ok {
                let text = String::from_utf8_lossy(&resp.body);
                let excerpt: String = text.chars().take(200).collect();
                return Err(Failure::new(
                    ErrorKind::HttpStatus,
                    format!("HTTP {}: {excerpt}", resp.status),
                ));
            }
            if r.captures.is_empty() && r.asserts.is_empty() {
                return Ok(Verdict::Done);
            }
            json(resp).map(Verdict::Json)
        }
    }
}

fn json(resp: &Response) -> Result<Value, Failure> {
    serde_json::from_slice(&resp.body)
        .map_err(|e| Failure::new(ErrorKind::Body, format!("not JSON: {e}")))
}

/// The step's captures, kept in the iteration's variables, then its assertions.
fn capture_and_check(r: &Request, v: &Value, vars: &mut Vars<'_>) -> Result<(), Failure> {
    for (name, path) in &r.captures {
        let got = path.capture(v).ok_or_else(|| {
            Failure::new(
                ErrorKind::Assertion,
                format!("capture {name}: nothing at that path"),
            )
        })?;
        vars.captures.push((name.clone(), got));
    }
    for a in &r.asserts {
        check(a, v, vars).map_err(|e| Failure::new(ErrorKind::Assertion, e))?;
    }
    Ok(())
}
