//! WeCom's frequency rule (document/path/90454): a limit counts calls in a window the first of them opens, not in
//! clock minutes; the call past the limit is refused and blocks every call for a whole period from that moment
//! (60 s for a per-minute limit, 60 min for an hourly one). Used for robots, app messages per member and, when a
//! setting turns it on, every API per corp.

/// At most `max` calls a `period_ms`; 0 turns the limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: usize,
    pub period_ms: i64,
}

impl Limit {
    pub const fn per_minute(max: usize) -> Limit {
        Limit {
            max,
            period_ms: 60_000,
        }
    }

    pub const fn per_hour(max: usize) -> Limit {
        Limit {
            max,
            period_ms: 3_600_000,
        }
    }
}

/// One limit's state: the window the first call opened, its count, and a block.
#[derive(Debug, Default, Clone)]
pub struct Window {
    start_ms: i64,
    n: usize,
    blocked_until_ms: i64,
}

impl Window {
    /// Whether a call now would pass; a call that would not starts the block.
    fn check(&mut self, now_ms: i64, limit: Limit) -> bool {
        if limit.max == 0 {
            return true;
        }
        if now_ms < self.blocked_until_ms {
            return false;
        }
        if self.n == 0 || now_ms >= self.start_ms + limit.period_ms {
            (self.start_ms, self.n) = (now_ms, 0);
        }
        if self.n >= limit.max {
            (self.blocked_until_ms, self.n) = (now_ms + limit.period_ms, 0);
            return false;
        }
        true
    }

    fn count(&mut self, limit: Limit) {
        if limit.max > 0 {
            self.n += 1;
        }
    }
}

/// A per-minute and a per-hour limit on the same calls.
#[derive(Debug, Default, Clone)]
pub struct Windows {
    minute: Window,
    hour: Window,
}

impl Windows {
    /// Counts a call and says whether it passes; a refused call is not counted.
    pub fn admit(&mut self, now_ms: i64, per_minute: Limit, per_hour: Limit) -> bool {
        let pass = self.minute.check(now_ms, per_minute) & self.hour.check(now_ms, per_hour);
        if pass {
            self.minute.count(per_minute);
            self.hour.count(per_hour);
        }
        pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFF: Limit = Limit::per_hour(0);

    #[test]
    fn the_call_past_the_limit_blocks_for_a_whole_period_from_then() {
        let mut w = Windows::default();
        let m = Limit::per_minute(3);
        // The window opens at the first call (t = 10 s), not at a clock minute.
        assert!((0..3).all(|i| w.admit(10_000 + i, m, OFF)));
        assert!(!w.admit(50_000, m, OFF), "the 4th within 60 s of the first");
        assert!(
            !w.admit(69_000, m, OFF),
            "the window is over, but the block runs to 110 s"
        );
        assert!(!w.admit(109_999, m, OFF));
        assert!(
            w.admit(110_000, m, OFF),
            "blocked 60 s from the refused call"
        );
        assert!((0..2).all(|i| w.admit(110_001 + i, m, OFF)));
        assert!(!w.admit(120_000, m, OFF));
    }

    #[test]
    fn a_window_under_the_limit_simply_ends() {
        let mut w = Windows::default();
        let m = Limit::per_minute(2);
        assert!(w.admit(0, m, OFF) && w.admit(1, m, OFF));
        assert!(
            w.admit(60_000, m, OFF) && w.admit(60_001, m, OFF),
            "a new window"
        );
    }

    #[test]
    fn the_hour_caps_minutes_that_are_each_under_their_limit() {
        let mut w = Windows::default();
        let (m, h) = (Limit::per_minute(30), Limit::per_hour(1000));
        let admitted = (0..1800).filter(|i| w.admit(i * 2_000, m, h)).count();
        assert_eq!(admitted, 1000);
        assert!(
            !w.admit(3_600_000 + 1_000, m, h),
            "blocked an hour from the refusal at 2000 s"
        );
        assert!(w.admit(2_000 * 1000 + 3_600_000, m, h));
        let mut off = Windows::default();
        assert!((0..5000).all(|_| off.admit(0, OFF, OFF)));
    }
}
