//! Prometheus metrics at `/metrics`: requests by path and errcode, a latency histogram per path, inbox sizes and
//! what each byte budget holds (read from the store when scraped, so delivery pays nothing for them).

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::{EncodeLabelSet, EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::exponential_buckets;
use prometheus_client::metrics::{MetricType, TypedMetric};
use prometheus_client::registry::Registry;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::store::Store;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Request {
    path: &'static str,
    errcode: i64,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PathLabel {
    path: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BudgetLabel {
    budget: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

/// A latency histogram of atomic counters. prometheus-client's own takes a write lock per observation, which
/// every request to a path would queue on.
#[derive(Debug, Clone)]
pub struct Histogram {
    inner: Arc<HistogramInner>,
}

#[derive(Debug)]
struct HistogramInner {
    upper_bounds: Vec<f64>,
    counts: Vec<AtomicU64>,
    sum_ns: AtomicU64,
}

impl Histogram {
    fn new(upper_bounds: impl Iterator<Item = f64>) -> Histogram {
        let upper_bounds: Vec<f64> = upper_bounds.chain(std::iter::once(f64::MAX)).collect();
        let counts = upper_bounds.iter().map(|_| AtomicU64::new(0)).collect();
        Histogram {
            inner: Arc::new(HistogramInner {
                upper_bounds,
                counts,
                sum_ns: AtomicU64::new(0),
            }),
        }
    }

    pub fn observe(&self, seconds: f64) {
        let i = self
            .inner
            .upper_bounds
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(0);
        self.inner.counts[i].fetch_add(1, Ordering::Relaxed);
        self.inner
            .sum_ns
            .fetch_add((seconds * 1e9) as u64, Ordering::Relaxed);
    }
}

impl TypedMetric for Histogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for Histogram {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let buckets: Vec<(f64, u64)> = self
            .inner
            .upper_bounds
            .iter()
            .zip(&self.inner.counts)
            .map(|(b, c)| (*b, c.load(Ordering::Relaxed)))
            .collect();
        let count = buckets.iter().map(|b| b.1).sum();
        let sum = self.inner.sum_ns.load(Ordering::Relaxed) as f64 / 1e9;
        encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

type HistogramFamily = Family<PathLabel, Histogram, fn() -> Histogram>;

pub struct Metrics {
    registry: Registry,
    requests: Family<Request, Counter>,
    /// Per path (by index in [`crate::api::ENDPOINTS`]): its errcode-0 counter and its histogram, looked up once
    /// here so the hot path skips the families' locks and hashing.
    per_path: Vec<(&'static str, Counter, Histogram)>,
    inbox_held: Family<KindLabel, Gauge>,
    kept_bytes: Family<BudgetLabel, Gauge>,
    max_bytes: Family<BudgetLabel, Gauge>,
    evicted: Family<BudgetLabel, Gauge>,
    inbox_delivered: Family<KindLabel, Gauge>,
    unmodelled: Family<PathLabel, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

fn latency_histogram() -> Histogram {
    // 50 µs to ~1.6 s.
    Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("wecom_mock");
        let requests = Family::<Request, Counter>::default();
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        let inbox_held = Family::<KindLabel, Gauge>::default();
        let inbox_delivered = Family::<KindLabel, Gauge>::default();
        let unmodelled = Family::<PathLabel, Counter>::default();
        let kept_bytes = Family::<BudgetLabel, Gauge>::default();
        let max_bytes = Family::<BudgetLabel, Gauge>::default();
        let evicted = Family::<BudgetLabel, Gauge>::default();
        registry.register(
            "kept_bytes",
            "Bytes held by each budgeted store (journal, inboxes, media, kf_log)",
            kept_bytes.clone(),
        );
        registry.register("max_bytes", "Each store's byte budget", max_bytes.clone());
        registry.register(
            "evicted_by_budget",
            "Items each store let go of to stay in its budget, since the last reset",
            evicted.clone(),
        );
        registry.register(
            "unmodelled_requests",
            "Calls to real WeCom paths the mock does not model (answered 48002)",
            unmodelled.clone(),
        );
        registry.register(
            "requests",
            "API requests by path and errcode",
            requests.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "API request handling time",
            latency.clone(),
        );
        registry.register(
            "inbox_messages",
            "Messages held in inboxes by kind",
            inbox_held.clone(),
        );
        registry.register(
            "inbox_delivered",
            "Messages ever delivered to inboxes by kind",
            inbox_delivered.clone(),
        );
        let per_path = crate::api::ENDPOINTS
            .iter()
            .map(|e| {
                let path = e.path;
                let ok = requests.get_or_create_owned(&Request { path, errcode: 0 });
                (path, ok, latency.get_or_create_owned(&PathLabel { path }))
            })
            .collect();
        Metrics {
            registry,
            requests,
            per_path,
            inbox_held,
            kept_bytes,
            max_bytes,
            evicted,
            inbox_delivered,
            unmodelled,
        }
    }
}

impl Metrics {
    /// One answered call to `crate::api::ENDPOINTS[path]`.
    pub fn observe(&self, path: usize, errcode: i64, seconds: f64) {
        let Some((label, ok, histogram)) = self.per_path.get(path) else {
            return;
        };
        if errcode == 0 {
            ok.inc();
        } else {
            let path = *label;
            self.requests
                .get_or_create(&Request { path, errcode })
                .inc();
        }
        histogram.observe(seconds);
    }

    /// One call to a WeCom path the mock does not model; true for the first one to that path.
    pub fn unmodelled_call(&self, path: &'static str) -> bool {
        self.unmodelled.get_or_create(&PathLabel { path }).inc() == 0
    }

    pub fn render(
        &self,
        store: &Store,
        journal: &crate::journal::Journal,
        attempts: &crate::callback::AttemptLog,
    ) -> String {
        let (journal_kept, journal_max) = journal.kept_bytes();
        let (attempts_kept, attempts_max, attempts_evicted) = attempts.budget();
        let (kf_kept, kf_max) = store.kf.log_bytes();
        let budgets = [
            ("journal", journal_kept, journal_max, journal.n_evicted()),
            (
                "inboxes",
                store.inbox_budget.kept_bytes(),
                store.inbox_budget.max_bytes(),
                store.inbox_budget.n_evicted(),
            ),
            (
                "media",
                store.media_budget.kept_bytes(),
                store.media_budget.max_bytes(),
                store.media_budget.n_evicted(),
            ),
            ("kf_log", kf_kept, kf_max, store.kf.n_log_evicted()),
            ("callbacks", attempts_kept, attempts_max, attempts_evicted),
        ];
        for (budget, kept, max, n_evicted) in budgets {
            let l = BudgetLabel { budget };
            self.kept_bytes.get_or_create(&l).set(kept as i64);
            self.max_bytes
                .get_or_create(&l)
                .set(max.min(i64::MAX as usize) as i64);
            self.evicted.get_or_create(&l).set(n_evicted as i64);
        }
        for (kind, delivered, held) in store.inbox_totals() {
            self.inbox_held
                .get_or_create(&KindLabel { kind })
                .set(held as i64);
            self.inbox_delivered
                .get_or_create(&KindLabel { kind })
                .set(delivered as i64);
        }
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
