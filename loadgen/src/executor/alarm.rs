//! Waking the open workload's scheduler at each arrival's instant, on the runtime itself: a timerfd registered
//! with tokio's reactor fires at the due nanosecond (a timerfd's expiry takes no timer slack; tokio's own timer
//! has a 1 ms grain), and the scheduler task it wakes spawns the iteration from the runtime's thread, so the
//! iteration starts there with no hand-off from another thread. What is left is the OS's wake-up: tens of µs on
//! a busy VM. So the alarm is set early by the wake-ups' own lateness (learnt as it goes, at its 90th
//! percentile) and the rest is spun, never more than a quarter of the gap between arrivals.

use std::io;
use std::time::Duration;
use tokio::time::Instant;

/// The most an alarm is set early: past this the wake-up is the machine being busy, not its latency.
const MAX_LEAD_NS: u64 = 200_000;
/// How fast the lead follows the wake-ups' lateness.
const LEAD_STEP_NS: u64 = 250;

/// Wakes at each due instant, early enough to start on time.
pub struct Alarm {
    timer: Timer,
    /// How early the timer is set: the 90th percentile of how late it has woken.
    lead_ns: u64,
    /// The last instant waited for, to bound the spin by the gap to the next.
    last: Option<Instant>,
}

impl Alarm {
    pub fn new() -> io::Result<Alarm> {
        Ok(Alarm {
            timer: Timer::new()?,
            lead_ns: 0,
            last: None,
        })
    }

    /// Resolves at `due` (at once when it has passed).
    pub async fn until(&mut self, due: Instant) -> io::Result<()> {
        let gap_ns = self
            .last
            .map_or(u64::MAX, |l| ns(due.saturating_duration_since(l)));
        self.last = Some(due);
        let lead = Duration::from_nanos(self.lead_ns.min(gap_ns / 4));
        let now = Instant::now();
        if due > now + lead {
            let wake_at = due - lead;
            self.timer.until(wake_at).await?;
            self.learn(ns(Instant::now().saturating_duration_since(wake_at)));
        }
        while Instant::now() < due {
            std::hint::spin_loop();
        }
        Ok(())
    }

    /// One step towards the 90th percentile of the wake-ups' lateness: nine up when later, one down when not.
    fn learn(&mut self, late_ns: u64) {
        self.lead_ns = if late_ns > self.lead_ns {
            (self.lead_ns + 9 * LEAD_STEP_NS).min(MAX_LEAD_NS)
        } else {
            self.lead_ns.saturating_sub(LEAD_STEP_NS)
        };
    }
}

fn ns(d: Duration) -> u64 {
    d.as_nanos().min(u128::from(u64::MAX)) as u64
}

#[cfg(target_os = "linux")]
struct Timer {
    fd: tokio::io::unix::AsyncFd<std::os::fd::OwnedFd>,
}

#[cfg(target_os = "linux")]
impl Timer {
    fn new() -> io::Result<Timer> {
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
        Ok(Timer { fd })
    }

    async fn until(&self, due: Instant) -> io::Result<()> {
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
struct Timer;

#[cfg(not(target_os = "linux"))]
impl Timer {
    fn new() -> io::Result<Timer> {
        Ok(Timer)
    }

    async fn until(&self, due: Instant) -> io::Result<()> {
        tokio::time::sleep_until(due).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_alarm_does_not_go_off_early() {
        let mut alarm = Alarm::new().unwrap();
        for wait_us in [0, 50, 300, 2_000, 10, 1_000] {
            let due = Instant::now() + Duration::from_micros(wait_us);
            alarm.until(due).await.unwrap();
            assert!(Instant::now() >= due, "woke before {wait_us} us");
        }
        // A time already past resolves at once, armed or not.
        alarm.until(Instant::now()).await.unwrap();
    }

    #[tokio::test]
    async fn the_lead_follows_the_ninetieth_percentile_and_stays_bounded() {
        let mut alarm = Alarm::new().unwrap();
        // Nine wake-ups in ten at 10 µs, one in ten at 100 µs: the lead settles between the two.
        for i in 0..10_000 {
            alarm.learn(if i % 10 == 0 { 100_000 } else { 10_000 });
        }
        assert!(
            (10_000..=100_000).contains(&alarm.lead_ns),
            "{}",
            alarm.lead_ns
        );
        for _ in 0..10_000 {
            alarm.learn(10_000_000);
        }
        assert_eq!(alarm.lead_ns, MAX_LEAD_NS);
        for _ in 0..10_000 {
            alarm.learn(0);
        }
        assert_eq!(alarm.lead_ns, 0);
    }
}
