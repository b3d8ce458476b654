//! `message/send` and `message/recall`: app messages to members, by userid, department, tag or `@all`.

use axum::extract::State;
use dashmap::Entry;
use std::hash::BuildHasher;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use wecom_wire::message::{self, Msgtype, SendRequest, SendResponse, DEFAULT_DUPLICATE_INTERVAL_S};
use wecom_wire::{Errcode, WireError};

use super::{caller, json, ok, ApiError, ApiResult, Caller, Params, RawBody};
use crate::events::{Event, EventKind, Now, Route};
use crate::state::{Sim, State as Shared};
use crate::store::{Delivery, InboxId, Owner, Sent, Source};
use crate::world::{App, Corp};

/// A recall is possible for 24 hours.
const RECALL_WINDOW_MS: i64 = 24 * 3600 * 1000;

pub async fn send(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = caller(&st, &q)?;
    let req: SendRequest = json(&body)?;
    let sim = st.sim();
    let corp = &sim.world.corps[who.corp];
    let app = agent(corp, who, req.agentid)?;
    let content = message::validate_content(&req, &Msgtype::ALL)?;
    let named = message::recipients(
        req.touser.as_deref(),
        req.toparty.as_deref(),
        req.totag.as_deref(),
    )?;
    check_media(&sim, &st, who.corp, &content.media_ids)?;
    let r = resolve(corp, app, &named);
    if r.deliver.is_empty() {
        return Err(all_invalid(&r));
    }

    let now_ms = st.clock.now_ms();
    // One sequence for every message the mock makes, kept across resets: msgids never repeat.
    let seq = st.ids.next_seq();
    let msgid = st.ids.msgid(seq);
    if let Some(earlier) = duplicate_of(&sim, who, &req, &body, (seq, &msgid, now_ms)) {
        // WeCom answers as if sent and delivers nothing.
        return ok(response(&r, earlier, String::new()));
    }

    let source = Source::App {
        agentid: who.agentid,
    };
    let msgtype = content.msgtype.as_str();
    let body = as_delivered(body, &content);
    let delivery = Delivery::new(msgid.clone(), source, msgtype, body, now_ms / 1000);
    let per_member = st.settings.member_limits();
    let app_receiver = || format!("app:{}", who.agentid);
    st.events.emit(|| {
        Event::now(
            &st.clock,
            EventKind::Accepted,
            Route::AppMessage,
            &msgid,
            app_receiver(),
        )
        .with(serde_json::json!({ "n_recipients": r.deliver.len() }))
    });
    for &user in &r.deliver {
        deliver(
            &st,
            &sim,
            (who, corp),
            (user, now_ms, per_member),
            &delivery,
        );
    }
    remember_for_recall(&sim, who, (seq, &msgid), &delivery);
    let response_code = if content.interactive {
        let code = st.ids.response_code();
        super::cards::remember(&sim, who, &req, (&msgid, &r.deliver), &code, now_ms);
        code
    } else {
        String::new()
    };
    ok(response(&r, msgid, response_code))
}

/// 81013 with the four lists WeCom returns, each `|`-joined.
fn all_invalid(r: &Resolved) -> ApiError {
    let lists = serde_json::json!({
        "invaliduser": r.invalid_users.join("|"),
        "invalidparty": r.invalid_parties.join("|"),
        "invalidtag": r.invalid_tags.join("|"),
        "unlicenseduser": r.unlicensed.join("|"),
    });
    ApiError::with_defaults(Errcode::ALL_RECIPIENTS_INVALID, lists)
}

/// Kept by sequence number for `message/recall`, pointing at the delivery weakly (inboxes own it).
fn remember_for_recall(
    sim: &Sim,
    who: Caller,
    (seq, msgid): (u64, &str),
    delivery: &Arc<Delivery>,
) {
    sim.store.sent.put(
        seq,
        Sent {
            corp: who.corp,
            agentid: who.agentid,
            msgid: msgid.to_owned(),
            send_time_s: delivery.send_time_s,
            delivery: Arc::downgrade(delivery),
        },
    );
}

/// With `enable_duplicate_check`, the msgid of the same body sent within the interval; else the body is claimed
/// for `msgid` and none.
fn duplicate_of(
    sim: &Sim,
    who: Caller,
    req: &SendRequest,
    body: &bytes::Bytes,
    (seq, msgid, now_ms): (u64, &str, i64),
) -> Option<String> {
    if req.enable_duplicate_check != Some(1) {
        return None;
    }
    let body_hash = foldhash::fast::FixedState::default().hash_one(body);
    let interval_s = req
        .duplicate_check_interval
        .unwrap_or(DEFAULT_DUPLICATE_INTERVAL_S)
        .clamp(1, message::MAX_DUPLICATE_INTERVAL_S);
    // Claim the body under the entry's lock, so two identical calls racing cannot both deliver.
    match sim.store.recent.entry((who.corp, who.agentid, body_hash)) {
        Entry::Occupied(e) if e.get().0 > now_ms => return Some(e.get().1.clone()),
        e => {
            e.insert((now_ms + interval_s * 1000, msgid.to_owned()));
        }
    }
    sim.store.prune_recent(now_ms, seq);
    None
}

