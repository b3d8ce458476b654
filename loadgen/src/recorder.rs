//! The recorder: per-shard HdrHistograms (µs, 3 significant digits) for every metric, corrected and
//! uncorrected, plus the counters. Workers record into their own shard (a mutex nobody else takes except the
//! collector, once a second), so the record path has no global lock. Once a second the collector swaps each
//! shard's interval out, merges the intervals into that second's point of the time series and into the run's
//! totals, and reuses the emptied histograms.

use hdrhistogram::Histogram;
use parking_lot::Mutex;
use std::collections::BTreeMap;

use reports::histogram::MAX_US;

/// Why a step failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A WeCom call answered another errcode than the step expects.
    Errcode,
    HttpStatus,
    Timeout,
    Connection,
    /// An assertion or a capture failed.
    Assertion,
    /// The answer is not the JSON it should be.
    Body,
    /// A template named a variable the iteration does not have (a capture that found nothing).
    Template,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 7] = [
        ErrorKind::Errcode,
        ErrorKind::HttpStatus,
        ErrorKind::Timeout,
        ErrorKind::Connection,
        ErrorKind::Assertion,
        ErrorKind::Body,
        ErrorKind::Template,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Errcode => "errcode",
            ErrorKind::HttpStatus => "http_status",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Connection => "connection",
            ErrorKind::Assertion => "assertion",
            ErrorKind::Body => "body",
            ErrorKind::Template => "template",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    pub n_iterations: u64,
    pub n_failed_iterations: u64,
    pub n_requests: u64,
    pub n_errors: u64,
    pub n_token_refreshes: u64,
    pub n_late_iterations: u64,
    pub errors_by_kind: [u64; ErrorKind::ALL.len()],
    pub errors_by_errcode: BTreeMap<i64, u64>,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.n_iterations += o.n_iterations;
        self.n_failed_iterations += o.n_failed_iterations;
        self.n_requests += o.n_requests;
        self.n_errors += o.n_errors;
        self.n_token_refreshes += o.n_token_refreshes;
        self.n_late_iterations += o.n_late_iterations;
        for (a, b) in self.errors_by_kind.iter_mut().zip(o.errors_by_kind) {
            *a += b;
        }
        for (code, n) in &o.errors_by_errcode {
            *self.errors_by_errcode.entry(*code).or_default() += n;
        }
    }
}

/// What one shard recorded since the last collection.
#[derive(Debug)]
pub struct Interval {
    pub corrected: Vec<Histogram<u64>>,
    pub uncorrected: Vec<Histogram<u64>>,
    pub n_errors: Vec<u64>,
    pub counts: Counts,
}

impl Interval {
    fn new(n_metrics: usize) -> Interval {
        Interval {
            corrected: (0..n_metrics).map(|_| growing()).collect(),
            uncorrected: (0..n_metrics).map(|_| growing()).collect(),
            n_errors: vec![0; n_metrics],
            counts: Counts::default(),
        }
    }

    /// A successful operation of `metric`: latency from its intended start and from its actual start.
    pub fn ok(&mut self, metric: usize, corrected_us: u64, uncorrected_us: u64) {
        let _ = self.corrected[metric].record(corrected_us.clamp(1, MAX_US));
        let _ = self.uncorrected[metric].record(uncorrected_us.clamp(1, MAX_US));
    }

    /// A failure: counted once, in each metric it concerns (a named step's failure is its metric's and its
    /// step's) and once in the run's counts.
    pub fn error(&mut self, metrics: &[usize], kind: ErrorKind, errcode: Option<i64>) {
        for &m in metrics {
            self.n_errors[m] += 1;
        }
        self.counts.n_errors += 1;
        self.counts.errors_by_kind[kind as usize] += 1;
        if let Some(code) = errcode {
            *self.counts.errors_by_errcode.entry(code).or_default() += 1;
        }
    }

    fn reset(&mut self) {
        self.corrected.iter_mut().for_each(Histogram::reset);
        self.uncorrected.iter_mut().for_each(Histogram::reset);
        self.n_errors.iter_mut().for_each(|n| *n = 0);
        self.counts = Counts::default();
    }
}

/// A histogram that starts small and grows to the latencies actually seen.
#[allow(
    clippy::expect_used,
    reason = "SIGFIG is a constant hdrhistogram accepts"
)]
fn growing() -> Histogram<u64> {
    let mut h = Histogram::new(reports::histogram::SIGFIG).expect("3 significant digits are valid");
    h.auto(true);
    h
}

pub struct Recorder {
    shards: Vec<Mutex<Interval>>,
    n_metrics: usize,
}

