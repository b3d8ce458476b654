//! A ring held within a count and a byte budget, newest first: what the request journal and the callback
//! attempt log are kept in. Each item is charged what it costs; past the budget the oldest go, by the ring's
//! own sequence numbers, so the newest always stays.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::budget::Budget;
use crate::ring::Ring;

/// What holding an item costs, as the byte budget counts it: its fixed size and what it owns.
pub trait Cost {
    fn cost_bytes(&self) -> usize;
}

#[derive(Debug)]
pub struct Ledger<T> {
    ring: Ring<T>,
    /// Bytes held; the ring's own sequence numbers, not the budget's stamps, say which item is oldest.
    bytes: Budget,
    /// The oldest sequence number that may still be held; the byte budget evicts from here.
    evict_from: AtomicU64,
}

impl<T: Clone + Cost> Ledger<T> {
    /// Keeps at most `capacity` items and about `max_bytes` of them.
    pub fn new(capacity: usize, max_bytes: usize) -> Ledger<T> {
        Ledger {
            ring: Ring::new(capacity),
            bytes: Budget::new(max_bytes),
            evict_from: AtomicU64::new(0),
        }
    }

    pub fn record(&self, item: T) {
        self.bytes.charge(item.cost_bytes());
        let seq = self.ring.reserve();
        if let Some(gone) = self.ring.put(seq, item) {
            self.bytes.release(gone.cost_bytes());
        }
        // Items below the ring's reach were replaced, and released, already.
        let reach = (seq + 1).saturating_sub(self.ring.capacity() as u64);
        self.evict_from.fetch_max(reach, Relaxed);
        while self.bytes.kept_bytes() > self.bytes.max_bytes() {
            let oldest = self.evict_from.fetch_add(1, Relaxed);
            if oldest >= seq {
                break;
            }
            if let Some(gone) = self.ring.take(oldest) {
                self.bytes.evicted(gone.cost_bytes());
            }
        }
    }

    /// Up to `limit` items older than `before` (all when none) that pass `keep`, newest first, with their
    /// sequence numbers.
    pub fn page(
        &self,
        before: Option<u64>,
        limit: usize,
        keep: impl FnMut(&T) -> bool,
    ) -> Vec<(u64, T)> {
        self.ring.page(before.unwrap_or(u64::MAX), limit, keep)
    }

    /// Items recorded since the start, including those that went.
    pub fn n_recorded(&self) -> u64 {
        self.ring.n_pushed()
    }

    /// Bytes held now (as charged), and the budget.
    pub fn kept_bytes(&self) -> (usize, usize) {
        (self.bytes.kept_bytes(), self.bytes.max_bytes())
    }

    /// Items the byte budget pushed out before the count limit would have.
    pub fn n_evicted(&self) -> u64 {
        self.bytes.n_evicted()
    }
}

/// The start of `s`, at most `max_bytes` of it, cut at a character boundary.
pub fn prefix(s: &str, max_bytes: usize) -> &str {
    let mut end = s.len().min(max_bytes);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone)]
    struct Item(Vec<u8>);

    impl Cost for Item {
        fn cost_bytes(&self) -> usize {
            std::mem::size_of::<Item>() + self.0.len()
        }
    }

    #[test]
    fn the_budget_holds_and_the_newest_stays() {
        let l = Ledger::new(1_000, 10_000);
        for i in 0..500 {
            l.record(Item(vec![0; 100 + i]));
        }
        let (kept, max) = l.kept_bytes();
        assert!(kept <= max, "{kept} > {max}");
        let all = l.page(None, usize::MAX, |_| true);
        let held: usize = all.iter().map(|(_, i)| i.cost_bytes()).sum();
        assert_eq!(held, kept);
        assert_eq!(all[0].0, 499);
        assert_eq!(l.n_evicted() as usize + all.len(), 500);
        let one_too_big = Ledger::new(10, 10);
        one_too_big.record(Item(vec![0; 100]));
        assert_eq!(one_too_big.page(None, 10, |_| true).len(), 1, "kept, alone");
    }

    #[test]
    fn a_prefix_is_cut_at_a_character() {
        assert_eq!(prefix("héllo", 2), "h");
        assert_eq!(prefix("héllo", 3), "hé");
        assert_eq!(prefix("hi", 10), "hi");
    }
}
