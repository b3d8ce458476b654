//! Byte budgets for what traffic makes the mock keep (inbox deliveries, media, the kf log): every kept item is
//! charged its bytes and stamped with a sequence number; past the budget, the oldest quarter (by sequence) is
//! swept out in one pass. One pass per quarter of the budget keeps the hot path to two atomic adds. The journal
//! counts its bytes here too, but evicts by its ring's own sequence numbers.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};

#[derive(Debug)]
pub struct Budget {
    max_bytes: usize,
    kept_bytes: AtomicUsize,
    next_seq: AtomicU64,
    /// Items below this sequence number have been swept out.
    floor: AtomicU64,
    sweeping: AtomicBool,
    n_evicted: AtomicU64,
}

/// A sweep in progress: the caller removes every item stamped below `below` and [`Budget::release`]s it.
#[derive(Debug)]
pub struct Sweep<'a> {
    budget: &'a Budget,
    pub below: u64,
}

impl Drop for Sweep<'_> {
    fn drop(&mut self) {
        self.budget.floor.fetch_max(self.below, Relaxed);
        self.budget.sweeping.store(false, Relaxed);
    }
}

impl Budget {
    pub fn new(max_bytes: usize) -> Budget {
        Budget {
            max_bytes,
            kept_bytes: AtomicUsize::new(0),
            next_seq: AtomicU64::new(0),
            floor: AtomicU64::new(0),
            sweeping: AtomicBool::new(false),
            n_evicted: AtomicU64::new(0),
        }
    }

    /// Charges a new item's bytes; returns the sequence number to stamp it with.
    pub fn charge(&self, bytes: usize) -> u64 {
        self.kept_bytes.fetch_add(bytes, Relaxed);
        self.next_seq.fetch_add(1, Relaxed)
    }

    /// An item left (evicted, replaced, expired): its bytes are free again.
    pub fn release(&self, bytes: usize) {
        // Saturating: a release that races a reset of the count must not wrap it.
        let _ = self
            .kept_bytes
            .fetch_update(Relaxed, Relaxed, |k| Some(k.saturating_sub(bytes)));
    }

    /// An item the budget pushed out (counted for the metrics, then released).
    pub fn evicted(&self, bytes: usize) {
        self.n_evicted.fetch_add(1, Relaxed);
        self.release(bytes);
    }

    pub fn kept_bytes(&self) -> usize {
        self.kept_bytes.load(Relaxed)
    }

    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    pub fn n_evicted(&self) -> u64 {
        self.n_evicted.load(Relaxed)
    }

    /// When over budget and nobody else is sweeping: the sweep to run, covering the oldest quarter of the items
    /// kept (at least one).
    pub fn sweep(&self) -> Option<Sweep<'_>> {
        if self.kept_bytes() <= self.max_bytes {
            return None;
        }
        if self.sweeping.swap(true, Relaxed) {
            return None;
        }
        let (floor, next) = (self.floor.load(Relaxed), self.next_seq.load(Relaxed));
        if floor >= next {
            // Everything stamped is swept already: what is still counted is not the sweep's to find, and a
            // caller looping on `sweep` must stop.
            self.sweeping.store(false, Relaxed);
            return None;
        }
        let below = (floor + next.saturating_sub(floor).div_ceil(4)).min(next);
        Some(Sweep {
            budget: self,
            below,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweeps_start_past_the_budget_and_cover_the_oldest_quarter() {
        let b = Budget::new(100);
        let seqs: Vec<u64> = (0..8).map(|_| b.charge(10)).collect();
        assert_eq!(seqs, (0..8).collect::<Vec<_>>());
        assert!(b.sweep().is_none(), "80 of 100 bytes");
        (0..4).for_each(|_| {
            b.charge(10);
        });
        let s = b.sweep().expect("120 of 100 bytes");
        assert_eq!(s.below, 3, "a quarter of 12, rounded up");
        assert!(b.sweep().is_none(), "one sweep at a time");
        (0..3).for_each(|_| b.evicted(10));
        drop(s);
        assert_eq!(b.kept_bytes(), 90);
        assert_eq!(b.n_evicted(), 3);
        b.charge(20);
        assert_eq!(b.sweep().map(|s| s.below), Some(6), "from the floor on");
    }

    #[test]
    fn a_count_nothing_holds_any_more_ends_the_sweeps() {
        let b = Budget::new(10);
        b.charge(50);
        let mut n_sweeps = 0;
        while let Some(s) = b.sweep() {
            n_sweeps += 1;
            drop(s);
        }
        assert_eq!(
            n_sweeps, 1,
            "one sweep covers the one item; then none, though 50 > 10 is still counted"
        );
    }

    #[test]
    fn release_never_wraps() {
        let b = Budget::new(10);
        b.charge(5);
        b.release(50);
        assert_eq!(b.kept_bytes(), 0);
    }
}
