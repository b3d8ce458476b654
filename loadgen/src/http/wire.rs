//! HTTP/1.1 on the wire, without I/O: a request rendered into a reused buffer, an answer's head parsed and its
//! body framed (Content-Length, chunked, or to the close), so [`super::conn`] sends and reads with one buffer
//! each and no allocation per request.

use std::io::Write;

use super::HttpError;

/// Headers read per answer; more is not an answer of the mock's.
const MAX_HEADERS: usize = 64;

/// Appends the request to `out`: head and body in one buffer, so it goes in one write.
pub fn request(
    out: &mut Vec<u8>,
    method: &str,
    path: &str,
    host: &[u8],
    authorization: Option<&[u8]>,
    body: Option<&[u8]>,
) -> Result<(), HttpError> {
    // A space or a control character would end the request line early and send something else.
    if !path.starts_with('/') || path.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(HttpError::Path(path.to_owned()));
    }
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(path.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\nhost: ");
    out.extend_from_slice(host);
    if let Some(a) = authorization {
        out.extend_from_slice(b"\r\nauthorization: ");
        out.extend_from_slice(a);
    }
    match body {
        Some(b) => {
            out.extend_from_slice(b"\r\ncontent-type: application/json");
            // Writing a number into a Vec cannot fail.
            let _ = write!(out, "\r\ncontent-length: {}\r\n\r\n", b.len());
            out.extend_from_slice(b);
        }
        // A body-less POST/PUT/PATCH says so, as hyper's client did; GET and DELETE send no length.
        None if matches!(method, "POST" | "PUT" | "PATCH") => {
            out.extend_from_slice(b"\r\ncontent-length: 0\r\n\r\n")
        }
        None => out.extend_from_slice(b"\r\n\r\n"),
    }
    Ok(())
}

/// How an answer's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    Length(usize),
    Chunked,
    /// No length: the body runs to the connection's close.
    Close,
}

/// An answer's head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub status: u16,
    /// Bytes of the head, its blank line included.
    pub len_b: usize,
    pub framing: Framing,
    /// The connection may carry the next request.
    pub keep_alive: bool,
}

/// The head at the start of `buf`, once it is all there. A 1xx, 204 or 304 has no body whatever its headers
/// say.
pub fn head(buf: &[u8]) -> Result<Option<Head>, HttpError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut r = httparse::Response::new(&mut headers);
    let len_b = match r.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(HttpError::Malformed(e.to_string())),
    };
    let status = r.code.unwrap_or_default();
    let mut length = None;
    let mut chunked = false;
    let mut keep_alive = r.version == Some(1);
    for h in r.headers.iter() {
        if h.name.eq_ignore_ascii_case("content-length") {
            let n = std::str::from_utf8(h.value)
                .ok()
                .and_then(|s| s.trim().parse::<usize>().ok())
                .ok_or_else(|| HttpError::Malformed("a bad Content-Length".into()))?;
            if length.is_some_and(|m| m != n) {
                return Err(HttpError::Malformed("two Content-Lengths".into()));
            }
            length = Some(n);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = last_token(h.value).eq_ignore_ascii_case(b"chunked");
        } else if h.name.eq_ignore_ascii_case("connection") {
            for t in h.value.split(|&b| b == b',') {
                let t = t.trim_ascii();
                if t.eq_ignore_ascii_case(b"close") {
                    keep_alive = false;
                } else if t.eq_ignore_ascii_case(b"keep-alive") {
                    keep_alive = true;
                }
            }
        }
    }
    let framing = if (100..200).contains(&status) || status == 204 || status == 304 {
        Framing::Length(0)
    } else if chunked {
        Framing::Chunked
    } else if let Some(n) = length {
        Framing::Length(n)
    } else {
        keep_alive = false;
        Framing::Close
    };
    Ok(Some(Head {
        status,
        len_b,
        framing,
        keep_alive,
    }))
}

fn last_token(v: &[u8]) -> &[u8] {
    v.rsplit(|&b| b == b',')
        .next()
        .unwrap_or_default()
        .trim_ascii()
}

/// A chunked body being read: how far the chunks in the buffer have been taken apart.
#[derive(Debug, Default)]
pub struct Dechunk {
    /// Where the next chunk's size line starts in the body's bytes.
    at: usize,
    /// The chunks' data so far, moved to the front of the body's bytes.
    n_data_b: usize,
}

