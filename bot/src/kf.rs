//! The kf pullers: one task per customer-service account that, when a `kf_msg_or_event` callback wakes it, pulls
//! every new message with `kf/sync_msg` and answers the customers' ones with `kf/send_msg`.

use parking_lot::Mutex;
use serde_json::Value;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinSet;
use wecom_wire::kf::{Received, ORIGIN_CUSTOMER};

use crate::{Answer, Core};

/// Answers in flight per account: enough to hide send latency, few enough not to flood the server.
const MAX_IN_FLIGHT: usize = 32;
/// Accounts are spread over this many locks so callbacks for different accounts rarely meet.
const N_SHARDS: usize = 16;
/// After a round that failed, the puller tries again by itself this soon.
const REPULL_AFTER: std::time::Duration = std::time::Duration::from_secs(1);
/// Messages sent this long before the bot started are not answered: they are a previous run's (the cursor is
/// not kept across restarts).
const STALE_BEFORE_START_S: i64 = 5;

/// The running pullers by open_kfid. Each holds the sending end of its puller's wake-up channel; dropping it
/// (with the bot) lets the puller finish.
pub(crate) struct Pullers {
    shards: Vec<Mutex<HashMap<String, watch::Sender<String>>>>,
    hasher: RandomState,
}

impl Pullers {
    pub(crate) fn new() -> Pullers {
        Pullers {
            shards: (0..N_SHARDS).map(|_| Mutex::default()).collect(),
            hasher: RandomState::new(),
        }
    }

    /// Tells the account's puller there is something to pull with `token`, starting the puller on the first
    /// callback. Never waits for the pull: wake-ups that arrive while it runs coalesce into one more round.
    pub(crate) fn wake(&self, core: &Arc<Core>, open_kfid: &str, token: &str) {
        let i = self.hasher.hash_one(open_kfid) as usize % self.shards.len();
        let Some(shard) = self.shards.get(i) else {
            return;
        };
        let mut map = shard.lock();
        if let Some(tx) = map.get(open_kfid) {
            tx.send_replace(token.to_owned());
            return;
        }
        let (tx, rx) = watch::channel(token.to_owned());
        tokio::spawn(run(Arc::clone(core), open_kfid.to_owned(), rx));
        map.insert(open_kfid.to_owned(), tx);
    }
}

/// One answer to send.
struct Job {
    open_kfid: String,
    external_userid: String,
    customer_msgid: String,
    reply: String,
}

async fn run(core: Arc<Core>, open_kfid: String, mut wake: watch::Receiver<String>) {
    // The cursor lives only here: a restarted bot starts from WeCom's oldest kept message (and skips, in
    // `job_for`, what was sent before it started).
    let mut cursor = String::new();
    let mut sends = JoinSet::new();
    loop {
        // The callback that started the puller is the first wake-up.
        let pulled = pull(&core, &open_kfid, &mut wake, &mut cursor, &mut sends).await;
        // Finishing a round's answers before the next round keeps the in-flight bound per account and makes a
        // round's outcome visible before anything the next round does.
        while sends.join_next().await.is_some() {}
        if pulled {
            if wake.changed().await.is_err() {
                return;
            }
        } else {
            // The callbacks were acknowledged already: nobody announces these messages again, so the puller
            // tries again by itself, sooner if another callback comes.
            tokio::select! {
                r = wake.changed() => if r.is_err() { return },
                () = tokio::time::sleep(REPULL_AFTER) => {}
            }
        }
    }
}

/// One round: pages until `has_more` is 0, starting answers as items arrive. False when it could not finish.
async fn pull(
    core: &Arc<Core>,
    open_kfid: &str,
    wake: &mut watch::Receiver<String>,
    cursor: &mut String,
    sends: &mut JoinSet<()>,
) -> bool {
    loop {
        // Marking the newest token seen here means a callback that lands after this page was asked for
        // triggers another round, so nothing it announced is missed.
        let token = wake.borrow_and_update().clone();
        let page = match core.api.sync_msg(cursor, &token, open_kfid).await {
            Ok(page) => page,
            Err(e) if e.is_invalid_parameter() && !cursor.is_empty() => {
                // The server no longer knows the cursor (it was reset): start over from its oldest message, which
                // `job_for` filters as on a fresh start.
                core.counters.n_cursor_resets.fetch_add(1, Relaxed);
                cursor.clear();
                continue;
            }
            Err(_) => {
                // The cursor stays put: the next round pulls the same page again.
                core.counters.n_sync_errors.fetch_add(1, Relaxed);
                return false;
            }
        };
        core.counters
            .n_synced
            .fetch_add(page.msg_list.len() as u64, Relaxed);
        let has_more = page.has_more();
        let stuck = has_more && (page.next_cursor.is_empty() || page.next_cursor == *cursor);
        if !page.next_cursor.is_empty() {
            cursor.clone_from(&page.next_cursor);
        }
        for raw in page.msg_list {
            let Some(job) = job_for(core, open_kfid, raw) else {
                continue;
            };
            while sends.len() >= MAX_IN_FLIGHT {
                sends.join_next().await;
            }
            sends.spawn(answer(Arc::clone(core), job));
        }
        if stuck {
            // "More" without a new cursor would ask for the same page forever.
            core.counters.n_sync_errors.fetch_add(1, Relaxed);
            return false;
        }
        if !has_more {
            return true;
        }
    }
}

/// The answer an item gets, if any: only customers' messages, never events.
fn job_for(core: &Core, open_kfid: &str, raw: Value) -> Option<Job> {
    let Ok(item) = Received::from_value(raw) else {
        core.counters.n_sync_errors.fetch_add(1, Relaxed);
        return None;
    };
    // The bot answers customers only, never a system event (ORIGIN_EVENT) or a servicer writing in WeCom.
    if item.origin != ORIGIN_CUSTOMER || item.msgtype == "event" {
        return None;
    }
    // An item without a send_time is of unknown age and answered.
    if item.send_time > 0 && item.send_time < core.started_s - STALE_BEFORE_START_S {
        return None;
    }
    let reply = core.reply.answer(&item.msgtype, item.text_content());
    let open_kfid = if item.open_kfid.is_empty() {
        open_kfid.to_owned()
    } else {
        item.open_kfid
    };
    Some(Job {
        open_kfid,
        external_userid: item.external_userid,
        customer_msgid: item.msgid,
        reply,
    })
}

async fn answer(core: Arc<Core>, job: Job) {
    match core
        .api
        .send_text(
            &job.external_userid,
            &job.open_kfid,
            &job.reply,
            &job.customer_msgid,
        )
        .await
    {
        Ok(reply_msgid) => {
            core.counters.n_replied.fetch_add(1, Relaxed);
            // Nobody listening is fine.
            let _ = core.answers.send(Answer {
                open_kfid: job.open_kfid,
                external_userid: job.external_userid,
                customer_msgid: job.customer_msgid,
                reply_msgid,
            });
        }
        Err(_) => {
            core.counters.n_reply_errors.fetch_add(1, Relaxed);
        }
    }
}
