//! The worker's access tokens, one per app, each fetched with `gettoken` when a call first needs it.

use serde_json::Value;
use std::time::Duration;
use tokio::time::Instant;

use super::{from_http, push_param, us, Failure};
use crate::executor::{Ctx, Worker};
use crate::recorder::ErrorKind;
use crate::scenario::plan::{Method, GETTOKEN};

/// App `app`'s token as the worker holds it, or a new one; the fetch is recorded under `gettoken`.
pub(super) async fn access_token(
    ctx: &Ctx,
    w: &mut Worker,
    app: i64,
    timeout: Duration,
) -> Result<String, Failure> {
    if let Some(t) = w.tokens.get(&app) {
        return Ok(t.clone());
    }
    let secret = ctx
        .target
        .secret(app)
        .ok_or_else(|| Failure::new(ErrorKind::Template, format!("the world has no app {app}")))?;
    let mut url = "/cgi-bin/gettoken".to_owned();
    push_param(&mut url, "corpid", &ctx.target.corpid);
    push_param(&mut url, "corpsecret", secret);
    let start = Instant::now();
    let resp = w.conn.send(Method::Get, &url, None, timeout).await;
    w.pending.n_requests += 1;
    let pending = &mut w.pending;
    let mut fail = |f: Failure| {
        ctx.note_error(GETTOKEN, f.kind, &f.message);
        // The step that needed the token fails with it, and is the one failure counted in the run's errors.
        pending.failed.push(GETTOKEN);
        f
    };
    let resp = resp.map_err(|e| fail(from_http(e)))?;
    let v: Value = serde_json::from_slice(&resp.body).map_err(|e| {
        fail(Failure::new(
            ErrorKind::Body,
            format!("gettoken: not JSON: {e}"),
        ))
    })?;
    let Some(t) = v.get("access_token").and_then(Value::as_str) else {
        let errcode = v.get("errcode").and_then(Value::as_i64);
        return Err(fail(Failure {
            kind: ErrorKind::Errcode,
            errcode,
            message: format!("gettoken: {v}"),
        }));
    };
    let d = us(start.elapsed());
    w.pending.oks.push((GETTOKEN, d, d));
    w.tokens.insert(app, t.to_owned());
    Ok(t.to_owned())
}
