//! One iteration: its variables (built-ins, the scenario's `vars`, a value from each data pool), then each step
//! in turn — an HTTP call (with the worker's token, refreshed once when it has expired), a wait on the event
//! stream, or a pause — recording each step's latency, corrected by how late the iteration started. The first
//! failing step ends the iteration.

use bytes::Bytes;
use serde_json::Value;
use std::time::Duration;
use tokio::time::Instant;
use wecom_wire::Errcode;

use super::{Ctx, Worker};
use crate::http::HttpError;
use crate::recorder::ErrorKind;
use crate::scenario::plan::{
    Action, Assert, Body, Check, Expect, Method, Pick, Request, RequestKind, GETTOKEN, ITERATIONS,
};
use crate::template::Lookup;

#[derive(Debug)]
pub struct Failure {
    pub kind: ErrorKind,
    pub errcode: Option<i64>,
    pub message: String,
}

impl Failure {
    fn new(kind: ErrorKind, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            errcode: None,
            message: message.into(),
        }
    }
}

/// A generator for iteration `k` of phase `phase`: the same seed gives the same choices, whichever worker runs
/// the iteration and whenever. `stream` separates independent uses (data picks, think times).
pub fn rng(seed: u64, phase: usize, k: u64, stream: u64) -> fastrand::Rng {
    // SplitMix64 steps over the inputs, so neighbouring iterations get unrelated generators.
    let mut z = seed;
    for x in [phase as u64, k, stream] {
        z = z.wrapping_add(x).wrapping_add(0x9e3779b97f4a7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        z ^= z >> 31;
    }
    fastrand::Rng::with_seed(z)
}

/// An iteration's variables, found when a template asks: captures (the latest first), the built-ins, the data
/// pools (each picked by iteration number and seed), the scenario's `vars`. Nothing is built or cloned up front.
struct Vars<'a> {
    ctx: &'a Ctx,
    phase: usize,
    k: u64,
    iteration: Value,
    vu: Value,
    captures: Vec<(String, Value)>,
}

impl Lookup for Vars<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        if let Some((_, v)) = self.captures.iter().rev().find(|(n, _)| n == name) {
            return Some(v);
        }
        match name {
            "iteration" => return Some(&self.iteration),
            "vu" => return Some(&self.vu),
            "phase" => return self.ctx.phase_names.get(self.phase),
            _ => {}
        }
        let plan = &self.ctx.plan;
        if let Some(j) = plan.pools.iter().position(|p| p.name == name) {
            let (pool, values) = (&plan.pools[j], &self.ctx.target.pools[j]);
            let i = match pool.pick {
                Pick::Sequential => (self.k as usize).wrapping_add(pool.offset) % values.len(),
                // Each pool its own stream, so adding a pool changes no other pool's picks.
                Pick::Random => {
                    rng(plan.seed, self.phase, self.k, 100 + j as u64).usize(..values.len())
                }
            };
            return values.get(i);
        }
        plan.vars.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

