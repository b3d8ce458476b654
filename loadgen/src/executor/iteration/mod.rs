//! One iteration: its variables (built-ins, the scenario's `vars`, a value from each data pool), then each step
//! in turn — an HTTP call (with the worker's token, refreshed once when it has expired), a wait on the event
//! stream, or a pause — recording each step's latency, corrected by how late the iteration started. The first
//! failing step ends the iteration.

mod asserts;
mod request;
mod token;
mod vars;

use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;
use tokio::time::Instant;

use super::{Ctx, Worker};
use crate::http::HttpError;
use crate::recorder::ErrorKind;
use crate::scenario::plan::{Action, Expect, Step, ITERATIONS};
use vars::Vars;

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

/// How an iteration's steps ended.
enum Outcome {
    Passed,
    Failed,
    /// Stopped (Ctrl-C): the step under way is abandoned, not recorded, and so is the iteration.
    Interrupted,
}

/// Runs iteration `k` of phase `phase` on worker `w`; `intended` is when the schedule wanted it to start.
pub async fn run(ctx: &Ctx, w: &mut Worker, phase: usize, k: u64, intended: Instant) {
    ctx.in_flight.fetch_add(1, Relaxed);
    let actual = Instant::now();
    let lag_us = us(actual.saturating_duration_since(intended));
    let outcome = run_steps(ctx, w, phase, k, lag_us).await;
    let end = Instant::now();
    flush(ctx, w, outcome, intended, actual, end);
    ctx.in_flight.fetch_sub(1, Relaxed);
}

/// The phase's steps in turn, until one fails or the run stops; each step's latency (plus `lag_us`, how late
/// the iteration started, for the corrected figure) or failure is noted in the worker's pending records.
async fn run_steps(ctx: &Ctx, w: &mut Worker, phase: usize, k: u64, lag_us: u64) -> Outcome {
    let mut vars = Vars::new(ctx, phase, k, w.id);
    w.pending.starts.clear();
    let stop = w.stop.clone();
    for step in ctx.plan.phases[phase].steps.iter() {
        if ctx.stopping() {
            return Outcome::Interrupted;
        }
        let start = Instant::now();
        w.pending.starts.push(start);
        let result = tokio::select! {
            r = perform(ctx, w, step, &mut vars, start) => r,
            _ = ctx.stopped_for(&stop) => return Outcome::Interrupted,
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
                return Outcome::Failed;
            }
        }
    }
    Outcome::Passed
}

/// One step's action, giving the span its latency is measured over: an `expect` counts from the start of the
/// step it names, since the event it waits for may come before the wait begins.
async fn perform(
    ctx: &Ctx,
    w: &mut Worker,
    step: &Step,
    vars: &mut Vars<'_>,
    start: Instant,
) -> Result<(Instant, Instant), Failure> {
    match &step.action {
        Action::Http(r) => request::http(ctx, w, r, vars, step.timeout)
            .await
            .map(|()| (start, Instant::now())),
        Action::Expect(e) => {
            let since = w.pending.starts.get(e.since).copied().unwrap_or(start);
            expect(ctx, e, vars, since, step.timeout)
                .await
                .map(|end| (since, end))
        }
        Action::Think(d) => {
            tokio::time::sleep(*d).await;
            Ok((start, Instant::now()))
        }
    }
}

/// Moves what the iteration noted into the worker's recorder shard, under one lock. An interrupted iteration's
/// requests and errors count; the iteration itself does not.
fn flush(
    ctx: &Ctx,
    w: &mut Worker,
    outcome: Outcome,
    intended: Instant,
    actual: Instant,
    end: Instant,
) {
    let p = &mut w.pending;
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
    match outcome {
        Outcome::Interrupted => {}
        Outcome::Failed => {
            rec.counts.n_iterations += 1;
            rec.counts.n_failed_iterations += 1;
            rec.n_errors[ITERATIONS] += 1;
        }
        Outcome::Passed => {
            rec.counts.n_iterations += 1;
            rec.ok(
                ITERATIONS,
                us(end.saturating_duration_since(intended)),
                us(end.saturating_duration_since(actual)),
            );
        }
    }
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

/// Appends `k=v`, form-encoded, to the URL's query.
fn push_param(url: &mut String, k: &str, v: &str) {
    url.push(if url.contains('?') { '&' } else { '?' });
    url.extend(form_urlencoded::byte_serialize(k.as_bytes()));
    url.push('=');
    url.extend(form_urlencoded::byte_serialize(v.as_bytes()));
}

/// Waits on the event hub for the step's event from `since` on; gives when it arrived.
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
    hub.wait(e.key, &value, e.kind, e.route, since, timeout)
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
