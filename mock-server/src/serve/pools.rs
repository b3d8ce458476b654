//! The connection cap's places: a main pool, the reserve kept for the control API, and, past both, the oldest
//! connection with nothing under way closed to make room for a newcomer, which is handed its place.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, Notify, OwnedSemaphorePermit, Semaphore};

use super::io;

/// Newcomers waiting for the place of a connection closed for them, at most; past them a newcomer is closed.
/// More than the accepts tokio lets the loop make in one go (128), so a burst of them, a probe among them, is
/// not closed merely because the closed connections' tasks have not run yet.
const N_WAITING: usize = 256;

/// How long a newcomer waits for the place of the idle connection closed for it.
const REAP_WAIT_MS: u64 = 200;

/// An open connection as the pools list it: what says whether it is busy, and how it is closed.
type Listing = (Arc<io::Watch>, Arc<Reaping>);

/// How a connection is closed for a newcomer, and to whom its place then goes.
///
/// The place is handed over rather than given back to the pool: given back, it would go to whichever
/// newcomer the accept loop met next, and under a flood the one that closed the connection would wait for
/// nothing (a probe then timed out after [`REAP_WAIT_MS`]).
#[derive(Default)]
pub(super) struct Reaping {
    close: Notify,
    heir: parking_lot::Mutex<Option<oneshot::Sender<Seat>>>,
}

impl Reaping {
    /// Resolves when the connection has been chosen to close.
    pub(super) async fn chosen(&self) {
        self.close.notified().await
    }

    /// Gives `seat` to the newcomer the connection was closed for, if any still waits; else back to its pool.
    pub(super) fn hand_over(&self, seat: Option<Seat>) {
        if let (Some(heir), Some(seat)) = (self.heir.lock().take(), seat) {
            let _ = heir.send(seat);
        }
    }
}

pub(super) struct Pools {
    main: Arc<Semaphore>,
    reserve: Arc<Semaphore>,
    /// Newcomers waiting for a place an idle connection is giving up.
    waiting: Arc<Semaphore>,
    /// Open connections in the order they came, each with what says whether it is busy and what closes it.
    open: parking_lot::Mutex<std::collections::BTreeMap<u64, Listing>>,
    next_id: std::sync::atomic::AtomicU64,
}

/// The place of the connection closed for this newcomer, or one from either pool if given back sooner;
/// none within [`REAP_WAIT_MS`].
pub(super) async fn pools_wait(pools: &Pools, heir: oneshot::Receiver<Seat>) -> Option<Seat> {
    let wait = async {
        tokio::select! {
            Ok(seat) = heir => Some(seat),
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
    pub(super) fn list(&self, watch: Arc<io::Watch>, reaping: Arc<Reaping>) -> Listed<'_> {
        let id = self
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.open.lock().insert(id, (watch, reaping));
        Listed { pools: self, id }
    }

    /// A place among the newcomers waiting for a reaped connection's place; none when they are many.
    pub(super) fn waiter(&self) -> Option<OwnedSemaphorePermit> {
        self.waiting.clone().try_acquire_owned().ok()
    }

    /// Closes the oldest open connection with nothing under way, its place to go to `heir`; false when
    /// every one is busy.
    pub(super) fn reap_one(&self, heir: oneshot::Sender<Seat>) -> bool {
        let mut open = self.open.lock();
        let Some(id) = open
            .iter()
            .find(|(_, (watch, _))| watch.reapable())
            .map(|(id, _)| *id)
        else {
            return false;
        };
        // Out of the list at once, so the next newcomer picks another.
        if let Some((_, reaping)) = open.remove(&id) {
            *reaping.heir.lock() = Some(heir);
            reaping.close.notify_one();
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

    #[tokio::test]
    async fn a_reaped_connection_hands_its_place_to_the_newcomer_it_was_closed_for() {
        let pools = Pools::new(1, 0);
        let seat = pools.seat();
        assert!(seat.is_some());
        let watch = Arc::new(io::Watch::new(&super::super::Limits::default()));
        let reaping = Arc::new(Reaping::default());
        let listed = pools.list(watch, reaping.clone());
        let (heir, inheritance) = oneshot::channel();
        assert!(pools.reap_one(heir));
        reaping.chosen().await;
        drop(listed);
        reaping.hand_over(seat);
        // The pool itself stays empty: another newcomer cannot take the place first.
        assert!(pools.seat().is_none());
        assert!(matches!(
            pools_wait(&pools, inheritance).await,
            Some(Seat::Main(_))
        ));
    }

    #[test]
    fn with_nothing_open_nothing_is_reaped() {
        let pools = Pools::new(1, 0);
        let (heir, _) = oneshot::channel();
        assert!(!pools.reap_one(heir));
    }
}