impl<'a> Vars<'a> {
    fn new(ctx: &'a Ctx, phase: usize, k: u64, vu: usize) -> Vars<'a> {
        Vars {
            ctx,
            phase,
            k,
            iteration: Value::from(k),
            vu: Value::from(vu),
            captures: Vec::new(),
        }
    }
}

/// What a worker recorded during one iteration, flushed into its recorder shard at the end with one lock.
#[derive(Debug, Default)]
pub struct Pending {
    oks: Vec<(usize, u64, u64)>,
    /// Metrics whose operation failed.
    failed: Vec<usize>,
    /// The iteration's failure, counted once in the run's errors.
    failure: Option<(ErrorKind, Option<i64>)>,
    n_requests: u64,
    n_token_refreshes: u64,
    /// Each step's start in this iteration; kept to reuse its allocation.
    starts: Vec<Instant>,
}

fn us(d: Duration) -> u64 {
    d.as_micros().min(u64::MAX as u128) as u64
}

pub async fn run(ctx: &Ctx, w: &mut Worker, phase: usize, k: u64, intended: Instant) {
    ctx.in_flight
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let actual = Instant::now();
    let lag_us = us(actual.saturating_duration_since(intended));
    let steps = &ctx.plan.phases[phase].steps;
    let mut vars = Vars::new(ctx, phase, k, w.id);
    w.pending.starts.clear();
    let mut failed = false;
    // Stopped (Ctrl-C): the step under way is abandoned, not recorded, and so is the iteration.
    let mut interrupted = false;
    let stop = w.stop.clone();
    for step in steps.iter() {
        if ctx.stopping() {
            interrupted = true;
            break;
        }
        let start = Instant::now();
        w.pending.starts.push(start);
        let since = match &step.action {
            Action::Expect(e) => w.pending.starts.get(e.since).copied().unwrap_or(start),
            _ => start,
        };
        let action = async {
            match &step.action {
                Action::Http(r) => http(ctx, w, r, &mut vars, step.timeout)
                    .await
                    .map(|()| (start, Instant::now())),
                Action::Expect(e) => expect(ctx, e, &vars, since, step.timeout)
                    .await
                    .map(|end| (since, end)),
                Action::Think(d) => {
                    tokio::time::sleep(*d).await;
                    Ok((start, Instant::now()))
                }
            }
        };
        let result = tokio::select! {
            r = action => r,
            _ = ctx.stopped_for(&stop) => {
                interrupted = true;
                break;
            }
        };
        let metrics = step.metric.iter().chain(step.step_metric.iter());
        match result {
            Ok((from, end)) => {
                let un = us(end.saturating_duration_since(from));
                w.pending.oks.extend(metrics.map(|&m| (m, un + lag_us, un)));
            }
            Err(f) => {
                for &m in metrics.clone() {
                    ctx.note_error(m, f.kind, &f.message);
                }
                w.pending.failed.extend(metrics);
                w.pending.failure = Some((f.kind, f.errcode));
                failed = true;
                break;
            }
        }
    }
    let end = Instant::now();
    let p = &mut w.pending;
    {
        let mut rec = ctx.recorder.shard(w.id).lock();
        for (m, c, u) in p.oks.drain(..) {
            rec.ok(m, c, u);
        }
        if let Some((kind, code)) = p.failure.take() {
            rec.error(&p.failed, kind, code);
        } else {
            for &m in &p.failed {
                rec.n_errors[m] += 1;
            }
        }
        p.failed.clear();
        rec.counts.n_requests += std::mem::take(&mut p.n_requests);
        rec.counts.n_token_refreshes += std::mem::take(&mut p.n_token_refreshes);
        if interrupted {
            drop(rec);
            ctx.in_flight
                .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            return;
        }
        rec.counts.n_iterations += 1;
        if failed {
            rec.counts.n_failed_iterations += 1;
            rec.n_errors[ITERATIONS] += 1;
        } else {
            rec.ok(
                ITERATIONS,
                us(end.saturating_duration_since(intended)),
                us(end.saturating_duration_since(actual)),
            );
        }
    }
    ctx.in_flight
        .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
}

fn from_http(e: HttpError) -> Failure {
    match e {
        HttpError::Timeout(_) => Failure::new(ErrorKind::Timeout, e.to_string()),
        other => Failure::new(ErrorKind::Connection, other.to_string()),
    }
}

fn template(e: String) -> Failure {
    Failure::new(ErrorKind::Template, e)
}

fn push_param(url: &mut String, k: &str, v: &str) {
    url.push(if url.contains('?') { '&' } else { '?' });
    url.extend(form_urlencoded::byte_serialize(k.as_bytes()));
    url.push('=');
    url.extend(form_urlencoded::byte_serialize(v.as_bytes()));
}

async fn http(
    ctx: &Ctx,
    w: &mut Worker,
    r: &Request,
    vars: &mut Vars<'_>,
    timeout: Duration,
) -> Result<(), Failure> {
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
        Some(p) => p.to_owned(),
        None => r.path.render(vars).map_err(template)?,
    };
    for (k, v) in &r.query {
        match v.render(vars).map_err(template)? {
            Value::String(s) => push_param(&mut url, k, &s),
            other => push_param(&mut url, k, &other.to_string()),
        }
    }
    let mut refreshed = false;
    loop {
        let resp = match r.kind {
            RequestKind::Call {
                with_token: true, ..
            } => {
                let mut full = url.clone();
                push_param(
                    &mut full,
                    "access_token",
                    &token(ctx, w, app, timeout).await?,
                );
                w.conn.send(r.method, &full, body.clone(), timeout).await
            }
            _ => w.conn.send(r.method, &url, body.clone(), timeout).await,
        };
        w.pending.n_requests += 1;
        let resp = resp.map_err(from_http)?;
        let v = match r.kind {
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
                let v: Value = serde_json::from_slice(&resp.body)
                    .map_err(|e| Failure::new(ErrorKind::Body, format!("not JSON: {e}")))?;
                let got = v.get("errcode").and_then(Value::as_i64).unwrap_or(0);
                // On an expired or invalid token an SDK fetches a new one and tries again, once.
                if got != want && with_token && !refreshed && Errcode(got).is_stale_token() {
                    w.tokens.remove(&app);
                    refreshed = true;
                    w.pending.n_token_refreshes += 1;
                    continue;
                }
                if got != want {
                    let errmsg = v.get("errmsg").and_then(Value::as_str).unwrap_or("");
                    return Err(Failure {
                        kind: ErrorKind::Errcode,
                        errcode: Some(got),
                        message: format!("errcode {got} (expected {want}): {errmsg}"),
                    });
                }
                v
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
                    return Ok(());
                }
                serde_json::from_slice(&resp.body)
                    .map_err(|e| Failure::new(ErrorKind::Body, format!("not JSON: {e}")))?
            }
        };
        for (name, path) in &r.captures {
            let got = path.capture(&v).ok_or_else(|| {
                Failure::new(
                    ErrorKind::Assertion,
                    format!("capture {name}: nothing at that path"),
                )
            })?;
            vars.captures.push((name.clone(), got));
        }
        for a in &r.asserts {
            check(a, &v, vars).map_err(|e| Failure::new(ErrorKind::Assertion, e))?;
        }
        return Ok(());
    }
}

