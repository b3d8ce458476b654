//! `appchat/create|get|update|send`: group chats an app makes among members; messages land in the chat's inbox.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::appchat::{
    self, ChatInfo, CreateRequest, CreateResponse, GetResponse, SendTarget, UpdateRequest,
};
use wecom_wire::envelope::Empty;
use wecom_wire::message::{self, SendRequest};
use wecom_wire::Errcode;

use super::message::check_media;
use super::{caller, json, ok, ApiError, ApiResult, Caller, Params, RawBody};
use crate::events::{Event, EventKind, Now, Route};
use crate::state::State as Shared;
use crate::store::{Chat, Delivery, Inbox, Source, Store};
use crate::world::Corp;

/// Members must exist and be in the app's scope; returns their userids as declared.
fn members(corp: &Corp, agentid: i64, ids: &[String]) -> Result<Vec<String>, ApiError> {
    let app = corp.app(agentid).ok_or(Errcode::INVALID_AGENTID)?;
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        let i = corp
            .user_index(id)
            .filter(|&i| app.can_see(i))
            .ok_or(Errcode::INVALID_CHAT_MEMBER)?;
        let userid = &corp.member(i).userid;
        if !out.contains(userid) {
            out.push(userid.clone());
        }
    }
    Ok(out)
}

pub async fn create(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = caller(&st, &q)?;
    let req: CreateRequest = json(&body)?;
    let sim = st.sim();
    let corp = &sim.world.corps[who.corp];
    let name = appchat::chat_name(req.name.unwrap_or_default());
    let userlist = members(corp, who.agentid, &req.userlist)?;
    appchat::check_member_count(userlist.len())?;
    let owner = match req.owner.filter(|o| !o.is_empty()) {
        Some(o) => corp
            .user(&o)
            .map(|u| u.userid.clone())
            .filter(|o| userlist.contains(o))
            .ok_or(Errcode::INVALID_CHAT_OWNER)?,
        // WeCom picks an owner from the members when none is named.
        None => userlist[0].clone(),
    };
    let chatid = match req.chatid.filter(|c| !c.is_empty()) {
        Some(c) => {
            appchat::check_chatid(&c)?;
            c
        }
        None => st.ids.chatid(),
    };
    let entry = sim.store.chats.entry((who.corp, chatid.clone()));
    if matches!(entry, dashmap::Entry::Occupied(_)) {
        return Err(Errcode::CHAT_EXISTS.into());
    }
    entry.or_insert(Chat {
        info: ChatInfo {
            chatid: chatid.clone(),
            name,
            owner,
            userlist,
            chat_type: 0,
        },
        agentid: who.agentid,
        inbox: Inbox::new(sim.store.inbox_capacity),
    });
    ok(CreateResponse { chatid })
}

/// A chat of this corp made by this app; other apps' chats do not exist for it.
fn own_chat<'s>(
    store: &'s Store,
    key: &(usize, String),
    who: Caller,
) -> Result<dashmap::mapref::one::RefMut<'s, (usize, String), Chat>, ApiError> {
    store
        .chats
        .get_mut(key)
        .filter(|c| c.agentid == who.agentid)
        .ok_or_else(|| Errcode::CHAT_NOT_FOUND.into())
}

fn chat_key(who: Caller, chatid: Option<&str>) -> Result<(usize, String), ApiError> {
    match chatid {
        Some(c) if !c.is_empty() => Ok((who.corp, c.to_owned())),
        _ => Err(Errcode::INVALID_CHATID.into()),
    }
}

pub async fn get(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = caller(&st, &q)?;
    let key = chat_key(who, q.get("chatid").as_deref())?;
    let sim = st.sim();
    let chat = own_chat(&sim.store, &key, who)?;
    ok(GetResponse {
        chat_info: chat.info.clone(),
    })
}

pub async fn update(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = caller(&st, &q)?;
    let req: UpdateRequest = json(&body)?;
    let key = chat_key(who, req.chatid.as_deref())?;
    let sim = st.sim();
    let corp = &sim.world.corps[who.corp];
    let mut chat = own_chat(&sim.store, &key, who)?;
    // Work on a copy: a refused update changes nothing.
    let mut info = chat.info.clone();
    if let Some(name) = req.name {
        info.name = appchat::chat_name(name);
    }
    let add = members(corp, who.agentid, &req.add_user_list)?;
    let del = members(corp, who.agentid, &req.del_user_list)?;
    for u in add {
        if !info.userlist.contains(&u) {
            info.userlist.push(u);
        }
    }
    info.userlist.retain(|u| !del.contains(u));
    appchat::check_member_count(info.userlist.len())?;
    if let Some(o) = req.owner.filter(|o| !o.is_empty()) {
        let owner = corp
            .user(&o)
            .map(|u| u.userid.clone())
            .ok_or(Errcode::INVALID_CHAT_OWNER)?;
        if !info.userlist.contains(&owner) {
            return Err(Errcode::INVALID_CHAT_OWNER.into());
        }
        info.owner = owner;
    }
    if !info.userlist.contains(&info.owner) {
        return Err(Errcode::INVALID_CHAT_OWNER.into());
    }
    chat.info = info;
    ok(Empty {})
}

pub async fn send(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = caller(&st, &q)?;
    let target: SendTarget = json(&body)?;
    let req: SendRequest = json(&body)?;
    let key = chat_key(who, target.chatid.as_deref())?;
    let content = message::validate_content(&req, &appchat::MSGTYPES)?;
    let sim = st.sim();
    check_media(&sim, &st, who.corp, &content.media_ids)?;
    let mut chat = own_chat(&sim.store, &key, who)?;
    let seq = st.ids.next_seq();
    let source = Source::Appchat {
        agentid: who.agentid,
        chatid: key.1.clone(),
    };
    let msgtype = content.msgtype.as_str();
    let msgid = st.ids.msgid(seq);
    let d = Delivery::new(
        msgid.clone(),
        source,
        msgtype,
        super::message::as_delivered(body, &content),
        st.clock.now_s(),
    );
    chat.inbox.push(d, &sim.store.inbox_budget);
    drop(chat);
    sim.store.keep_inboxes_in_budget();
    let receiver = || format!("appchat:{}", key.1);
    st.events.emit(|| {
        Event::now(
            &st.clock,
            EventKind::Delivered,
            Route::Appchat,
            &msgid,
            receiver(),
        )
    });
    ok(Empty {})
}
