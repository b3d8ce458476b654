//! `message/update_template_card` and `message/update_taskcard`: an app changes an interactive card it sent,
//! for the members named who received it. The update lands in their inboxes as its own delivery.

use axum::extract::State;
use bytes::Bytes;
use std::sync::Arc;

use wecom_wire::message::update::{
    UpdateResponse, UpdateTaskcard, UpdateTemplateCard, RESPONSE_CODE_TTL_S,
};
use wecom_wire::message::{self, SendRequest};
use wecom_wire::Errcode;

use super::message::{agent, resolve};
use super::{caller, json, ok, ApiResult, Caller, Params, RawBody};
use crate::state::{Sim, State as Shared};
use crate::store::cards::SentCard;
use crate::store::{Delivery, InboxId, Source};

/// Called by `message/send` for an interactive card: its `response_code` and `task_id` open updates.
pub(super) fn remember(
    sim: &Sim,
    who: Caller,
    req: &SendRequest,
    (msgid, recipients): (&str, &[usize]),
    code: &str,
    now_ms: i64,
) {
    let card = req.template_card.as_ref();
    let sent = SentCard {
        agentid: who.agentid,
        msgid: msgid.to_owned(),
        recipients: recipients.to_vec(),
        task_id: card.and_then(|c| c.task_id.clone()),
        keys: card.map(|c| c.button_keys()).unwrap_or_default(),
        expires_ms: now_ms + RESPONSE_CODE_TTL_S * 1000,
    };
    let cards = &sim.store.cards;
    if cards.by_code.len() > 4096 && cards.by_code.len() % 512 == 0 {
        cards.by_code.retain(|_, c| c.expires_ms > now_ms);
    }
    if let Some(t) = &sent.task_id {
        cards.by_task.insert((who.corp, t.clone()), sent.clone());
    }
    cards.by_code.insert((who.corp, code.to_owned()), sent);
}

/// Delivers the update to each member; the body is the request as sent.
fn deliver(
    st: &Shared,
    sim: &Sim,
    who: Caller,
    users: &[usize],
    msgtype: &'static str,
    body: &Bytes,
) {
    let d = Delivery::new(
        st.ids.msgid(st.ids.next_seq()),
        Source::App {
            agentid: who.agentid,
        },
        msgtype,
        Bytes::clone(body),
        st.clock.now_s(),
    );
    for &user in users {
        sim.store.deliver(
            InboxId::User {
                corp: who.corp,
                user,
            },
            &d,
        );
    }
}

pub async fn update_template_card(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = caller(&st, &q)?;
    let req: UpdateTemplateCard = json(&body)?;
    let sim = st.sim();
    let corp = &sim.world.corps[who.corp];
    let app = agent(corp, who, req.agentid)?;
    let code = req.response_code()?.to_owned();
    let targets = req.targets()?;
    req.update()?;
    let now_ms = st.clock.now_ms();
    let key = (who.corp, code);
    let card = sim.store.cards.by_code.get(&key).map(|c| c.clone());
    let card = card
        .filter(|c| c.expires_ms > now_ms)
        .ok_or(Errcode::INVALID_RESPONSE_CODE)?;
    if card.agentid != who.agentid {
        return Err(Errcode::UPDATE_AGENT_MISMATCH.into());
    }
    let named = message::Recipients {
        all: targets.all,
        users: targets.users,
        parties: targets.parties,
        tags: targets.tags,
    };
    let r = resolve(corp, app, &named);
    let (reached, mut invaliduser): (Vec<usize>, Vec<String>) = (
        r.deliver
            .iter()
            .copied()
            .filter(|u| card.recipients.contains(u))
            .collect(),
        r.invalid_users,
    );
    for &u in r.deliver.iter().filter(|u| !card.recipients.contains(u)) {
        if named
            .users
            .iter()
            .any(|n| n.eq_ignore_ascii_case(&corp.member(u).userid))
        {
            invaliduser.push(corp.member(u).userid.clone());
        }
    }
    // Single use: taken now that the update is valid.
    if sim.store.cards.by_code.remove(&key).is_none() {
        return Err(Errcode::INVALID_RESPONSE_CODE.into());
    }
    deliver(&st, &sim, who, &reached, "update_template_card", &body);
    *sim.store
        .cards
        .card_updates
        .entry((who.corp, card.msgid))
        .or_default() += reached.len();
    ok(UpdateResponse { invaliduser })
}

pub async fn update_taskcard(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = caller(&st, &q)?;
    let req: UpdateTaskcard = json(&body)?;
    let sim = st.sim();
    let corp = &sim.world.corps[who.corp];
    agent(corp, who, req.agentid)?;
    let task_id = req.task_id()?.to_owned();
    // An unknown task is named before a missing or wrong key.
    let clicked = req.check().map(str::to_owned);
    let card = sim
        .store
        .cards
        .by_task
        .get(&(who.corp, task_id.clone()))
        .map(|c| c.clone());
    let card = card.ok_or(Errcode::TASK_ID_NOT_FOUND)?;
    if card.agentid != who.agentid {
        return Err(Errcode::UPDATE_AGENT_MISMATCH.into());
    }
    let clicked = clicked?;
    if !card.keys.contains(&clicked) {
        return Err(Errcode::BUTTON_KEY_NOT_FOUND.into());
    }
    let mut reached = Vec::new();
    let mut invaliduser = Vec::new();
    for u in &req.userids {
        match corp.user_index(u).filter(|i| card.recipients.contains(i)) {
            Some(i) => reached.push(i),
            None => invaliduser.push(u.clone()),
        }
    }
    let replace = req.replace_name.clone().unwrap_or_default();
    let mut log = sim
        .store
        .cards
        .task_updates
        .entry((who.corp, task_id))
        .or_default();
    log.extend(
        reached
            .iter()
            .map(|&u| (u, clicked.clone(), replace.clone())),
    );
    drop(log);
    deliver(&st, &sim, who, &reached, "update_taskcard", &body);
    ok(UpdateResponse { invaliduser })
}