/// Everything recorded over the run.
#[derive(Debug)]
pub struct Totals {
    pub corrected: Vec<Histogram<u64>>,
    pub uncorrected: Vec<Histogram<u64>>,
    pub n_errors: Vec<u64>,
    pub counts: Counts,
}

/// One second: its counters and, per metric, the corrected latencies of what ended in it.
#[derive(Debug)]
pub struct Point {
    pub counts: Counts,
    pub corrected: Vec<Histogram<u64>>,
    pub n_errors: Vec<u64>,
}

impl Recorder {
    pub fn new(n_metrics: usize, n_shards: usize) -> Recorder {
        Recorder {
            shards: (0..n_shards.max(1))
                .map(|_| Mutex::new(Interval::new(n_metrics)))
                .collect(),
            n_metrics,
        }
    }

    /// The shard for worker `worker`.
    pub fn shard(&self, worker: usize) -> &Mutex<Interval> {
        &self.shards[worker % self.shards.len()]
    }

    pub fn collector(&self) -> Collector {
        Collector {
            spare: Interval::new(self.n_metrics),
            totals: Totals {
                corrected: (0..self.n_metrics)
                    .map(|_| reports::histogram::new())
                    .collect(),
                uncorrected: (0..self.n_metrics)
                    .map(|_| reports::histogram::new())
                    .collect(),
                n_errors: vec![0; self.n_metrics],
                counts: Counts::default(),
            },
        }
    }
}

/// Drains the shards; owned by one task.
pub struct Collector {
    spare: Interval,
    pub totals: Totals,
}

impl Collector {
    /// Swaps every shard's interval out and merges them: into the returned point and into the totals.
    pub fn collect(&mut self, rec: &Recorder) -> Point {
        let mut point = Point {
            counts: Counts::default(),
            corrected: (0..rec.n_metrics).map(|_| growing()).collect(),
            n_errors: vec![0; rec.n_metrics],
        };
        for shard in &rec.shards {
            std::mem::swap(&mut *shard.lock(), &mut self.spare);
            let s = &self.spare;
            for m in 0..rec.n_metrics {
                // Both sides hold values clamped to the totals' range, so adding cannot fail.
                let _ = point.corrected[m].add(&s.corrected[m]);
                let _ = self.totals.corrected[m].add(&s.corrected[m]);
                let _ = self.totals.uncorrected[m].add(&s.uncorrected[m]);
                point.n_errors[m] += s.n_errors[m];
                self.totals.n_errors[m] += s.n_errors[m];
            }
            point.counts.add(&s.counts);
            self.totals.counts.add(&s.counts);
            self.spare.reset();
        }
        point
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        /// Samples spread over shards and collected in several rounds add up to exactly the histogram of all
        /// of them.
        #[test]
        fn merging_is_exact(samples in proptest::collection::vec((0usize..8, 1u64..5_000_000, any::<bool>()), 0..150), n_shards in 1usize..5) {
            let rec = Recorder::new(2, n_shards);
            let mut col = rec.collector();
            let mut all = reports::histogram::new();
            let mut n_in_points = 0;
            for (i, (worker, us, collect_now)) in samples.iter().enumerate() {
                rec.shard(*worker).lock().ok(i % 2, *us, us / 2);
                if i % 2 == 0 {
                    reports::histogram::record(&mut all, *us);
                }
                if *collect_now {
                    n_in_points += col.collect(&rec).corrected[0].len();
                }
            }
            n_in_points += col.collect(&rec).corrected[0].len();
            let t = &col.totals;
            prop_assert_eq!(t.corrected[0].len() + t.corrected[1].len(), samples.len() as u64);
            prop_assert_eq!(n_in_points, t.corrected[0].len());
            prop_assert_eq!(&t.corrected[0], &all);
        }
    }

    #[test]
    fn errors_are_counted_by_kind_and_errcode() {
        let rec = Recorder::new(1, 2);
        rec.shard(0)
            .lock()
            .error(&[0], ErrorKind::Errcode, Some(45009));
        rec.shard(1)
            .lock()
            .error(&[0], ErrorKind::Errcode, Some(45009));
        rec.shard(1).lock().error(&[0], ErrorKind::Timeout, None);
        let mut col = rec.collector();
        let p = col.collect(&rec);
        assert_eq!(p.n_errors[0], 3);
        assert_eq!(col.totals.counts.errors_by_errcode[&45009], 2);
        assert_eq!(
            col.totals.counts.errors_by_kind[ErrorKind::Timeout as usize],
            1
        );
        assert_eq!(col.totals.counts.n_errors, 3);
    }
}