impl Dechunk {
    /// Takes apart the chunks now in `body` (the bytes after the head), moving their data to its front; gives
    /// the data's length and where the chunked body ends once the last chunk and the trailers are in, `None`
    /// while more is to come.
    pub fn step(
        &mut self,
        body: &mut [u8],
        max_b: usize,
    ) -> Result<Option<(usize, usize)>, HttpError> {
        loop {
            let rest = &body[self.at..];
            let (size_line_b, size) = match httparse::parse_chunk_size(rest) {
                Ok(httparse::Status::Complete((n, size))) => (n, size),
                Ok(httparse::Status::Partial) => return Ok(None),
                Err(_) => return Err(HttpError::Malformed("a bad chunk size".into())),
            };
            if size == 0 {
                let at = self.at + size_line_b;
                return Ok(trailers_end(&rest[size_line_b..])?.map(|n| (self.n_data_b, at + n)));
            }
            let size = usize::try_from(size).unwrap_or(usize::MAX);
            if size > max_b.saturating_sub(self.n_data_b) {
                return Err(HttpError::Body(format!("an answer over {max_b} bytes")));
            }
            let need_b = size_line_b + size + 2;
            if rest.len() < need_b {
                return Ok(None);
            }
            if &rest[size_line_b + size..need_b] != b"\r\n" {
                return Err(HttpError::Malformed("a chunk without its CRLF".into()));
            }
            let from = self.at + size_line_b;
            body.copy_within(from..from + size, self.n_data_b);
            self.n_data_b += size;
            self.at += need_b;
        }
    }
}

/// Where the trailers after the last chunk end (its blank line included), once it is there.
fn trailers_end(b: &[u8]) -> Result<Option<usize>, HttpError> {
    let mut at = 0;
    loop {
        let Some(eol) = b[at..].windows(2).position(|w| w == b"\r\n") else {
            return Ok(None);
        };
        if eol == 0 {
            return Ok(Some(at + 2));
        }
        at += eol + 2;
        if at > 64 * 1024 {
            return Err(HttpError::Malformed("trailers without end".into()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_rendered_in_one_buffer() {
        let mut out = Vec::new();
        request(&mut out, "POST", "/a?b=c", b"h:1", None, Some(b"{}")).unwrap();
        assert_eq!(
            out,
            b"POST /a?b=c HTTP/1.1\r\nhost: h:1\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
        );
        out.clear();
        request(&mut out, "GET", "/mock/w", b"h:1", Some(b"Bearer t"), None).unwrap();
        assert_eq!(
            out,
            b"GET /mock/w HTTP/1.1\r\nhost: h:1\r\nauthorization: Bearer t\r\n\r\n"
        );
        out.clear();
        request(&mut out, "PUT", "/x", b"h", None, None).unwrap();
        assert!(out.ends_with(b"content-length: 0\r\n\r\n"));
        assert!(matches!(
            request(&mut out, "GET", "/a b", b"h", None, None),
            Err(HttpError::Path(_))
        ));
        assert!(request(&mut out, "GET", "a", b"h", None, None).is_err());
    }

    #[test]
    fn heads_say_how_the_body_ends() {
        let h = head(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
            .unwrap()
            .unwrap();
        assert_eq!(
            h,
            Head {
                status: 200,
                len_b: 38,
                framing: Framing::Length(5),
                keep_alive: true
            }
        );
        assert_eq!(head(b"HTTP/1.1 200 OK\r\nContent-Le").unwrap(), None);
        let h = head(
            b"HTTP/1.1 201 X\r\ntransfer-encoding: gzip, chunked\r\nconnection: close\r\n\r\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!((h.framing, h.keep_alive), (Framing::Chunked, false));
        let h = head(b"HTTP/1.1 200 OK\r\n\r\n").unwrap().unwrap();
        assert_eq!((h.framing, h.keep_alive), (Framing::Close, false));
        let h = head(b"HTTP/1.1 204 No\r\ncontent-length: 9\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(h.framing, Framing::Length(0));
        let h = head(b"HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(!h.keep_alive);
        assert!(head(b"HTTP/1.1 200 OK\r\ncontent-length: x\r\n\r\n").is_err());
        assert!(
            head(b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n").is_err()
        );
        assert!(head(b"garbage\r\n\r\n").is_err());
    }

    #[test]
    fn chunks_are_joined_as_they_come() {
        let whole = b"5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nT: v\r\n\r\n";
        // Fed a byte at a time, the answer is the same, and only once it is all there.
        for cut in 1..whole.len() {
            let mut d = Dechunk::default();
            let mut buf = whole[..cut].to_vec();
            assert_eq!(d.step(&mut buf, 100).unwrap(), None, "cut at {cut}");
            buf.extend_from_slice(&whole[cut..]);
            let (n, end) = d.step(&mut buf, 100).unwrap().unwrap();
            assert_eq!(&buf[..n], b"hello world");
            assert_eq!(end, whole.len());
        }
        let mut d = Dechunk::default();
        assert!(d.step(&mut b"zz\r\n".to_vec(), 100).is_err());
        assert!(matches!(
            Dechunk::default().step(&mut b"ff\r\n".to_vec(), 100),
            Err(HttpError::Body(_))
        ));
        assert!(Dechunk::default()
            .step(&mut b"1\r\nab\r\n".to_vec(), 100)
            .is_err());
    }
}
