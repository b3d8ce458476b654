//! The header, idle and stalled-write deadlines of one connection, enforced on its socket: a read or write
//! past the deadline fails, and hyper closes the connection.
//!
//! hyper's own `header_read_timeout` also runs while a keep-alive connection waits for its next request, so
//! it cannot give a 10 s head and a 60 s idle limit at once; the socket knows when bytes arrive and the
//! service knows when a request is under way, which together say which limit applies.

use parking_lot::Mutex;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use super::Limits;

/// Where a connection is between requests, shared by its socket and its service.
#[derive(Debug)]
pub struct Watch {
    header: Option<Duration>,
    idle: Option<Duration>,
    phase: Mutex<Phase>,
}

#[derive(Debug)]
struct Phase {
    /// Requests under way (hyper serves one at a time; a count keeps a late drop from clearing a new one).
    n_busy: u32,
    /// No request has begun on this connection yet.
    fresh: bool,
    /// Bytes of a request head have arrived since the last answer ended.
    head_started: bool,
    /// When the running limit started: the opening, the last answer's end, or the head's first byte.
    since: Instant,
}

fn ms(ms: u64) -> Option<Duration> {
    (ms > 0).then(|| Duration::from_millis(ms))
}

impl Watch {
    pub fn new(limits: &Limits) -> Watch {
        Watch {
            header: ms(limits.header_timeout_ms),
            idle: ms(limits.idle_timeout_ms),
            phase: Mutex::new(Phase {
                n_busy: 0,
                fresh: true,
                head_started: false,
                since: Instant::now(),
            }),
        }
    }

    /// When the connection is to be closed if nothing changes; none while a request is under way (its body
    /// has its own deadline, and an answer may take as long as the handler needs: an event stream never ends).
    fn deadline(&self) -> Option<Instant> {
        let p = self.phase.lock();
        if p.n_busy > 0 {
            return None;
        }
        let limit = if p.fresh || p.head_started {
            self.header
        } else {
            self.idle
        };
        limit.map(|d| p.since + d)
    }

    fn bytes_arrived(&self) {
        let mut p = self.phase.lock();
        if p.n_busy == 0 && !p.head_started {
            p.head_started = true;
            // A first request's head is timed from the opening, later ones from their first byte.
            if !p.fresh {
                p.since = Instant::now();
            }
        }
    }

    /// No request is under way: closing the connection loses nothing but the socket (it is idle, or still
    /// sending a head).
    pub fn reapable(&self) -> bool {
        self.phase.lock().n_busy == 0
    }

    /// A stalled write is given the idle limit: a client that reads nothing of its answer is idle too.
    fn write_limit(&self) -> Option<Duration> {
        self.idle
    }
}

/// A request under way on a connection, from its head's parsing until its answer has been handed to hyper
/// whole (the guard lives in the answer's body).
#[derive(Debug)]
pub struct Busy(Arc<Watch>);

impl Busy {
    pub fn new(watch: Arc<Watch>) -> Busy {
        {
            let mut p = watch.phase.lock();
            p.n_busy += 1;
            p.fresh = false;
            p.head_started = false;
        }
        Busy(watch)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let mut p = self.0.phase.lock();
        p.n_busy = p.n_busy.saturating_sub(1);
        if p.n_busy == 0 {
            p.head_started = false;
            p.since = Instant::now();
        }
    }
}

/// A socket that fails its reads once the connection's [`Watch`] deadline has passed, and its writes once
/// one has made no progress for the idle limit.
pub struct TimedIo<T> {
    inner: T,
    watch: Arc<Watch>,
    read_timer: Pin<Box<Sleep>>,
    /// Armed while a write is pending; disarmed by any progress.
    write_timer: Option<Pin<Box<Sleep>>>,
}

impl<T> TimedIo<T> {
    pub fn new(inner: T, watch: Arc<Watch>) -> TimedIo<T> {
        TimedIo {
            inner,
            watch,
            read_timer: Box::pin(tokio::time::sleep_until(Instant::now())),
            write_timer: None,
        }
    }

