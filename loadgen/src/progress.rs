//! The live progress line (on a terminal only): elapsed time, the last second's iteration rate, iterations in
//! flight, errors so far and the last second's p99 of whole iterations.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use crate::executor::Ctx;
use crate::recorder::Point;
use crate::scenario::plan::ITERATIONS;

pub struct Progress {
    bar: Option<ProgressBar>,
    n_errors: std::cell::Cell<u64>,
}

impl Progress {
    pub fn new(enabled: bool) -> Progress {
        let bar = enabled.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            n_errors: 0.into(),
        }
    }

    pub fn update(&self, ctx: &Ctx, p: &Point, elapsed: Duration) {
        self.n_errors.set(self.n_errors.get() + p.counts.n_errors);
        let Some(bar) = &self.bar else { return };
        let h = &p.corrected[ITERATIONS];
        let p99 = if h.is_empty() {
            "-".to_owned()
        } else {
            reports::summary::duration(h.value_at_quantile(0.99))
        };
        bar.set_message(format!(
            "{:>4}s  {:>7}/s  in flight {:>4}  errors {:>5}  p99 {p99}",
            elapsed.as_secs(),
            p.counts.n_iterations,
            ctx.in_flight.load(Relaxed),
            self.n_errors.get(),
        ));
        bar.tick();
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
