//! The HTTP client: the target's address, one keep-alive HTTP/1.1 connection per worker ([`Conn`], a lean
//! client of its own: the requests' hot path), and a hyper connection for the event stream's long answer.

mod conn;
mod wire;

pub use conn::{Conn, Response};

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http1::SendRequest;
use hyper::header::HeaderValue;
use hyper_util::rt::TokioIo;
use std::time::Duration;
use tokio::net::TcpStream;

/// `http://host:port` of the target, split once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    /// `host:port`, for connecting.
    pub authority: String,
    /// The same, as the Host header every request carries (made once, not per request).
    pub host: HeaderValue,
    /// `Bearer T` for the control API of a mock started with `--admin-token T`: without it a mock on another
    /// host (a pod of its own) answers `/mock/` with 403.
    pub admin: Option<HeaderValue>,
}

impl Base {
    pub fn parse(url: &str) -> Result<Base, HttpError> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| HttpError::Url(url.to_owned()))?;
        let authority = rest.split('/').next().unwrap_or_default();
        if authority.is_empty() {
            return Err(HttpError::Url(url.to_owned()));
        }
        let authority = if authority.contains(':') && !authority.ends_with(']') {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        Base::from_authority(authority)
    }

    /// From `host:port` as it is.
    pub fn from_authority(authority: String) -> Result<Base, HttpError> {
        let host =
            HeaderValue::from_str(&authority).map_err(|_| HttpError::Url(authority.clone()))?;
        Ok(Base {
            authority,
            host,
            admin: None,
        })
    }

    /// The same target, its control API opened with `token`.
    pub fn with_admin_token(mut self, token: &str) -> Result<Base, HttpError> {
        let value =
            HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| HttpError::Token)?;
        self.admin = Some(value);
        Ok(self)
    }

    /// The `Authorization` header a request to `path` carries: the admin token on the control API only, so the
    /// WeCom API is called as a bot calls it.
    pub fn authorization(&self, path: &str) -> Option<&HeaderValue> {
        self.admin.as_ref().filter(|_| path.starts_with("/mock/"))
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.authority)
    }
}

/// The largest answer read (the mock's largest, `/mock/customers` at its page limit, is well under 1 MiB).
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("the answer could not be read: {0}")]
    Body(String),
    #[error("the admin token cannot be sent in a header (printable ASCII only)")]
    Token,
    #[error("{0:?} is not an http://host:port URL")]
    Url(String),
    #[error("cannot connect to {0}: {1}")]
    Connect(String, std::io::Error),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("the connection failed: {0}")]
    Connection(#[from] hyper::Error),
    #[error("bad request: {0}")]
    Request(#[from] hyper::http::Error),
    #[error("the connection failed: {0}")]
    Io(std::io::Error),
    #[error("the answer is not HTTP/1.1: {0}")]
    Malformed(String),
    #[error("bad request: {0:?} is not a path a request line can carry")]
    Path(String),
}

/// A new hyper HTTP/1.1 connection to `base` (for the event stream), its driver running on its own task until the sender is dropped or the
/// server closes (errors show on the next request).
pub async fn open(base: &Base) -> Result<SendRequest<Full<Bytes>>, HttpError> {
    let stream = TcpStream::connect(&base.authority)
        .await
        .map_err(|e| HttpError::Connect(base.authority.clone(), e))?;
    // Small requests and answers: waiting to coalesce them would only add latency.
    let _ = stream.set_nodelay(true);
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases() {
        assert_eq!(
            Base::parse("http://127.0.0.1:8080").unwrap().authority,
            "127.0.0.1:8080"
        );
        assert_eq!(
            Base::parse("http://localhost/").unwrap().authority,
            "localhost:80"
        );
        assert_eq!(Base::parse("http://[::1]:9").unwrap().authority, "[::1]:9");
        assert!(Base::parse("https://x").is_err());
        assert!(Base::parse("http://").is_err());
    }

    #[test]
    fn the_admin_token_goes_to_the_control_api_only() {
        let b = Base::parse("http://mock:8080")
            .unwrap()
            .with_admin_token("s3cret")
            .unwrap();
        assert_eq!(b.authorization("/mock/world").unwrap(), "Bearer s3cret");
        assert_eq!(b.authorization("/cgi-bin/gettoken?corpid=x"), None);
        assert_eq!(
            Base::parse("http://mock:8080")
                .unwrap()
                .authorization("/mock/world"),
            None
        );
        assert!(Base::parse("http://mock:8080")
            .unwrap()
            .with_admin_token("a\nb")
            .is_err());
    }
}
