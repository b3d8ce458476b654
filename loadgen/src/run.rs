//! A whole run: the command line's overrides applied to the plan, the target and bot brought up, the event
//! stream subscribed when a step expects events, the phases executed while the recorder is collected once a
//! second (feeding the progress line and the time series), and the report built — partial if the run was
//! stopped. Whatever the end, what the run changed on a running target is put back before it returns.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::events::{self, Hub};
use crate::executor::{self, Ctx};
use crate::scenario::plan::{Action, Load, Plan};
use crate::target::{self, Restorer, TargetError};

/// What the command line changes for one run.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Options {
    /// A running mock-server (http://host:port) instead of the scenario's target.
    #[arg(long, value_parser = target_url)]
    pub target: Option<String>,
    /// The admin token of a running mock started with `--admin-token` (its control API answers others than
    /// loopback only with it), e.g. in a pod of its own.
    #[arg(long, env = "MOCK_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Every phase's duration, e.g. 30s.
    #[arg(long, value_parser = crate::scenario::units::duration)]
    pub duration: Option<Duration>,
    /// Every open phase's arrival rate, e.g. 500/s (a ramp is scaled so its higher end is this).
    #[arg(long, value_parser = positive_rate)]
    pub rate: Option<f64>,
    #[arg(long)]
    pub seed: Option<u64>,
    /// Every closed phase's virtual users.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub vus: Option<u32>,
    /// Every closed phase's iterations.
    #[arg(long)]
    pub iterations: Option<u64>,
    /// Run shard i of n (e.g. 0/4): 1/n of the arrivals and iterations, for one scenario spread over n
    /// machines, its rate and count thresholds judged on 1/n of the target; `report merge` joins the shards'
    /// reports and judges the whole.
    #[arg(long, value_parser = crate::shard::parse, conflicts_with_all = ["shards", "shard_index_env"])]
    pub shard: Option<(u64, u64)>,
    /// The number of shards, the index of this one read from --shard-index-env at start (an orchestrator's
    /// indexed job: the same command line for every shard).
    #[arg(long, value_name = "N", requires = "shard_index_env",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub shards: Option<u64>,
    /// The environment variable holding this shard's index, 0 to N-1 (with --shards N), e.g.
    /// JOB_COMPLETION_INDEX, which a Kubernetes Indexed Job sets.
    #[arg(long, value_name = "VAR", requires = "shards")]
    pub shard_index_env: Option<String>,
    /// Draw the live progress line (set by the binary when stderr is a terminal).
    #[arg(skip)]
    pub progress: bool,
    /// Holds what the run must put back on the target, for whoever ends the process first.
    #[arg(skip)]
    pub restorer: Restorer,
}

/// What cut a run short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Ctrl-C (SIGINT).
    Interrupt,
    /// SIGTERM: what CI runners and process managers send on a timeout.
    Terminate,
}

/// A stop future with no reason of its own (a test's timer) stands for Ctrl-C.
impl From<()> for Stop {
    fn from((): ()) -> Stop {
        Stop::Interrupt
    }
}

impl Stop {
    /// The report's `stopped`.
    pub fn reason(self) -> &'static str {
        match self {
            Stop::Interrupt => "interrupted (Ctrl-C): the figures cover what ran",
            Stop::Terminate => "terminated (SIGTERM): the figures cover what ran",
        }
    }
}

fn target_url(s: &str) -> Result<String, String> {
    crate::http::Base::parse(s)
        .map(|_| s.trim_end_matches('/').to_owned())
        .map_err(|e| e.to_string())
}

fn positive_rate(s: &str) -> Result<f64, String> {
    match crate::scenario::units::rate(s)? {
        r if r > 0.0 => Ok(r),
        _ => Err("the rate must be above 0".into()),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error("cannot subscribe to the target's event stream: {0}")]
    Events(crate::http::HttpError),
    #[error("the run failed: {0}")]
    Executor(String),
}

/// Applies the overrides; returns them as the report lists them.
pub fn apply(plan: &mut Plan, o: &Options) -> BTreeMap<String, String> {
    let mut said = BTreeMap::new();
    if let Some(s) = o.seed {
        plan.seed = s;
        said.insert("seed".into(), s.to_string());
    }
    for p in &mut plan.phases {
        match &mut p.load {
            Load::Open {
                from_per_s,
                to_per_s,
                duration,
            } => {
                if let Some(r) = o.rate {
                    let top = from_per_s.max(*to_per_s);
                    *from_per_s *= r / top;
                    *to_per_s *= r / top;
                }
                if let Some(d) = o.duration {
                    *duration = d;
                }
            }
            Load::Closed {
                vus,
                iterations,
                duration,
            } => {
                if let Some(v) = o.vus {
                    *vus = v as usize;
                }
                if let Some(n) = o.iterations {
                    *iterations = Some(n);
                }
                if let (Some(d), Some(cur)) = (o.duration, duration.as_mut()) {
                    *cur = d;
                }
            }
        }
    }
    for (k, v) in [
        ("rate", o.rate.map(|r| format!("{r}/s"))),
        (
            "duration",
            o.duration
                .map(|d| humantime::format_duration(d).to_string()),
        ),
        ("vus", o.vus.map(|v| v.to_string())),
        ("iterations", o.iterations.map(|v| v.to_string())),
        ("shard", o.shard.map(crate::shard::text)),
        ("target", o.target.clone()),
    ] {
        if let Some(v) = v {
            said.insert(k.into(), v);
        }
    }
    said
}