    /// Whether the read deadline has passed; when not, the timer is set to wake the task at it or before.
    ///
    /// Every answer moves the idle deadline later, and moving the timer with it cost a timer-wheel update per
    /// request. So the timer only ever moves earlier here; when it fires before the deadline (it was set for an
    /// earlier one) it is set to the deadline then, at most once per idle limit.
    fn read_expired(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(deadline) = self.watch.deadline() else {
            return false;
        };
        if deadline < self.read_timer.deadline() {
            self.read_timer.as_mut().reset(deadline);
        }
        while self.read_timer.as_mut().poll(cx).is_ready() {
            if self.read_timer.deadline() >= deadline {
                return true;
            }
            self.read_timer.as_mut().reset(deadline);
        }
        false
    }

    fn write_expired(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(limit) = self.watch.write_limit() else {
            return false;
        };
        let timer = self
            .write_timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        timer.as_mut().poll(cx).is_ready()
    }

    fn after_write<R>(
        &mut self,
        cx: &mut Context<'_>,
        r: Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        match r {
            Poll::Pending if self.write_expired(cx) => Poll::Ready(Err(timed_out("write stalled"))),
            Poll::Pending => Poll::Pending,
            done => {
                self.write_timer = None;
                done
            }
        }
    }
}

fn timed_out(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, what)
}

impl<T: AsyncRead + Unpin> AsyncRead for TimedIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.read_expired(cx) {
            return Poll::Ready(Err(timed_out("request head or idle timeout")));
        }
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            this.watch.bytes_arrived();
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for TimedIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.after_write(cx, r)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.after_write(cx, r)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_flush(cx);
        this.after_write(cx, r)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(header_ms: u64, idle_ms: u64) -> Limits {
        Limits {
            header_timeout_ms: header_ms,
            idle_timeout_ms: idle_ms,
            ..Limits::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn which_limit_runs_follows_the_connection() {
        let w = Arc::new(Watch::new(&limits(100, 1_000)));
        let opened = Instant::now();
        assert_eq!(
            w.deadline(),
            Some(opened + Duration::from_millis(100)),
            "first head: from the opening"
        );
        tokio::time::advance(Duration::from_millis(50)).await;
        w.bytes_arrived();
        assert_eq!(
            w.deadline(),
            Some(opened + Duration::from_millis(100)),
            "not restarted by bytes"
        );
        let busy = Busy::new(w.clone());
        assert_eq!(w.deadline(), None, "no limit while a request is under way");
        tokio::time::advance(Duration::from_millis(5_000)).await;
        drop(busy);
        let ended = Instant::now();
        assert_eq!(
            w.deadline(),
            Some(ended + Duration::from_millis(1_000)),
            "idle after an answer"
        );
        tokio::time::advance(Duration::from_millis(300)).await;
        w.bytes_arrived();
        assert_eq!(
            w.deadline(),
            Some(ended + Duration::from_millis(400)),
            "a later head: from its first byte"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn zero_turns_a_limit_off() {
        let w = Watch::new(&limits(0, 0));
        assert_eq!(w.deadline(), None);
        assert_eq!(w.write_limit(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_timer_left_at_an_earlier_deadline_neither_closes_early_nor_late() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let w = Arc::new(Watch::new(&limits(100, 1_000)));
        let (mut client, server) = tokio::io::duplex(64);
        let mut io = TimedIo::new(server, w.clone());
        client.write_all(b"GET").await.ok();
        let mut buf = [0u8; 8];
        assert_eq!(io.read(&mut buf).await.ok(), Some(3));
        // A request answered: the idle limit now runs, later than the head's deadline the timer was set for.
        drop(Busy::new(w.clone()));
        let ended = Instant::now();
        let read = tokio::spawn(async move {
            let r = io.read(&mut buf).await;
            (r.map_err(|e| e.kind()), Instant::now())
        });
        let (r, at) = read.await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r, Err(io::ErrorKind::TimedOut));
        assert_eq!(
            at - ended,
            Duration::from_millis(1_000),
            "closed at the idle limit"
        );
        drop(client);
    }
}
