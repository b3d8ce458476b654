//! The bodies the connection layer wraps: a request body with a deadline for its arrival, and an answer's
//! body that keeps its request counted as under way until hyper has taken it whole.

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Sleep;

use super::io::Busy;

/// The error a request body gives when it has not arrived whole within the body timeout. The API layer
/// tells it from a framing error by its type.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0} ms")]
pub struct BodyTimedOut(pub u64);

/// A request body that fails once `timeout_ms` have passed since it was first read (0: never).
pub struct TimedBody<B> {
    inner: B,
    timeout_ms: u64,
    /// Started by the first read, so `100 Continue` (sent then) is where the client's time starts.
    timer: Option<Pin<Box<Sleep>>>,
}

impl<B> TimedBody<B> {
    pub fn new(inner: B, timeout_ms: u64) -> TimedBody<B> {
        TimedBody {
            inner,
            timeout_ms,
            timer: None,
        }
    }
}

impl<B> Body for TimedBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if this.timeout_ms == 0 {
            return Poll::Pending;
        }
        let timeout_ms = this.timeout_ms;
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(Duration::from_millis(timeout_ms))));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTimedOut(timeout_ms))))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// An answer's body, carrying the [`Busy`] guard of its request: dropped by hyper once written (or when the
/// connection goes), which starts the idle limit.
pub struct Tracked<B> {
    inner: B,
    _busy: Busy,
}

impl<B> Tracked<B> {
    pub fn new(inner: B, busy: Busy) -> Tracked<B> {
        Tracked { inner, _busy: busy }
    }
}

impl<B: Body + Unpin> Body for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    /// A body whose bytes never come.
    struct Stalled;

    impl Body for Stalled {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            Poll::Pending
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_stalled_body_fails_at_its_deadline_with_its_own_error() {
        let started = tokio::time::Instant::now();
        let err = TimedBody::new(Stalled, 250).collect().await.err();
        assert!(started.elapsed() >= Duration::from_millis(250));
        let err = err.unwrap_or_else(|| panic!("a stalled body must fail"));
        assert!(err.downcast_ref::<BodyTimedOut>().is_some(), "{err}");
    }

    #[tokio::test]
    async fn a_whole_body_passes_with_its_size() {
        let b = TimedBody::new(http_body_util::Full::new(Bytes::from_static(b"abc")), 250);
        assert_eq!(b.size_hint().exact(), Some(3));
        let got = b.collect().await.map(|c| c.to_bytes()).ok();
        assert_eq!(got.as_deref(), Some(&b"abc"[..]));
    }
}
