//! The mock clock: wall time plus an offset the control API can advance, so token expiry, media validity and
//! rate-limit windows are testable without waiting. Event timestamps use the real monotonic clock instead.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// How far the mock clock may be moved ahead in all: 100 years, far past any expiry the mock models.
pub const MAX_OFFSET_MS: i64 = 100 * 365 * 24 * 3600 * 1000;

#[derive(Debug)]
pub struct Clock {
    origin: Instant,
    origin_unix_ms: i64,
    offset_ms: AtomicI64,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

impl Clock {
    pub fn new() -> Clock {
        let origin_unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default();
        Clock {
            origin: Instant::now(),
            origin_unix_ms,
            offset_ms: AtomicI64::new(0),
        }
    }

    /// Mock time, in Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        let elapsed_ms = i64::try_from(self.origin.elapsed().as_millis()).unwrap_or(i64::MAX);
        self.origin_unix_ms
            .saturating_add(elapsed_ms)
            .saturating_add(self.offset_ms.load(Ordering::Relaxed))
    }

    pub fn now_s(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Moves mock time forward (never back: expiry must not un-expire). The total offset is capped at
    /// [`MAX_OFFSET_MS`]; an advance past it is refused whole and returns false.
    pub fn advance_ms(&self, ms: i64) -> bool {
        let ms = ms.max(0);
        self.offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |o| {
                o.checked_add(ms).filter(|n| *n <= MAX_OFFSET_MS)
            })
            .is_ok()
    }

    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    /// Real microseconds since the server started; unaffected by [`Clock::advance_ms`].
    pub fn mono_us(&self) -> u64 {
        self.origin.elapsed().as_micros() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_mock_time_only_forward() {
        let c = Clock::new();
        let before = c.now_ms();
        assert!(c.advance_ms(7_200_000));
        assert!(c.now_ms() - before >= 7_200_000);
        assert!(c.advance_ms(-5_000_000));
        assert!(c.now_ms() - before >= 7_200_000);
        assert_eq!(c.offset_ms(), 7_200_000);
    }

    #[test]
    fn advance_cannot_overflow_or_wrap() {
        let c = Clock::new();
        assert!(!c.advance_ms(i64::MAX));
        assert!(c.advance_ms(MAX_OFFSET_MS - 1));
        assert!(!c.advance_ms(2), "past the cap: refused whole");
        assert_eq!(c.offset_ms(), MAX_OFFSET_MS - 1);
        assert!(c.now_ms() > 0, "no wrap to the past");
    }
}
