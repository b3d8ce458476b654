//! The cost of loadgen's record path, against a bare `hdrhistogram::Histogram::record`:
//!
//! * `baseline/hdr_record`: one record into one histogram (the floor);
//! * `baseline/hdr_record_x2`: a corrected and an uncorrected record, what one sample has to cost at least;
//! * `record/ok`: `rec.shard(i).lock().ok(metric, corrected, uncorrected)`, one sample;
//! * `record/request_iteration`: everything a one-request iteration records, as `executor/iteration.rs` does it
//!   today (the request counter, the step's metric, the iteration counter and the `iterations` metric: three
//!   shard locks, four histogram records);
//! * `second/<rate>`: one simulated second at `<rate>` one-request iterations spread over the workers, then
//!   `Collector::collect` once, as the run loop does; reported per iteration;
//! * `collect/<rate>`: the collection alone, after a second at `<rate>`.
//!
//! The latencies replayed are a fixed pseudo-random sequence between 100 µs and ~10 ms with a tail, so the
//! histograms see as many distinct buckets as in a real run.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use hdrhistogram::Histogram;
use loadgen::recorder::Recorder;

/// As the executor: `iterations`, `api.gettoken`, then the step's `api.<path>`.
const ITERATIONS: usize = 0;
const N_METRICS: usize = 3;
const STEP_METRIC: usize = 2;
/// `available_parallelism() * 4` on the project's 2-core machine, as `executor::Ctx::new` sizes it.
const N_SHARDS: usize = 8;
/// Closed workload of the comparison: 32 virtual users, one worker each.
const N_WORKERS: usize = 32;

fn latencies(n: usize) -> Vec<(u64, u64)> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Mostly 100 µs–2 ms, one in 64 up to ~10 ms; the corrected latency adds a small lag.
            let base = 100 + x % 1_900;
            let un = if x >> 58 == 0 { base * 5 } else { base };
            (un + (x >> 40) % 50, un)
        })
        .collect()
}

/// The growing histogram the shards use (`recorder::growing`).
fn growing() -> Histogram<u64> {
    let mut h = Histogram::new(reports::histogram::SIGFIG).expect("3 significant digits");
    h.auto(true);
    h
}

fn record_one_iteration(rec: &Recorder, worker: usize, corrected: u64, uncorrected: u64) {
    // What `iteration::run` flushes for a one-request iteration that succeeds: one lock, the request, the step
    // and the iteration.
    let mut s = rec.shard(worker).lock();
    s.counts.n_requests += 1;
    s.ok(STEP_METRIC, corrected, uncorrected);
    s.counts.n_iterations += 1;
    s.ok(ITERATIONS, corrected, uncorrected);
}

fn per_sample(c: &mut Criterion) {
    let samples = latencies(1 << 16);
    let mask = samples.len() - 1;
    let mut g = c.benchmark_group("recorder");
    g.throughput(Throughput::Elements(1));

    g.bench_function("baseline/hdr_record", |b| {
        let mut h = growing();
        let mut i = 0;
        b.iter(|| {
            let (_, u) = samples[i & mask];
            i += 1;
            let _ = h.record(black_box(u));
        });
        black_box(h.len());
    });
    g.bench_function("baseline/hdr_record_x2", |b| {
        let (mut hc, mut hu) = (growing(), growing());
        let mut i = 0;
        b.iter(|| {
            let (c, u) = samples[i & mask];
            i += 1;
            let _ = hc.record(black_box(c));
            let _ = hu.record(black_box(u));
        });
        black_box(hc.len() + hu.len());
    });
    g.bench_function("record/ok", |b| {
        let rec = Recorder::new(N_METRICS, N_SHARDS);
        let mut i = 0;
        b.iter(|| {
            let (c, u) = samples[i & mask];
            rec.shard(black_box(i % N_WORKERS))
                .lock()
                .ok(STEP_METRIC, c, u);
            i += 1;
        });
    });
    g.bench_function("record/request_iteration", |b| {
        let rec = Recorder::new(N_METRICS, N_SHARDS);
        let mut i = 0;
        b.iter(|| {
            let (c, u) = samples[i & mask];
            record_one_iteration(&rec, black_box(i % N_WORKERS), c, u);
            i += 1;
        });
    });
    g.finish();
}

fn per_second(c: &mut Criterion) {
    let mut g = c.benchmark_group("recorder");
    g.sample_size(20);
    for rate in [20_000usize, 80_000] {
        let samples = latencies(rate);
        g.throughput(Throughput::Elements(rate as u64));
        // Recorder and collector live across seconds, as in a run: the shards' histograms have grown already.
        let rec = Recorder::new(N_METRICS, N_SHARDS);
        let mut col = rec.collector();
        g.bench_with_input(BenchmarkId::new("second", rate), &samples, |b, samples| {
            b.iter(|| {
                for (i, &(c, u)) in samples.iter().enumerate() {
                    record_one_iteration(&rec, i % N_WORKERS, c, u);
                }
                black_box(col.collect(&rec))
            })
        });
        g.throughput(Throughput::Elements(1));
        g.bench_with_input(BenchmarkId::new("collect", rate), &samples, |b, samples| {
            b.iter_batched(
                || {
                    for (i, &(c, u)) in samples.iter().enumerate() {
                        record_one_iteration(&rec, i % N_WORKERS, c, u);
                    }
                },
                |()| black_box(col.collect(&rec)),
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, per_sample, per_second);
criterion_main!(benches);
