//! The bytes of request bodies being read and handled at once, under one budget: with thousands of connections
//! each sending a 20 MiB upload, the mock would otherwise hold them all. A call takes its share (in KiB) before
//! its body is read and gives it back when it is answered; one that cannot get it within a while is answered as
//! WeCom answers when overloaded (-1, system busy).

use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};

/// How long a call waits for its share before it is answered "system busy".
const WAIT: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct InFlight {
    kib: Semaphore,
    max_kib: u32,
}

impl InFlight {
    pub fn new(max_bytes: usize) -> InFlight {
        let max_kib = u32::try_from(max_bytes.div_ceil(1024))
            .unwrap_or(u32::MAX)
            .max(1);
        InFlight {
            kib: Semaphore::new(max_kib as usize),
            max_kib,
        }
    }

    /// A share for a body of up to `bytes` (a body is held about twice while it is read and copied, so callers
    /// ask for that). None when the budget stays spent for [`WAIT`].
    pub async fn reserve(&self, bytes: usize) -> Option<SemaphorePermit<'_>> {
        let kib = u32::try_from(bytes.div_ceil(1024))
            .unwrap_or(u32::MAX)
            .clamp(1, self.max_kib);
        // Mostly the budget has room: taken at once, without arming a timer for every call. (Released permits go
        // to those already waiting, so this does not jump their queue.)
        if let Ok(permit) = self.kib.try_acquire_many(kib) {
            return Some(permit);
        }
        tokio::time::timeout(WAIT, self.kib.acquire_many(kib))
            .await
            .ok()?
            .ok()
    }

    /// Bytes reserved now.
    #[cfg(test)]
    pub fn reserved_bytes(&self) -> usize {
        (self.max_kib as usize - self.kib.available_permits()) * 1024
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{token, BOT_AGENTID};

    #[tokio::test(start_paused = true)]
    async fn shares_add_up_to_the_budget_and_a_late_one_waits_then_gives_up() {
        let f = InFlight::new(10 * 1024);
        let a = f.reserve(6 * 1024).await;
        assert!(a.is_some());
        assert_eq!(f.reserved_bytes(), 6 * 1024);
        let b = f.reserve(100 * 1024).await;
        assert!(b.is_none(), "more than is left, for the whole wait");
        drop(a);
        let all = f.reserve(100 * 1024).await;
        assert!(
            all.is_some(),
            "a body bigger than the budget takes all of it, not forever"
        );
        assert_eq!(f.reserved_bytes(), 10 * 1024);
    }

    /// Through the server, as a client sends it: the share a call took is given back once it is answered.
    #[tokio::test]
    async fn a_body_bigger_than_the_in_flight_budget_is_still_served_and_its_share_given_back() {
        let text = crate::DEFAULT_FIXTURE.replacen(
            "seed: 20261125\n",
            "seed: 20261125\nsettings:\n  max_body_bytes_in_flight: 65536\n",
            1,
        );
        let (world, fixture) =
            crate::World::parse(&text, "test.yaml").unwrap_or_else(|e| panic!("{e}"));
        let state = crate::State::new(world, &fixture, crate::Config::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(state.inflight.reserved_bytes(), 0);
        let (addr, _stop) = crate::spawn(state.clone(), crate::Limits::default())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let t = token(&state).await;
        let http = reqwest::Client::new();
        let big = vec![b'z'; 1024 * 1024];
        let part = reqwest::multipart::Part::bytes(big).file_name("f.bin");
        let upload = http
            .post(format!(
                "http://{addr}/cgi-bin/media/upload?access_token={t}&type=file"
            ))
            .multipart(reqwest::multipart::Form::new().part("media", part))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let v: serde_json::Value = upload.json().await.unwrap_or_default();
        assert_eq!(v["errcode"], 0, "{v}");
        assert!(
            v["media_id"].as_str().is_some_and(|id| !id.is_empty()),
            "served with the whole budget"
        );
        assert_eq!(state.inflight.reserved_bytes(), 0, "the share is back");
        let text = serde_json::json!({"touser": "lisi", "msgtype": "text", "agentid": BOT_AGENTID,
                                      "text": {"content": "after the upload"}});
        let sent = http
            .post(format!(
                "http://{addr}/cgi-bin/message/send?access_token={t}"
            ))
            .body(text.to_string())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let v: serde_json::Value = sent.json().await.unwrap_or_default();
        assert_eq!(v["errcode"], 0, "{v}");
    }
}
