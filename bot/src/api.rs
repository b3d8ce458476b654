//! The WeCom API client: the cached access token, `kf/sync_msg` and `kf/send_msg`, and the retry policy they
//! share.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;
use wecom_wire::kf::SyncPage;
use wecom_wire::Errcode;

/// Backoff before each retry of a call that failed in a way worth retrying.
const BACKOFF_MS: [u64; 3] = [50, 100, 200];
/// Refresh this long before the token expires, so a call never carries a token about to lapse.
const REFRESH_MARGIN_S: u64 = 300;
const TIMEOUT_S: u64 = 10;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("transport: {0}")]
    Transport(#[from] reqwest::Error),
    #[error("HTTP status {0}")]
    Status(u16),
    #[error("errcode {errcode}: {errmsg}")]
    Errcode { errcode: i64, errmsg: String },
    #[error("undecodable response: {0}")]
    Decode(#[from] serde_json::Error),
}

impl ApiError {
    /// Worth another try. A call that may have reached the server (a timeout, a lost answer) is retried only when
    /// repeating it is harmless: a second `send_msg` would answer the customer twice.
    fn is_transient(&self, idempotent: bool) -> bool {
        match self {
            ApiError::Transport(e) => idempotent || e.is_connect(),
            ApiError::Status(s) => *s >= 500 || *s == 429,
            ApiError::Errcode { errcode, .. } => Errcode(*errcode).is_transient(),
            ApiError::Decode(_) => false,
        }
    }

    /// The call was refused for a bad parameter: for `sync_msg` the cursor, which a reset or a lapse made invalid.
    pub fn is_invalid_parameter(&self) -> bool {
        matches!(self, ApiError::Errcode { errcode, .. } if *errcode == Errcode::INVALID_PARAMETER.0)
    }

    fn is_stale_token(&self) -> bool {
        matches!(self, ApiError::Errcode { errcode, .. } if Errcode(*errcode).is_stale_token())
    }
}

/// A failed try, with the token it carried so only that token is dropped from the cache.
struct Failed {
    error: ApiError,
    token: Option<String>,
}

impl From<ApiError> for Failed {
    fn from(error: ApiError) -> Failed {
        Failed { error, token: None }
    }
}

#[derive(Debug, Clone)]
struct CachedToken {
    token: String,
    refresh_at: Instant,
}

#[derive(Deserialize)]
struct Status {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: u64,
}

#[derive(Deserialize)]
struct SendResponse {
    #[serde(default)]
    msgid: String,
}

#[derive(Debug)]
pub struct Api {
    client: reqwest::Client,
    base: String,
    corpid: String,
    secret: String,
    /// Held across `gettoken` so that concurrent callers that find the token stale fetch it once.
    token: Mutex<Option<CachedToken>>,
}

impl Api {
    pub fn new(base: &str, corpid: &str, secret: &str) -> Result<Api, reqwest::Error> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(TIMEOUT_S))
            .build()?;
        Ok(Api {
            client,
            base: base.trim_end_matches('/').to_owned(),
            corpid: corpid.to_owned(),
            secret: secret.to_owned(),
            token: Mutex::new(None),
        })
    }

    /// One page after `cursor`; `token` is the newest `kf_msg_or_event` callback's.
    pub async fn sync_msg(
        &self,
        cursor: &str,
        token: &str,
        open_kfid: &str,
    ) -> Result<SyncPage, ApiError> {
        let body = json!({ "cursor": cursor, "token": token, "limit": wecom_wire::kf::SYNC_LIMIT_MAX /* the most WeCom allows */, "open_kfid": open_kfid });
        self.post("kf/sync_msg", &body, true).await
    }

    /// Sends a text to a customer; returns the new message's msgid.
    /// Answers customer message `answers` (its msgid): the answer's own msgid names it where WeCom's msgid rules
    /// allow, so whoever reads the answer knows what it answers.
    pub async fn send_text(
        &self,
        touser: &str,
        open_kfid: &str,
        content: &str,
        answers: &str,
    ) -> Result<String, ApiError> {
        let mut body = json!({
            "touser": touser,
            "open_kfid": open_kfid,
            "msgtype": "text",
            "text": { "content": content },
        });
        if let Some(m) = wecom_wire::kf::reply_msgid(answers) {
            body["msgid"] = Value::String(m);
        }
        let sent: SendResponse = self.post("kf/send_msg", &body, false).await?;
        Ok(sent.msgid)
    }

    /// POSTs with the retry policy: a stale token is replaced and the call tried once more; a transient failure
    /// is retried after each of [`BACKOFF_MS`]; anything else fails at once.
    async fn post<T: DeserializeOwned>(
        &self,
        api: &str,
        body: &Value,
        idempotent: bool,
    ) -> Result<T, ApiError> {
        let mut n_retries = 0;
        let mut refreshed = false;
        loop {
            let failed = match self.try_post(api, body).await {
                Ok(v) => return Ok(v),
                Err(f) => f,
            };
            if failed.error.is_stale_token() && !refreshed {
                refreshed = true;
                if let Some(stale) = failed.token {
                    self.forget_token(&stale).await;
                }
                continue;
            }
            match BACKOFF_MS.get(n_retries) {
                Some(&backoff_ms) if failed.error.is_transient(idempotent) => {
                    n_retries += 1;
                    tokio::time::sleep(Duration::from_millis(backoff_ms)).await;
                }
                _ => return Err(failed.error),
            }
        }
    }

    async fn try_post<T: DeserializeOwned>(&self, api: &str, body: &Value) -> Result<T, Failed> {
        let token = self.access_token().await?;
        let url = format!("{}/cgi-bin/{api}", self.base);
        let sent = self
            .client
            .post(url)
            .query(&[("access_token", token.as_str())])
            .json(body)
            .send()
            .await;
        let result = match sent {
            Ok(resp) => decode(resp).await,
            Err(e) => Err(e.into()),
        };
        result.map_err(|error| Failed {
            error,
            token: Some(token),
        })
    }

    /// The cached token, or a fresh one when there is none or it is close to expiry.
    async fn access_token(&self) -> Result<String, ApiError> {
        let mut slot = self.token.lock().await;
        if let Some(cached) = slot.as_ref() {
            if Instant::now() < cached.refresh_at {
                return Ok(cached.token.clone());
            }
        }
        let url = format!("{}/cgi-bin/gettoken", self.base);
        let resp = self
            .client
            .get(url)
            .query(&[
                ("corpid", self.corpid.as_str()),
                ("corpsecret", self.secret.as_str()),
            ])
            .send()
            .await?;
        let fresh: TokenResponse = decode(resp).await?;
        let margin_s = REFRESH_MARGIN_S.min(fresh.expires_in / 2);
        let lifetime = Duration::from_secs(fresh.expires_in.saturating_sub(margin_s));
        *slot = Some(CachedToken {
            token: fresh.access_token.clone(),
            refresh_at: Instant::now() + lifetime,
        });
        Ok(fresh.access_token)
    }

    /// Drops `stale` from the cache unless another caller already replaced it.
    async fn forget_token(&self, stale: &str) {
        let mut slot = self.token.lock().await;
        if slot.as_ref().is_some_and(|c| c.token == stale) {
            *slot = None;
        }
    }
}

/// A 200 with `errcode` 0 decodes as `T`; anything else is an error.
async fn decode<T: DeserializeOwned>(resp: reqwest::Response) -> Result<T, ApiError> {
    let status = resp.status();
    if !status.is_success() {
        return Err(ApiError::Status(status.as_u16()));
    }
    let bytes = resp.bytes().await?;
    let head: Status = serde_json::from_slice(&bytes)?;
    if head.errcode != 0 {
        return Err(ApiError::Errcode {
            errcode: head.errcode,
            errmsg: head.errmsg,
        });
    }
    Ok(serde_json::from_slice(&bytes)?)
}
