//! Driving a phase. Open: arrivals on a fixed schedule (constant or linearly ramped rate), each iteration timed
//! from its intended start, so a slow target cannot hide its queueing; past `max_in_flight`, arrivals wait and
//! start late, and the corrected latencies show it. Closed: N virtual users, each running iterations back to
//! back until the iterations or the time are used up.

use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::alarm::Alarm;
use super::{iteration, Ctx, Worker};
use crate::recorder::ErrorKind;
use crate::scenario::plan::{Load, ITERATIONS};

/// When arrival `k` (0-based) is due, from the phase's start; `None` past the end. The rate goes linearly from
/// `a` to `b` per second over `d`, so arrivals up to `t` are `a·t + (b−a)·t²/(2d)`.
pub fn arrival(k: u64, a: f64, b: f64, d: Duration) -> Option<Duration> {
    let k = k as f64;
    let secs = d.as_secs_f64();
    let t = if (b - a).abs() < 1e-12 {
        k / a
    } else {
        let c = (b - a) / (2.0 * secs);
        let disc = a * a + 4.0 * c * k;
        if disc < 0.0 {
            return None;
        }
        (-a + disc.sqrt()) / (2.0 * c)
    };
    (t.is_finite() && t >= 0.0 && t < secs).then(|| Duration::from_secs_f64(t))
}

pub async fn open(ctx: Arc<Ctx>, index: usize) -> u64 {
    let phase = &ctx.plan.phases[index];
    let Load::Open {
        from_per_s,
        to_per_s,
        duration,
    } = phase.load
    else {
        return 0;
    };
    let permits = Arc::new(Semaphore::new(phase.max_in_flight));
    let idle: Arc<Mutex<Vec<Worker>>> = Arc::default();
    let next_worker = AtomicUsize::new(0);
    let (shard, n_shards) = ctx.shard;
    let mut alarm = match Alarm::new() {
        Ok(a) => a,
        Err(e) => {
            ctx.note_error(ITERATIONS, ErrorKind::Connection, &format!("no timer: {e}"));
            return 0;
        }
    };
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    let mut n = 0;
    let mut k = shard;
    while let Some(t) = arrival(k, from_per_s, to_per_s, duration) {
        let intended = start + t;
        tokio::select! {
            woke = alarm.until(intended) => if let Err(e) = woke {
                ctx.note_error(ITERATIONS, ErrorKind::Connection, &format!("the timer failed: {e}"));
                break;
            },
            _ = ctx.stopped() => break,
        }
        let permit = match permits.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                ctx.recorder.shard(0).lock().counts.n_late_iterations += 1;
                tokio::select! {
                    p = permits.clone().acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                    _ = ctx.stopped() => break,
                }
            }
        };
        let popped = idle.lock().pop();
        let mut w = popped.unwrap_or_else(|| ctx.worker(next_worker.fetch_add(1, Relaxed)));
        let (ctx2, idle2) = (ctx.clone(), idle.clone());
        tasks.spawn(async move {
            iteration::run(&ctx2, &mut w, index, k, intended).await;
            idle2.lock().push(w);
            drop(permit);
        });
        while tasks.try_join_next().is_some() {}
        n += 1;
        k += n_shards;
    }
    while tasks.join_next().await.is_some() {}
    for w in idle.lock().drain(..) {
        ctx.keep(w);
    }
    n
}

pub async fn closed(ctx: Arc<Ctx>, index: usize) -> u64 {
    let phase = &ctx.plan.phases[index];
    let Load::Closed {
        vus,
        iterations,
        duration,
    } = phase.load
    else {
        return 0;
    };
    let (shard, n_shards) = ctx.shard;
    let deadline = duration.map(|d| Instant::now() + d);
    let next = Arc::new(AtomicU64::new(0));
    let n_done = Arc::new(AtomicU64::new(0));
    let mut users = JoinSet::new();
    // This shard's share of the users: N shards run `vus` in all, and each at least one, or its share of the
    // iterations would never run.
    let n = n_shards as usize;
    let share = vus / n + usize::from((shard as usize) < vus % n);
    for v in 0..share.max(1) {
        let (ctx, next, n_done) = (ctx.clone(), next.clone(), n_done.clone());
        users.spawn(async move {
            let mut w = ctx.worker(v);
            let think = ctx.plan.phases[index].think;
            loop {
                if ctx.stopping() || deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                let k = shard + n_shards * next.fetch_add(1, Relaxed);
                if iterations.is_some_and(|n| k >= n) {
                    break;
                }
                iteration::run(&ctx, &mut w, index, k, Instant::now()).await;
                n_done.fetch_add(1, Relaxed);
                if let Some((lo, hi)) = think {
                    let pause = iteration::rng(ctx.plan.seed, index, k, 1)
                        .u64(lo.as_micros() as u64..=hi.as_micros() as u64);
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_micros(pause)) => {}
                        _ = ctx.stopped() => break,
                    }
                }
            }
            ctx.keep(w);
        });
    }
    while users.join_next().await.is_some() {}
    n_done.load(Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constant_rate_spaces_arrivals_evenly() {
        let d = Duration::from_secs(2);
        assert_eq!(arrival(0, 100.0, 100.0, d), Some(Duration::ZERO));
        assert_eq!(
            arrival(50, 100.0, 100.0, d),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            arrival(199, 100.0, 100.0, d),
            Some(Duration::from_millis(1990))
        );
        assert_eq!(arrival(200, 100.0, 100.0, d), None);
    }

    #[test]
    fn a_ramp_delivers_its_area() {
        // 0 → 100/s over 10 s: 500 arrivals, the first half of them in the last 2.93 s... and in order.
        let d = Duration::from_secs(10);
        let n = (0..)
            .take_while(|k| arrival(*k, 0.0, 100.0, d).is_some())
            .count();
        assert!((499..=501).contains(&n), "{n}");
        let ts: Vec<Duration> = (0..n as u64)
            .filter_map(|k| arrival(k, 0.0, 100.0, d))
            .collect();
        assert!(ts.windows(2).all(|w| w[0] <= w[1]));
        // Half the arrivals (250) come after t = 10/√2 ≈ 7.07 s.
        let half = arrival(250, 0.0, 100.0, d).unwrap().as_secs_f64();
        assert!((half - 7.07).abs() < 0.02, "{half}");
        // Ramping down: 100 → 0/s also gives 500.
        let down = (0..)
            .take_while(|k| arrival(*k, 100.0, 0.0, d).is_some())
            .count();
        assert!((499..=501).contains(&down), "{down}");
    }
}
