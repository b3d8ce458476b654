//! `POST /mock/group_msgs/{msgid}/send`: a member confirms a group send (客户群发) in the WeCom client, and the
//! customers it reaches get it.

use axum::extract::State;
use axum::Json;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use super::groups::CorpQuery;
use super::{
    bad_request, body, corp_index, not_found, PathParams, QueryString, Refused, WithState,
};
use crate::world::GroupMember;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Sends {
    userid: String,
}

/// `POST /mock/group_msgs/{msgid}/send {"userid": …}`: the member confirms a group send in the WeCom client.
/// Each of their customers who is still a contact gets it in their inbox (status 1); one who is not any more is
/// status 2. A send to customer groups reaches every customer in each group at that moment (they read it in the
/// group chat; the mock puts it in their inbox once, however many of the groups they share). A cancelled send,
/// or one the member already sent, is refused.
pub async fn send_group_msg(
    State(st): WithState,
    PathParams(msgid): PathParams<String>,
    QueryString(q): QueryString<CorpQuery>,
    bytes: Bytes,
) -> Result<Json<Value>, Refused> {
    let Sends { userid } = body(&bytes)?;
    let sim = st.sim();
    let corp = corp_index(&sim, q.corpid.as_deref())?;
    let c = &sim.world.corps[corp];
    let user = c
        .user_index(&userid)
        .ok_or_else(|| not_found(format!("no member {userid}")))?;
    let now_s = st.clock.now_s();
    let (delivered, message) = {
        let mut msgs = sim.store.groupmsgs.corps[corp].lock();
        let m = msgs
            .iter_mut()
            .find(|m| m.msgid == msgid)
            .ok_or_else(|| not_found(format!("no group send {msgid}")))?;
        if m.cancelled {
            return Err(bad_request("the group send was cancelled"));
        }
        if m.sent.iter().any(|(u, _)| *u == user) || !m.targets.iter().any(|t| t.user == user) {
            return Err(bad_request(format!("{userid} has nothing (more) to send")));
        }
        m.sent.push((user, now_s));
        let mut delivered = mark_targets(&sim, (corp, user), m, now_s);
        add_group_customers(&sim, (corp, user), m, &mut delivered);
        let message = json!({
            "msgtype": "group_msg",
            "group_msg": { "msgid": m.msgid, "text": m.text, "attachments": m.attachments },
        })
        .to_string();
        (delivered, message)
    };
    for &i in &delivered {
        let d = crate::store::Delivery::new(
            st.ids.msgid(st.ids.next_seq()),
            crate::store::Source::Member {
                userid: c.member(user).userid.clone(),
            },
            "group_msg",
            Bytes::from(message.clone()),
            now_s,
        );
        sim.store
            .deliver(crate::store::InboxId::Customer { corp, customer: i }, &d);
    }
    Ok(Json(json!({ "n_delivered": delivered.len() })))
}

/// Marks the member's targets sent or not-a-friend; answers the customers it reaches directly.
fn mark_targets(
    sim: &crate::state::Sim,
    (corp, user): (usize, usize),
    m: &mut crate::store::groupmsgs::GroupMsg,
    now_s: i64,
) -> Vec<usize> {
    use wecom_wire::externalcontact::groupmsg::{RESULT_NOT_FRIEND, RESULT_SENT};
    let mut delivered = Vec::new();
    for t in m.targets.iter_mut().filter(|t| t.user == user) {
        let reachable = t
            .customer
            .is_none_or(|i| sim.store.contacts.follows(corp, i, user));
        t.status = if reachable {
            RESULT_SENT
        } else {
            RESULT_NOT_FRIEND
        };
        t.send_time = Some(now_s);
        if let (true, Some(i)) = (reachable, t.customer) {
            delivered.push(i);
        }
    }
    delivered
}

/// Adds, once each, the customers in the customer groups the member's targets name.
fn add_group_customers(
    sim: &crate::state::Sim,
    (corp, user): (usize, usize),
    m: &crate::store::groupmsgs::GroupMsg,
    delivered: &mut Vec<usize>,
) {
    let chats: Vec<&str> = m
        .targets
        .iter()
        .filter(|t| t.user == user)
        .filter_map(|t| t.chat_id.as_deref())
        .collect();
    if chats.is_empty() {
        return;
    }
    let groups = sim.store.groups.corps[corp].lock();
    for g in groups
        .iter()
        .filter(|g| chats.contains(&g.chat_id.as_str()))
    {
        for member in &g.members {
            if let GroupMember::Customer(i) = member.who {
                if !delivered.contains(&i) {
                    delivered.push(i);
                }
            }
        }
    }
}
