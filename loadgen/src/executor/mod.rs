//! The executor: runs a plan's phases one after the other against a target that is up. Open phases schedule each
//! iteration at its intended time ([`schedule::open`]); closed phases run virtual users back to back
//! ([`schedule::closed`]). Iterations record into the recorder's shards; the run loop in [`crate::run`] collects.

mod alarm;
mod iteration;
mod schedule;

use parking_lot::Mutex;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::events::Hub;
use crate::http::Conn;
use crate::recorder::{ErrorKind, Recorder};
use crate::scenario::Plan;
use crate::target::Target;

/// What every iteration shares.
pub struct Ctx {
    pub plan: Arc<Plan>,
    pub target: Target,
    pub recorder: Recorder,
    pub hub: Option<Arc<Hub>>,
    pub in_flight: AtomicU64,
    stopping: AtomicBool,
    stop: Notify,
    /// Every worker's own stop notice.
    stops: Mutex<Vec<Arc<Notify>>>,
    /// The first message of each kind of failure per metric, for the person reading the summary.
    pub first_errors: Mutex<BTreeMap<String, String>>,
    /// This run's share of the iterations: `(index, count)`; iteration `k` of a phase runs here when
    /// `k % count == index`.
    pub shard: (u64, u64),
    /// Each phase's name as a template value (`${phase}`), made once.
    pub phase_names: Vec<serde_json::Value>,
    /// Workers between phases, by id: a virtual user keeps its connection and its tokens from one phase to
    /// the next, as a real client would (a clock jump then finds its tokens expired).
    workers: Mutex<HashMap<usize, Worker>>,
}

/// What one phase did.
#[derive(Debug, Clone)]
pub struct PhaseRun {
    pub name: String,
    pub kind: &'static str,
    pub shape: String,
    pub started: Instant,
    pub ended: Instant,
    pub n_iterations: u64,
}

/// A worker: a connection of its own, its own tokens (each worker is one client of the API, refreshing its
/// tokens as an SDK does), and the recorder shard it writes to.
pub struct Worker {
    pub id: usize,
    /// Woken by [`Ctx::stop`]: each worker waits on its own, so steps add no shared lock to the hot path.
    stop: Arc<Notify>,
    conn: Conn,
    tokens: HashMap<i64, String>,
    pending: iteration::Pending,
}

impl Worker {
    fn new(ctx: &Ctx, id: usize) -> Worker {
        let stop = Arc::new(Notify::new());
        ctx.stops.lock().push(stop.clone());
        Worker {
            id,
            stop,
            conn: Conn::new(ctx.target.base.clone()),
            tokens: HashMap::new(),
            pending: iteration::Pending::default(),
        }
    }
}

impl Ctx {
    pub fn new(plan: Arc<Plan>, target: Target, hub: Option<Arc<Hub>>, shard: (u64, u64)) -> Ctx {
        // Enough shards that workers seldom share one, few enough that collecting stays cheap.
        let n_shards = std::thread::available_parallelism().map_or(4, |n| n.get() * 4);
        Ctx {
            recorder: Recorder::new(plan.metrics.len(), n_shards),
            phase_names: plan
                .phases
                .iter()
                .map(|p| serde_json::Value::from(p.name.clone()))
                .collect(),
            plan,
            target,
            hub,
            in_flight: AtomicU64::new(0),
            stopping: AtomicBool::new(false),
            stop: Notify::new(),
            stops: Mutex::new(Vec::new()),
            first_errors: Mutex::new(BTreeMap::new()),
            shard,
            workers: Mutex::new(HashMap::new()),
        }
    }

    /// Worker `id`, as the last phase left it, or a new one.
    fn worker(&self, id: usize) -> Worker {
        let kept = self.workers.lock().remove(&id);
        kept.unwrap_or_else(|| Worker::new(self, id))
    }

    /// Resolves once [`Ctx::stop`] is called, waiting on worker `w`'s own notice.
    async fn stopped_for(&self, stop: &Notify) {
        let notified = stop.notified();
        if self.stopping() {
            return;
        }
        notified.await;
    }

    /// Keeps a worker for the next phase.
    fn keep(&self, w: Worker) {
        self.workers.lock().insert(w.id, w);
    }

    /// Asks every phase to wind down: no new iteration starts; those running finish.
    pub fn stop(&self) {
        self.stopping.store(true, Relaxed);
        self.stop.notify_waiters();
        for s in self.stops.lock().iter() {
            s.notify_waiters();
        }
    }

    pub fn stopping(&self) -> bool {
        self.stopping.load(Relaxed)
    }

    /// Resolves once [`Ctx::stop`] is called.
    async fn stopped(&self) {
        self.stopped_for(&self.stop).await;
    }

    fn note_error(&self, metric: usize, kind: ErrorKind, message: &str) {
        let key = format!("{} {}", self.plan.metrics[metric], kind.name());
        self.first_errors
            .lock()
            .entry(key)
            .or_insert_with(|| message.to_owned());
    }
}

/// Runs every phase in order; stops early when asked.
pub async fn run(ctx: Arc<Ctx>) -> Vec<PhaseRun> {
    let mut runs = Vec::new();
    for (index, phase) in ctx.plan.phases.iter().enumerate() {
        if ctx.stopping() {
            break;
        }
        let started = Instant::now();
        let n_iterations = match &phase.load {
            crate::scenario::plan::Load::Open { .. } => schedule::open(ctx.clone(), index).await,
            crate::scenario::plan::Load::Closed { .. } => {
                schedule::closed(ctx.clone(), index).await
            }
        };
        runs.push(PhaseRun {
            name: phase.name.clone(),
            kind: match phase.load {
                crate::scenario::plan::Load::Open { .. } => "open",
                crate::scenario::plan::Load::Closed { .. } => "closed",
            },
            shape: phase.load.describe(),
            started,
            ended: Instant::now(),
            n_iterations,
        });
    }
    runs
}
