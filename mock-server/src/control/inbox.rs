//! Reading inboxes: members', customers', robots' groups' and app chats', newest first.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

use super::{corp_index, not_found, PathParams, QueryString, Refused, WithState};
use crate::state::Sim;
use crate::store::{Delivery, Inbox, InboxId};

#[derive(Deserialize)]
pub struct InboxQuery {
    corpid: Option<String>,
    limit: Option<usize>,
}

fn corp(sim: &Sim, q: &InboxQuery) -> Result<usize, Refused> {
    corp_index(sim, q.corpid.as_deref())
}

/// What an inbox holds, taken under its lock; rendering (which parses every body) happens after the lock is
/// released, so reading an inbox never stalls deliveries to it.
struct Snapshot {
    n_total: u64,
    n_dropped: u64,
    newest: Vec<Arc<Delivery>>,
}

impl Snapshot {
    fn of(inbox: Option<&Inbox>, limit: usize) -> Snapshot {
        match inbox {
            Some(i) => Snapshot {
                n_total: i.n_total,
                n_dropped: i.n_dropped,
                newest: i.newest(limit).cloned().collect(),
            },
            None => Snapshot {
                n_total: 0,
                n_dropped: 0,
                newest: Vec::new(),
            },
        }
    }

    fn render(self) -> Json<Value> {
        let messages: Vec<Value> = self.newest.iter().map(|d| json!(d.view())).collect();
        Json(json!({ "n_total": self.n_total, "n_dropped": self.n_dropped, "messages": messages }))
    }
}

pub async fn user(
    State(st): WithState,
    PathParams(userid): PathParams<String>,
    QueryString(q): QueryString<InboxQuery>,
) -> Result<Json<Value>, Refused> {
    let sim = st.sim();
    let ci = corp(&sim, &q)?;
    let user = sim.world.corps[ci]
        .user_index(&userid)
        .ok_or_else(|| not_found(format!("no member {userid}")))?;
    let snapshot = {
        let inbox = sim.store.inboxes.get(&InboxId::User { corp: ci, user });
        Snapshot::of(inbox.as_deref(), q.limit.unwrap_or(100))
    };
    Ok(snapshot.render())
}

pub async fn customer(
    State(st): WithState,
    PathParams(external_userid): PathParams<String>,
    QueryString(q): QueryString<InboxQuery>,
) -> Result<Json<Value>, Refused> {
    let sim = st.sim();
    let ci = corp(&sim, &q)?;
    let customer = sim.world.corps[ci]
        .customer_index(&external_userid)
        .ok_or_else(|| not_found(format!("no customer {external_userid}")))?;
    let snapshot = {
        let inbox = sim
            .store
            .inboxes
            .get(&InboxId::Customer { corp: ci, customer });
        Snapshot::of(inbox.as_deref(), q.limit.unwrap_or(100))
    };
    Ok(snapshot.render())
}

pub async fn robot(
    State(st): WithState,
    PathParams(key): PathParams<String>,
    QueryString(q): QueryString<InboxQuery>,
) -> Result<Json<Value>, Refused> {
    let sim = st.sim();
    let (corp, robot) = sim
        .world
        .robot(&key)
        .ok_or_else(|| not_found(format!("no robot {key}")))?;
    let snapshot = {
        let inbox = sim.store.inboxes.get(&InboxId::Robot { corp, robot });
        Snapshot::of(inbox.as_deref(), q.limit.unwrap_or(100))
    };
    Ok(snapshot.render())
}

pub async fn appchat(
    State(st): WithState,
    PathParams(chatid): PathParams<String>,
    QueryString(q): QueryString<InboxQuery>,
) -> Result<Json<Value>, Refused> {
    let sim = st.sim();
    let ci = corp(&sim, &q)?;
    let (snapshot, info) = {
        let chat = sim
            .store
            .chats
            .get(&(ci, chatid.clone()))
            .ok_or_else(|| not_found(format!("no app chat {chatid}")))?;
        (
            Snapshot::of(Some(&chat.inbox), q.limit.unwrap_or(100)),
            chat.info.clone(),
        )
    };
    let mut out = snapshot.render();
    out.0["chat"] = json!(info);
    Ok(out)
}

/// `GET /mock/inboxes/aibot_chat/{chatid}`: what AI bots answered in a group chat.
pub async fn aibot_chat(
    State(st): WithState,
    PathParams(chatid): PathParams<String>,
    QueryString(q): QueryString<InboxQuery>,
) -> Result<Json<Value>, Refused> {
    let sim = st.sim();
    let corp = corp(&sim, &q)?;
    let chat = st
        .aibots
        .chats
        .find(corp, &chatid)
        .ok_or_else(|| not_found(format!("no aibot group chat {chatid}")))?;
    let snapshot = {
        let inbox = sim.store.inboxes.get(&InboxId::AibotChat { corp, chat });
        Snapshot::of(inbox.as_deref(), q.limit.unwrap_or(100))
    };
    Ok(snapshot.render())
}

/// Every inbox that has had a message, with its counts.
pub async fn list(State(st): WithState) -> Json<Value> {
    let sim = st.sim();
    let mut rows: Vec<Value> = sim
        .store
        .inboxes
        .iter()
        .map(|i| {
            let (kind, corp, id) = match *i.key() {
                InboxId::User { corp, user } => ("user", corp, sim.world.corps[corp].member(user).userid.clone()),
                InboxId::Robot { corp, robot } => ("robot", corp, sim.world.corps[corp].robots[robot].key.clone()),
                InboxId::Customer { corp, customer } => ("customer", corp, sim.world.corps[corp].customers.external_userid(customer).into_owned()),
                InboxId::AibotChat { corp, chat } => ("aibot_chat", corp, st.aibots.chats.name(chat)),
            };
            json!({"kind": kind, "corpid": sim.world.corps[corp].corpid, "id": id, "n_total": i.n_total, "n_dropped": i.n_dropped, "n_held": i.len()})
        })
        .collect();
    rows.extend(sim.store.chats.iter().map(|c| {
        json!({"kind": "appchat", "corpid": sim.world.corps[c.key().0].corpid, "id": c.key().1,
               "n_total": c.inbox.n_total, "n_held": c.inbox.len()})
    }));
    rows.sort_by(|a, b| {
        (a["kind"].as_str(), a["id"].as_str()).cmp(&(b["kind"].as_str(), b["id"].as_str()))
    });
    Json(json!({ "inboxes": rows }))
}
