//! A worker's keep-alive HTTP/1.1 connection: each request rendered into one reused buffer and sent in one write,
//! the answer read into another and handed out as a slice of it, in the calling task (no driver task, no
//! channel between them). A connection the server closed is made again, and a request that failed on a reused
//! connection before any byte of its answer is sent once more on a new one (the race every keep-alive client
//! meets).

use bytes::{Buf, Bytes, BytesMut};
use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::wire::{self, Dechunk, Framing};
use super::{Base, HttpError, MAX_BODY_BYTES};
use crate::scenario::plan::Method;

/// Room made in the read buffer before each read.
const READ_B: usize = 16 * 1024;
/// A read buffer grown past this by a large answer is let go after it, so idle workers hold little.
const KEEP_BUF_B: usize = 256 * 1024;

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: Bytes,
}

pub struct Conn {
    base: Base,
    stream: Option<TcpStream>,
    /// The request being sent, head and body.
    out: Vec<u8>,
    /// The answer being read; its body is split off it.
    buf: BytesMut,
}

/// Why an attempt failed: `Stale` when it may go again on a new connection (a reused one was found closed
/// before any byte of the answer came).
enum Failed {
    Stale(HttpError),
    Final(HttpError),
}

impl Failed {
    fn error(self) -> HttpError {
        match self {
            Failed::Stale(e) | Failed::Final(e) => e,
        }
    }
}

impl Conn {
    pub fn new(base: Base) -> Conn {
        Conn {
            base,
            stream: None,
            out: Vec::with_capacity(1024),
            buf: BytesMut::new(),
        }
    }

    /// Sends one request and reads the whole answer, within `timeout` in all. A timeout drops the connection:
    /// its answer may still come and must not be read as the next request's.
    pub async fn send(
        &mut self,
        method: Method,
        path_and_query: &str,
        body: Option<Bytes>,
        timeout: Duration,
    ) -> Result<Response, HttpError> {
        let body = body.as_deref();
        match tokio::time::timeout(timeout, self.send_inner(method, path_and_query, body)).await {
            Ok(r) => r,
            Err(_) => {
                self.stream = None;
                Err(HttpError::Timeout(timeout))
            }
        }
    }

    async fn send_inner(
        &mut self,
        method: Method,
        path_and_query: &str,
        body: Option<&[u8]>,
    ) -> Result<Response, HttpError> {
        let reused = self.stream.is_some();
        match self.once(method, path_and_query, body).await {
            Err(Failed::Stale(_)) if reused => self
                .once(method, path_and_query, body)
                .await
                .map_err(Failed::error),
            r => r.map_err(Failed::error),
        }
    }

    async fn once(
        &mut self,
        method: Method,
        path_and_query: &str,
        body: Option<&[u8]>,
    ) -> Result<Response, Failed> {
        self.out.clear();
        let auth = self
            .base
            .authorization(path_and_query)
            .map(|h| h.as_bytes());
        wire::request(
            &mut self.out,
            method.as_str(),
            path_and_query,
            self.base.host.as_bytes(),
            auth,
            body,
        )
        .map_err(Failed::Final)?;
        let stream = match &mut self.stream {
            Some(s) => s,
            None => self
                .stream
                .insert(connect(&self.base).await.map_err(Failed::Final)?),
        };
        let result = exchange(stream, &self.out, &mut self.buf).await;
        if self.buf.capacity() > KEEP_BUF_B {
            self.buf = BytesMut::new();
        }
        match result {
            Ok((resp, keep_alive)) => {
                if !keep_alive {
                    self.stream = None;
                }
                Ok(resp)
            }
            Err(e) => {
                self.stream = None;
                Err(e)
            }
        }
    }
}

async fn connect(base: &Base) -> Result<TcpStream, HttpError> {
    let stream = TcpStream::connect(&base.authority)
        .await
        .map_err(|e| HttpError::Connect(base.authority.clone(), e))?;
    // Small requests and answers: waiting to coalesce them would only add latency.
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// Writes the request and reads its answer; gives it and whether the connection may carry the next one.
async fn exchange(
    stream: &mut TcpStream,
    out: &[u8],
    buf: &mut BytesMut,
) -> Result<(Response, bool), Failed> {
    buf.clear();
    if let Err(e) = stream.write_all(out).await {
        return Err(stale_or_final(e, true));
    }
    let head = loop {
        match wire::head(buf).map_err(Failed::Final)? {
            // An interim answer (100 Continue): the real one follows.
            Some(h) if (100..200).contains(&h.status) && h.status != 101 => buf.advance(h.len_b),
            Some(h) => break h,
            None => {
                let fresh = buf.is_empty();
                fill(stream, buf, READ_B)
                    .await
                    .map_err(|e| stale_or_final(e, fresh))?;
            }
        }
    };
    if head.status == 101 {
        return Err(Failed::Final(HttpError::Malformed(
            "101 Switching Protocols".into(),
        )));
    }
    let final_ = |e| Failed::Final(HttpError::Io(e));
    let (n_body_b, end_b) = match head.framing {
        Framing::Length(n) => {
            if n > MAX_BODY_BYTES {
                return Err(Failed::Final(too_large()));
            }
            let end_b = head.len_b + n;
            while buf.len() < end_b {
                let want_b = (end_b - buf.len()).clamp(READ_B, 4 * READ_B);
                fill(stream, buf, want_b).await.map_err(final_)?;
            }
            (n, end_b)
        }
        Framing::Chunked => {
            let mut d = Dechunk::default();
            loop {
                match d
                    .step(&mut buf[head.len_b..], MAX_BODY_BYTES)
                    .map_err(Failed::Final)?
                {
                    Some((n, end)) => break (n, head.len_b + end),
                    None => fill(stream, buf, READ_B).await.map_err(final_)?,
                }
            }
        }
        Framing::Close => loop {
            if buf.len() - head.len_b > MAX_BODY_BYTES {
                return Err(Failed::Final(too_large()));
            }
            match fill(stream, buf, READ_B).await {
                Ok(()) => {}
                Err(e) if e.kind() == UnexpectedEof => break (buf.len() - head.len_b, buf.len()),
                Err(e) => return Err(final_(e)),
            }
        },
    };
    // Bytes past the answer were never asked for: the connection's state is unknown.
    let keep_alive = head.keep_alive && buf.len() == end_b;
    buf.advance(head.len_b);
    let body = buf.split_to(n_body_b).freeze();
    Ok((
        Response {
            status: head.status,
            body,
        },
        keep_alive,
    ))
}

/// Reads once, into at least `room_b` of free space; the end of the stream is an error (`UnexpectedEof`).
async fn fill(stream: &mut TcpStream, buf: &mut BytesMut, room_b: usize) -> std::io::Result<()> {
    buf.reserve(room_b);
    match stream.read_buf(buf).await? {
        0 => Err(std::io::Error::new(
            UnexpectedEof,
            "the server closed the connection",
        )),
        _ => Ok(()),
    }
}

/// A failure is worth another try on a new connection only before any byte of the answer came, and only when
/// the connection was found closed (not when it timed out or the answer was bad).
fn stale_or_final(e: std::io::Error, nothing_read: bool) -> Failed {
    let closed = matches!(
        e.kind(),
        UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe
    );
    if nothing_read && closed {
        Failed::Stale(HttpError::Io(e))
    } else {
        Failed::Final(HttpError::Io(e))
    }
}

fn too_large() -> HttpError {
    HttpError::Body(format!("an answer over {MAX_BODY_BYTES} bytes"))
}
