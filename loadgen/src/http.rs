//! The HTTP client: one keep-alive HTTP/1.1 connection per worker on hyper's low-level client, so sending a
//! request takes no pool lock and allocates only the request itself. A connection the server closed is made
//! again, and a request that failed on a reused connection before any answer is sent once more on a new one
//! (the race every keep-alive client meets).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper_util::rt::TokioIo;
use std::time::Duration;
use tokio::net::TcpStream;

use crate::scenario::plan::Method;

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
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: Bytes,
}

/// A new HTTP/1.1 connection to `base`, its driver running on its own task until the sender is dropped or the
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

pub struct Conn {
    base: Base,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    pub fn new(base: Base) -> Conn {
        Conn { base, sender: None }
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
        match tokio::time::timeout(timeout, self.send_inner(method, path_and_query, body)).await {
            Ok(r) => r,
            Err(_) => {
                self.sender = None;
                Err(HttpError::Timeout(timeout))
            }
        }
    }

    async fn send_inner(
        &mut self,
        method: Method,
        path_and_query: &str,
        body: Option<Bytes>,
    ) -> Result<Response, HttpError> {
        let reused = self.sender.is_some();
        match self.once(method, path_and_query, body.clone()).await {
            Err(HttpError::Connection(e))
                if reused && (e.is_canceled() || e.is_incomplete_message() || e.is_closed()) =>
            {
                self.once(method, path_and_query, body).await
            }
            r => r,
        }
    }

    async fn once(
        &mut self,
        method: Method,
        path_and_query: &str,
        body: Option<Bytes>,
    ) -> Result<Response, HttpError> {
        let mut sender = match self.sender.take() {
            Some(s) if !s.is_closed() => s,
            _ => open(&self.base).await?,
        };
        sender.ready().await?;
        let mut req = hyper::Request::builder()
            .method(method.as_str())
            .uri(path_and_query)
            .header(HOST, self.base.host.clone());
        if let Some(auth) = self.base.authorization(path_and_query) {
            req = req.header(AUTHORIZATION, auth.clone());
        }
        if body.is_some() {
            req = req.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let req = req.body(Full::new(body.unwrap_or_default()))?;
        let resp = sender.send_request(req).await?;
        let status = resp.status().as_u16();
        // A target that streams without end must not take all memory: no answer of the API is this large.
        let body = http_body_util::Limited::new(resp.into_body(), MAX_BODY_BYTES)
            .collect()
            .await
            .map_err(|e| HttpError::Body(e.to_string()))?
            .to_bytes();
        self.sender = Some(sender);
        Ok(Response { status, body })
    }
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
