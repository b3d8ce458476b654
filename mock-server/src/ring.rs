//! A bounded ring of the newest entries, indexed by sequence number. Each slot has its own small lock, so
//! writers on the hot path never queue behind one global lock, and old entries fall off by themselves.

use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// One slot: the sequence number of the entry in it, and the entry.
type Slot<T> = Mutex<Option<(u64, T)>>;

#[derive(Debug)]
pub struct Ring<T> {
    slots: Box<[Slot<T>]>,
    next: AtomicU64,
    n_put: AtomicU64,
}

impl<T: Clone> Ring<T> {
    pub fn new(capacity: usize) -> Ring<T> {
        let capacity = capacity.max(1);
        Ring {
            slots: (0..capacity).map(|_| Mutex::new(None)).collect(),
            next: AtomicU64::new(0),
            n_put: AtomicU64::new(0),
        }
    }

    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Takes a sequence number for an entry the caller is about to build (its id may need it).
    pub fn reserve(&self) -> u64 {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    /// Stores an entry under a sequence number from [`Ring::reserve`] or from the caller's own counter. Returns
    /// what is not kept: the older entry it replaced, or the entry itself when a newer one already holds the slot.
    pub fn put(&self, seq: u64, value: T) -> Option<T> {
        self.n_put.fetch_add(1, Ordering::Relaxed);
        let slot = &self.slots[(seq % self.slots.len() as u64) as usize];
        let mut g = slot.lock();
        // A slow writer must not overwrite a newer entry that already took this slot.
        if g.as_ref().is_none_or(|(s, _)| *s < seq) {
            g.replace((seq, value)).map(|(_, old)| old)
        } else {
            Some(value)
        }
    }

    #[cfg(test)]
    pub fn push(&self, value: T) -> u64 {
        let seq = self.reserve();
        self.put(seq, value);
        seq
    }

    /// Removes the entry `seq`, if it is still there.
    pub fn take(&self, seq: u64) -> Option<T> {
        let slot = &self.slots[(seq % self.slots.len() as u64) as usize];
        let mut g = slot.lock();
        if g.as_ref().is_some_and(|(s, _)| *s == seq) {
            g.take().map(|(_, v)| v)
        } else {
            None
        }
    }

    pub fn get(&self, seq: u64) -> Option<T> {
        let slot = &self.slots[(seq % self.slots.len() as u64) as usize];
        slot.lock()
            .as_ref()
            .filter(|(s, _)| *s == seq)
            .map(|(_, v)| v.clone())
    }

    /// Up to `limit` entries that pass `keep`, newest first, with their sequence numbers.
    #[cfg(test)]
    pub fn newest(&self, limit: usize, keep: impl FnMut(&T) -> bool) -> Vec<(u64, T)> {
        self.page(u64::MAX, limit, keep)
    }

    /// Up to `limit` entries older than sequence number `before` that pass `keep`, newest first. Only what is
    /// returned is copied; the rest is looked at under its slot's lock and left.
    pub fn page(
        &self,
        before: u64,
        limit: usize,
        mut keep: impl FnMut(&T) -> bool,
    ) -> Vec<(u64, T)> {
        let top = self.next.load(Ordering::Relaxed).min(before);
        let bottom = top.saturating_sub(self.slots.len() as u64);
        let mut out = Vec::with_capacity(limit.min(self.slots.len()));
        for seq in (bottom..top).rev() {
            if out.len() >= limit {
                break;
            }
            let slot = &self.slots[(seq % self.slots.len() as u64) as usize];
            let g = slot.lock();
            if let Some((s, v)) = g.as_ref().filter(|(s, v)| *s == seq && keep(v)) {
                out.push((*s, v.clone()));
            }
        }
        out
    }

    /// Entries pushed since the start, including those that fell off.
    pub fn n_pushed(&self) -> u64 {
        self.n_put.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_and_finds_by_seq() {
        let r = Ring::new(3);
        let seqs: Vec<u64> = (0..5).map(|i| r.push(i * 10)).collect();
        assert_eq!(r.newest(10, |_| true), vec![(4, 40), (3, 30), (2, 20)]);
        assert_eq!(r.newest(1, |v| *v != 40), vec![(3, 30)]);
        assert_eq!(r.get(seqs[4]), Some(40));
        assert_eq!(r.get(seqs[0]), None, "fell off");
        assert_eq!(r.n_pushed(), 5);
    }

    #[test]
    fn pages_from_a_sequence_number() {
        let r = Ring::new(4);
        (0..6).for_each(|i| {
            r.push(i);
        });
        assert_eq!(r.page(4, 10, |_| true), vec![(3, 3), (2, 2)]);
        assert_eq!(r.page(5, 1, |v| v % 2 == 0), vec![(4, 4)]);
        assert_eq!(r.take(3), Some(3));
        assert_eq!(r.take(3), None);
        assert_eq!(r.newest(10, |_| true), vec![(5, 5), (4, 4), (2, 2)]);
    }

    #[test]
    fn put_returns_what_it_does_not_keep() {
        let r = Ring::new(1);
        assert_eq!(r.put(0, "a"), None);
        assert_eq!(r.put(1, "b"), Some("a"), "replaced");
        assert_eq!(r.put(0, "late"), Some("late"), "refused");
    }

    #[test]
    fn late_writer_does_not_clobber_newer_entry() {
        let r = Ring::new(2);
        let old = r.reserve();
        let _ = r.reserve();
        let newer = r.reserve();
        r.put(newer, "new");
        r.put(old, "old");
        assert_eq!(r.get(newer), Some("new"));
    }
}
