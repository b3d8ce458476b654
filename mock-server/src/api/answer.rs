//! What the journal keeps of an answer's body: its text when the body is already whole in memory (every JSON
//! answer is), never a binary one (a media download), never a body that would have to be waited for. Taking
//! it costs a poll that is ready at once and a copy of at most the journal's cap.

use axum::body::Body;
use axum::http::{header, HeaderMap};
use axum::response::Response;
use bytes::Bytes;
use http_body::{Body as _, Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::journal;

/// The answer's kept text (at most [`journal::MAX_KEPT_BODY_BYTES`]; none when not kept) and its full length.
/// The answer goes out unchanged.
pub(super) fn kept(resp: &mut Response) -> (Option<Bytes>, usize) {
    let exact = resp.body().size_hint().exact();
    let declared = exact.map_or(0, |n| n as usize);
    if !is_text(resp.headers()) {
        return (None, declared);
    }
    let Some(len) = exact else {
        return (None, 0);
    };
    let mut body = std::mem::take(resp.body_mut());
    // A body built from bytes gives all of them at its first poll; anything else is left as it was.
    let polled = Pin::new(&mut body).poll_frame(&mut Context::from_waker(Waker::noop()));
    let (kept, out) = match polled {
        Poll::Pending => (None, body),
        Poll::Ready(None) => (Some(Bytes::new()), Body::empty()),
        Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
            Ok(data) if data.len() as u64 == len => {
                (Some(journal::kept_answer(&data)), Body::from(data))
            }
            Ok(data) => (None, Prefixed::body(Ok(Frame::data(data)), body)),
            Err(frame) => (None, Prefixed::body(Ok(frame), body)),
        },
        Poll::Ready(Some(Err(e))) => (None, Prefixed::body(Err(e), body)),
    };
    *resp.body_mut() = out;
    (kept, declared)
}

/// JSON, XML and plain text; a body with no type (an empty refusal) too. Not a download.
fn is_text(h: &HeaderMap) -> bool {
    if h.contains_key(header::CONTENT_DISPOSITION) {
        return false;
    }
    let Some(ct) = h.get(header::CONTENT_TYPE) else {
        return true;
    };
    let ct = ct.as_bytes();
    ct.starts_with(b"application/json")
        || ct.starts_with(b"text/")
        || ct.windows(3).any(|w| w.eq_ignore_ascii_case(b"xml"))
}

/// A body whose first frame was already taken: that frame, then the rest.
struct Prefixed {
    first: Option<Result<Frame<Bytes>, axum::Error>>,
    rest: Body,
}

impl Prefixed {
    fn body(first: Result<Frame<Bytes>, axum::Error>, rest: Body) -> Body {
        Body::new(Prefixed {
            first: Some(first),
            rest,
        })
    }
}

impl http_body::Body for Prefixed {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        match self.first.take() {
            Some(first) => Poll::Ready(Some(first)),
            None => Pin::new(&mut self.rest).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.first.is_none() && self.rest.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        let first = match &self.first {
            Some(Ok(f)) => f.data_ref().map_or(0, |d| d.len() as u64),
            _ => 0,
        };
        let rest = self.rest.size_hint();
        let mut hint = SizeHint::new();
        hint.set_lower(rest.lower() + first);
        if let Some(upper) = rest.upper() {
            hint.set_upper(upper + first);
        }
        hint
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse;
    use http_body_util::BodyExt;

    async fn text_of(resp: Response) -> Vec<u8> {
        let body = resp.into_body().collect().await;
        body.map(|b| b.to_bytes().to_vec()).unwrap_or_default()
    }

    #[tokio::test]
    async fn json_is_kept_and_still_sent() {
        let mut resp = (
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"errcode":0}"#,
        )
            .into_response();
        let (kept, n) = kept(&mut resp);
        assert_eq!(kept.as_deref(), Some(&br#"{"errcode":0}"#[..]));
        assert_eq!(n, 13);
        assert_eq!(
            resp.body().size_hint().exact(),
            Some(13),
            "Content-Length survives"
        );
        assert_eq!(text_of(resp).await, br#"{"errcode":0}"#);
    }

    #[tokio::test]
    async fn a_long_answer_is_cut_a_download_not_kept() {
        let long = "x".repeat(journal::MAX_KEPT_BODY_BYTES + 10);
        let mut resp = long.clone().into_response();
        let (k, n) = kept(&mut resp);
        assert_eq!(k.map(|k| k.len()), Some(journal::MAX_KEPT_BODY_BYTES));
        assert_eq!(n, long.len());
        assert_eq!(text_of(resp).await.len(), long.len());
        let png = Bytes::from_static(b"\x89PNG\r\n\x1a\n....");
        let mut resp = ([(header::CONTENT_TYPE, "image/png")], png.clone()).into_response();
        assert_eq!(kept(&mut resp), (None, png.len()));
        assert_eq!(text_of(resp).await, png);
    }

    #[tokio::test]
    async fn a_body_that_is_not_whole_goes_out_unchanged() {
        let chunks = [
            Ok::<_, axum::Error>(Bytes::from_static(b"ab")),
            Ok(Bytes::from_static(b"cd")),
        ];
        let stream = tokio_stream::iter(chunks);
        let mut resp = Response::new(Body::from_stream(stream));
        assert_eq!(kept(&mut resp), (None, 0), "no exact length: not touched");
        assert_eq!(text_of(resp).await, b"abcd");
        let two_frames =
            Prefixed::body(Ok(Frame::data(Bytes::from_static(b"ab"))), Body::from("cd"));
        let mut resp = Response::new(two_frames);
        assert_eq!(
            kept(&mut resp),
            (None, 4),
            "the first frame is not all of it"
        );
        assert_eq!(resp.body().size_hint().exact(), Some(4));
        assert_eq!(text_of(resp).await, b"abcd");
    }
}