/// Puts the message in one member's inbox, within the member's limits (`per_member`: per minute, per hour), and
/// says so on the event stream.
fn deliver(
    st: &Shared,
    sim: &Sim,
    (who, corp): (Caller, &Corp),
    (user, now_ms, per_member): (usize, i64, (usize, usize)),
    delivery: &Arc<Delivery>,
) {
    let to = InboxId::User {
        corp: who.corp,
        user,
    };
    let delivered = sim
        .store
        .deliver_app_message(to, who.agentid, delivery, now_ms, per_member);
    let kind = if delivered {
        EventKind::Delivered
    } else {
        EventKind::Dropped
    };
    let receiver = || format!("user:{}", corp.member(user).userid);
    st.events.emit(|| {
        Event::now(
            &st.clock,
            kind,
            Route::AppMessage,
            &delivery.msgid,
            receiver(),
        )
    });
}

/// The message as recipients get it: the body as sent, unless WeCom cut its text.
pub fn as_delivered(body: bytes::Bytes, content: &message::ValidContent) -> bytes::Bytes {
    let Some(cut) = &content.cut_content else {
        return body;
    };
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return body;
    };
    v[content.msgtype.as_str()]["content"] = cut.as_str().into();
    bytes::Bytes::from(v.to_string())
}

fn response(r: &Resolved, msgid: String, response_code: String) -> SendResponse {
    SendResponse {
        invaliduser: r.invalid_users.join("|"),
        invalidparty: r.invalid_parties.join("|"),
        invalidtag: r.invalid_tags.join("|"),
        unlicenseduser: r.unlicensed.join("|"),
        msgid,
        response_code,
    }
}

/// The app a message claims to come from must be the token's own.
pub fn agent(corp: &Corp, who: Caller, agentid: Option<i64>) -> Result<&App, ApiError> {
    let agentid = agentid.ok_or(Errcode::INVALID_AGENTID)?;
    if agentid != who.agentid {
        let code = if corp.app(agentid).is_some() {
            Errcode::AGENT_MISMATCH
        } else {
            Errcode::INVALID_AGENTID
        };
        return Err(code.into());
    }
    corp.app(agentid)
        .ok_or_else(|| Errcode::INVALID_AGENTID.into())
}

/// Every media id must be a live upload of this corp's apps (robots' uploads are their own).
pub fn check_media(sim: &Sim, st: &Shared, corp: usize, ids: &[String]) -> Result<(), ApiError> {
    let now_s = st.clock.now_s();
    for id in ids {
        let live = sim.store.media.get(id.as_str()).is_some_and(|m| {
            m.owner == Owner::Corp(corp) && now_s < m.created_s + wecom_wire::media::MEDIA_TTL_S
        });
        if !live {
            return Err(WireError::with_detail(
                Errcode::INVALID_MEDIA_ID,
                format!("invalid media_id {id}"),
            )
            .into());
        }
    }
    Ok(())
}

#[derive(Debug, Default)]
pub(super) struct Resolved {
    pub deliver: Vec<usize>,
    pub invalid_users: Vec<String>,
    invalid_parties: Vec<String>,
    invalid_tags: Vec<String>,
    unlicensed: Vec<String>,
}

/// Named recipients → members the app may reach, and the names WeCom reports back as invalid.
pub(super) fn resolve(corp: &Corp, app: &App, named: &message::Recipients) -> Resolved {
    let mut r = Resolved::default();
    let mut reach: Vec<usize> = Vec::with_capacity(named.users.len());
    if named.all {
        reach.extend((0..corp.users.len()).filter(|&u| app.can_see(u)));
    }
    for u in &named.users {
        match corp.user_index(u).filter(|&i| app.can_see(i)) {
            Some(i) => reach.push(i),
            None => r.invalid_users.push(u.clone()),
        }
    }
    for p in &named.parties {
        match p
            .parse::<i64>()
            .ok()
            .filter(|id| corp.department(*id).is_some() && app.can_see_department(corp, *id))
        {
            Some(id) => reach.extend(corp.department_members(id).iter().copied()),
            None => r.invalid_parties.push(p.clone()),
        }
    }
    for t in &named.tags {
        let visible = |id: i64| app.scope_tags.contains(&id) || app.can_see_all();
        match t
            .parse::<i64>()
            .ok()
            .filter(|id| corp.tag(*id).is_some() && visible(*id))
        {
            Some(id) => reach.extend(corp.tag_members(id)),
            None => r.invalid_tags.push(t.clone()),
        }
    }
    reach.sort_unstable();
    reach.dedup();
    for u in reach {
        if corp.member(u).licensed {
            r.deliver.push(u);
        } else {
            r.unlicensed.push(corp.member(u).userid.to_lowercase());
        }
    }
    r
}

pub async fn recall(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = caller(&st, &q)?;
    let req: message::RecallRequest = json(&body)?;
    let msgid = req
        .msgid
        .filter(|m| !m.is_empty())
        .ok_or_else(|| WireError::invalid_field("msgid"))?;
    let sim = st.sim();
    let sent = crate::ids::msgid_seq(&msgid)
        .and_then(|seq| sim.store.sent.get(seq))
        .filter(|s| s.msgid == msgid && s.corp == who.corp && s.agentid == who.agentid)
        .ok_or_else(|| WireError::invalid_field("msgid"))?;
    if st.clock.now_s() * 1000 - sent.send_time_s * 1000 > RECALL_WINDOW_MS {
        return Err(WireError::with_detail(
            Errcode::INVALID_PARAMETER,
            "msgid expired. invalid Request Parameter",
        )
        .into());
    }
    // A message every inbox has let go of (past its capacity or the byte budget) has nothing left to mark.
    let delivery = sent.delivery.upgrade();
    if delivery.is_some_and(|d| d.recalled.swap(true, Ordering::Relaxed)) {
        return Err(WireError::with_detail(
            Errcode::INVALID_PARAMETER,
            "msgid already recalled. invalid Request Parameter",
        )
        .into());
    }
    ok(wecom_wire::envelope::Empty {})
}
