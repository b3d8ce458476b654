//! The connection cap's places: a main pool, the reserve kept for the control API, and, past both, the oldest
//! connection with nothing under way closed to make room for a newcomer.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::io;

/// Newcomers waiting for the place of a connection closed for them, at most; past them a newcomer is closed.
const N_WAITING: usize = 32;

/// How long a newcomer waits for the place of the idle connection closed for it.
const REAP_WAIT_MS: u64 = 200;

/// An open connection as the pools list it: what says whether it is busy, and what closes it.
type Listing = (Arc<io::Watch>, Arc<tokio::sync::Notify>);

pub(super) struct Pools {
    main: Arc<Semaphore>,
    reserve: Arc<Semaphore>,
    /// Newcomers waiting for a place an idle connection is giving up.
    waiting: Arc<Semaphore>,
    /// Open connections in the order they came, each with what says whether it is busy and what closes it.
    open: parking_lot::Mutex<std::collections::BTreeMap<u64, Listing>>,
    next_id: std::sync::atomic::AtomicU64,
}

/// A place from either pool, once one is given back; none within [`REAP_WAIT_MS`].
pub(super) async fn pools_wait(pools: &Pools) -> Option<Seat> {
    let wait = async {
        tokio::select! {
            Ok(p) = pools.main.clone().acquire_owned() => Some(Seat::Main(p)),
            Ok(p) = pools.reserve.clone().acquire_owned() => Some(Seat::Reserve(p)),
            else => None,
        }
    };
    tokio::time::timeout(Duration::from_millis(REAP_WAIT_MS), wait)
        .await
        .ok()
        .flatten()
}

/// Which pool a connection holds its place in; the place is given back when the connection ends.
pub(super) enum Seat {
    Main(#[allow(dead_code)] OwnedSemaphorePermit),
    Reserve(#[allow(dead_code)] OwnedSemaphorePermit),
}

impl Pools {
    pub(super) fn new(n_main: usize, n_reserve: usize) -> Pools {
        Pools {
            main: Arc::new(Semaphore::new(n_main)),
            reserve: Arc::new(Semaphore::new(n_reserve)),
            waiting: Arc::new(Semaphore::new(N_WAITING)),
            open: parking_lot::Mutex::default(),
            next_id: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Lists an open connection; it leaves the list when the guard drops (or when it is closed for a newcomer).
    pub(super) fn list(
        &self,
        watch: Arc<io::Watch>,
        close: Arc<tokio::sync::Notify>,
    ) -> Listed<'_> {
        let id = self
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.open.lock().insert(id, (watch, close));
        Listed { pools: self, id }
    }

    /// A place among the newcomers waiting for a reaped connection's place; none when they are many.
    pub(super) fn waiter(&self) -> Option<OwnedSemaphorePermit> {
        self.waiting.clone().try_acquire_owned().ok()
    }

    /// Closes the oldest open connection with nothing under way; false when every one is busy.
    pub(super) fn reap_one(&self) -> bool {
        let mut open = self.open.lock();
        let Some(id) = open
            .iter()
            .find(|(_, (watch, _))| watch.reapable())
            .map(|(id, _)| *id)
        else {
            return false;
        };
        // Out of the list at once, so the next newcomer picks another.
        if let Some((_, close)) = open.remove(&id) {
            close.notify_one();
        }
        true
    }

    pub(super) fn seat(&self) -> Option<Seat> {
        if let Ok(p) = self.main.clone().try_acquire_owned() {
            return Some(Seat::Main(p));
        }
        self.reserve
            .clone()
            .try_acquire_owned()
            .ok()
            .map(Seat::Reserve)
    }
}

/// A connection's entry in [`Pools::open`], removed when the connection ends.
pub(super) struct Listed<'a> {
    pools: &'a Pools,
    id: u64,
}

impl Drop for Listed<'_> {
    fn drop(&mut self) {
        self.pools.open.lock().remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_main_pool_seats_come_from_the_reserve_then_none() {
        let pools = Pools::new(1, 1);
        let a = pools.seat();
        assert!(matches!(a, Some(Seat::Main(_))));
        let b = pools.seat();
        assert!(matches!(b, Some(Seat::Reserve(_))));
        assert!(pools.seat().is_none());
        drop(a);
        assert!(matches!(pools.seat(), Some(Seat::Main(_))));
    }
}
