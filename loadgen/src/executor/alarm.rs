//! Waking the open workload's scheduler at each arrival's instant, on the runtime itself: a timerfd registered
//! with tokio's reactor fires at the due nanosecond (a timerfd's expiry takes no timer slack; tokio's own timer
//! has a 1 ms grain), and the scheduler task it wakes spawns the iteration from the runtime's thread, so the
//! iteration starts there with no hand-off from another thread.

use std::io;
use std::time::Duration;
use tokio::time::Instant;

#[cfg(target_os = "linux")]
pub struct Alarm {
    fd: tokio::io::unix::AsyncFd<std::os::fd::OwnedFd>,
}

#[cfg(target_os = "linux")]
impl Alarm {
    pub fn new() -> io::Result<Alarm> {
        use rustix::time::{timerfd_create, TimerfdClockId, TimerfdFlags};
        let fd = timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
        )?;
        // SAFETY: the AsyncFd owns the OwnedFd, so the descriptor stays open and the same until it is dropped.
        let fd = unsafe {
            tokio::io::unix::AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE)
        }
        .map_err(io::Error::from)?;
        Ok(Alarm { fd })
    }

    /// Resolves at `due` (at once when it has passed).
    pub async fn until(&self, due: Instant) -> io::Result<()> {
        use rustix::time::{timerfd_settime, Itimerspec, TimerfdTimerFlags, Timespec};
        let wait = due.saturating_duration_since(Instant::now());
        if wait.is_zero() {
            return Ok(());
        }
        let spec = Itimerspec {
            it_interval: Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: timespec(wait),
        };
        timerfd_settime(self.fd.get_ref(), TimerfdTimerFlags::empty(), &spec)?;
        loop {
            let mut guard = self.fd.readable().await?;
            let mut expirations = [0u8; 8];
            match rustix::io::read(guard.get_inner(), &mut expirations) {
                // Read, the timer is no longer readable until it is armed and fires again (a new edge): saying
                // so here saves a read that would only find it empty at the next arrival.
                Ok(_) => {
                    guard.clear_ready();
                    return Ok(());
                }
                Err(rustix::io::Errno::AGAIN) => guard.clear_ready(),
                Err(e) => return Err(e.into()),
            }
        }
    }
}

#[cfg(target_os = "linux")]
fn timespec(d: Duration) -> rustix::time::Timespec {
    rustix::time::Timespec {
        tv_sec: d.as_secs().try_into().unwrap_or(i64::MAX),
        tv_nsec: d.subsec_nanos().into(),
    }
}

/// Elsewhere, tokio's timer (its 1 ms grain shows as lateness in the corrected latencies).
#[cfg(not(target_os = "linux"))]
pub struct Alarm;

#[cfg(not(target_os = "linux"))]
impl Alarm {
    pub fn new() -> io::Result<Alarm> {
        Ok(Alarm)
    }

    pub async fn until(&self, due: Instant) -> io::Result<()> {
        tokio::time::sleep_until(due).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_alarm_does_not_go_off_early() {
        let alarm = Alarm::new().unwrap();
        for wait_us in [0, 50, 300, 2_000] {
            let due = Instant::now() + Duration::from_micros(wait_us);
            alarm.until(due).await.unwrap();
            assert!(Instant::now() >= due, "woke before {wait_us} us");
        }
        // A time already past resolves at once, armed or not.
        alarm.until(Instant::now()).await.unwrap();
    }
}