async fn token(ctx: &Ctx, w: &mut Worker, app: i64, timeout: Duration) -> Result<String, Failure> {
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

async fn expect(
    ctx: &Ctx,
    e: &Expect,
    vars: &Vars<'_>,
    since: Instant,
    timeout: Duration,
) -> Result<Instant, Failure> {
    let value = e.value.render(vars).map_err(template)?;
    let Some(hub) = &ctx.hub else {
        return Err(Failure::new(ErrorKind::Timeout, "no event stream"));
    };
    hub.wait(e.key, &value, &e.kind, e.route.as_deref(), since, timeout)
        .await
        .ok_or_else(|| {
            Failure::new(
                ErrorKind::Timeout,
                format!(
                    "no {} event{} for {:?} {value} within {timeout:?}",
                    e.kind,
                    e.route
                        .as_ref()
                        .map(|r| format!(" on route {r}"))
                        .unwrap_or_default(),
                    e.key
                ),
            )
        })
}

fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Checks one assertion; with `[*]` every element must pass.
fn check(a: &Assert, v: &Value, vars: &Vars<'_>) -> Result<(), String> {
    let found = a.path.select(v);
    let want = match &a.check {
        Check::Equals(j) | Check::NotEquals(j) => Some(j.render(vars)?),
        _ => None,
    };
    if let Check::Exists(want) = a.check {
        return if found.is_empty() != want {
            Ok(())
        } else {
            Err(format!(
                "{}: expected {}",
                a.text,
                if want { "a value" } else { "nothing" }
            ))
        };
    }
    if found.is_empty() {
        return Err(format!("{}: nothing there", a.text));
    }
    for x in found {
        let ok = match &a.check {
            Check::Equals(_) => want.as_ref().is_some_and(|w| same(x, w)),
            Check::NotEquals(_) => want.as_ref().is_some_and(|w| !same(x, w)),
            Check::Length(n) => {
                x.as_array()
                    .map(Vec::len)
                    .or(x.as_str().map(|s| s.chars().count()))
                    == Some(*n)
            }
            Check::AtLeast(n) => x.as_f64().is_some_and(|x| x >= *n),
            Check::AtMost(n) => x.as_f64().is_some_and(|x| x <= *n),
            Check::Exists(_) => true,
        };
        if !ok {
            let what = match (&a.check, &want) {
                (Check::Equals(_), Some(w)) => format!("expected {w}"),
                (Check::NotEquals(_), Some(w)) => format!("expected anything but {w}"),
                (other, _) => format!("fails {other:?}"),
            };
            return Err(format!("{}: {x}, {what}", a.text));
        }
    }
    Ok(())
}