/// Runs `plan` until its phases end or `stop` resolves (then the report is partial, its verdict incomplete).
/// The callback URL loadgen replaced on a running target is put back before this returns, error or not.
pub async fn execute<S: Into<Stop>>(
    mut plan: Plan,
    opts: &Options,
    stop: impl Future<Output = S>,
) -> Result<reports::Report, RunError> {
    let overrides = apply(&mut plan, opts);
    let plan = Arc::new(plan);
    let mut target = target::up(&plan, opts.target.as_deref(), opts.admin_token.as_deref()).await?;
    for w in &target.warnings {
        eprintln!("loadgen: warning: {w}");
    }
    if let Some(r) = target.restore.take() {
        opts.restorer.hold(r).await;
    }
    let result = measure(plan, opts, target, overrides, stop).await;
    opts.restorer.restore().await;
    result
}

async fn measure<S: Into<Stop>>(
    plan: Arc<Plan>,
    opts: &Options,
    target: target::Target,
    overrides: BTreeMap<String, String>,
    stop: impl Future<Output = S>,
) -> Result<reports::Report, RunError> {
    let hub = subscribe(&plan, &target).await?;
    let (target_name, bot_name) = (target.describe.clone(), target.bot.clone());
    // A line to wait for: scripts and tests know the run is under way (and its signals handled) from here.
    eprintln!(
        "loadgen: started {} against {target_name}, bot {bot_name}",
        plan.name
    );
    let shard = opts.shard.unwrap_or((0, 1));
    let ctx = Arc::new(Ctx::new(plan.clone(), target, hub.clone(), shard));

    let progress = crate::progress::Progress::new(opts.progress);
    let mut collector = ctx.recorder.collector();
    let mut series = Vec::new();
    let started_at = SystemTime::now();
    let run_start = tokio::time::Instant::now();
    let mut exec = tokio::spawn(executor::run(ctx.clone()));
    let mut tick =
        tokio::time::interval_at(run_start + Duration::from_secs(1), Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(stop);
    let mut stopped = None;
    let phases = loop {
        tokio::select! {
            r = &mut exec => match r {
                Ok(phases) => break phases,
                Err(e) => return Err(RunError::Executor(e.to_string())),
            },
            _ = tick.tick() => {
                let p = collector.collect(&ctx.recorder);
                progress.update(&ctx, &p, run_start.elapsed());
                series.push(crate::report::second(&plan, series.len() as u64, &p));
            }
            how = &mut stop, if stopped.is_none() => {
                stopped = Some(how.into().reason().to_owned());
                ctx.stop();
            }
        }
    };
    let duration = run_start.elapsed();
    let last = collector.collect(&ctx.recorder);
    series.push(crate::report::second(&plan, series.len() as u64, &last));
    progress.finish();
    let first_errors = ctx.first_errors.lock().clone();
    Ok(crate::report::build(crate::report::Inputs {
        plan: &plan,
        totals: &collector.totals,
        series,
        phases: &phases,
        run_start,
        started_at,
        duration,
        target: target_name,
        bot: bot_name,
        overrides,
        shard: opts.shard,
        stopped,
        first_errors,
        n_events_missed: hub.map_or(0, |h| h.n_missed.load(std::sync::atomic::Ordering::Relaxed)),
    }))
}

/// The event stream, when a step waits for events: indexed by the ids the steps match on, filtered to one kind
/// when they all want the same.
async fn subscribe(plan: &Plan, target: &target::Target) -> Result<Option<Arc<Hub>>, RunError> {
    // Each expect with how long its event may have to wait for it: from the start of the step it is timed
    // from to the end of its own wait, every step between taking as long as it may.
    let mut expects: Vec<(&crate::scenario::plan::Expect, Duration)> = Vec::new();
    for phase in &plan.phases {
        for (j, s) in phase.steps.iter().enumerate() {
            if let Action::Expect(e) = &s.action {
                let window = phase.steps[e.since.min(j)..=j]
                    .iter()
                    .map(|x| match x.action {
                        Action::Think(d) => d,
                        _ => x.timeout,
                    })
                    .sum();
                expects.push((e, window));
            }
        }
    }
    if expects.is_empty() {
        return Ok(None);
    }
    let mut keys: Vec<_> = expects.iter().map(|(e, _)| e.key).collect();
    keys.sort_by_key(|k| *k as u8);
    keys.dedup();
    let longest = expects.iter().map(|(_, t)| *t).max().unwrap_or_default();
    // Kept long enough for the slowest waiter to find an event that came before it waited.
    let hub = Arc::new(Hub::new(keys, longest + Duration::from_secs(5)));
    let first_kind = expects[0].0.kind;
    let one_kind = expects
        .iter()
        .all(|(e, _)| e.kind == first_kind)
        .then_some(first_kind);
    events::subscribe(&target.base, one_kind, hub.clone())
        .await
        .map_err(RunError::Events)?;
    Ok(Some(hub))
}
