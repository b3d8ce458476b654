//! People joining and leaving customer groups: each change is a `change_external_chat` update (`add_member` or
//! `del_member`, with the scene and the list of who changed) to the 客户联系 apps. And members confirming the
//! group sends (群发) they were given; people writing in a group (counted by `groupchat/statistic`); customers
//! joining through a 「加入群聊」 way.

use axum::extract::State;
use axum::Json;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use wecom_wire::externalcontact::groupchat::change_chat_xml;

use super::{
    bad_request, body, corp_index, not_found, PathParams, QueryString, Refused, WithState,
};
use crate::callback::Push;
use crate::store::groups::Member;
use crate::world::GroupMember;

#[derive(Deserialize)]
pub struct CorpQuery {
    pub(super) corpid: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    #[serde(default)]
    join: Vec<String>,
    #[serde(default)]
    leave: Vec<String>,
    /// How they joined: 1 invited directly, 2 by link, 3 by QR code; or left: 0 removed, 1 left.
    #[serde(default = "one")]
    scene: i64,
}

fn one() -> i64 {
    1
}

/// `POST /mock/groups/{chat_id}/members {"join": [ids]}` or `{"leave": [ids]}`: members (userids) or customers
/// (external_userids) join or leave the group.
pub async fn members(
    State(st): WithState,
    PathParams(chat_id): PathParams<String>,
    QueryString(q): QueryString<CorpQuery>,
    bytes: Bytes,
) -> Result<Json<Value>, Refused> {
    let ch: Change = body(&bytes)?;
    let (joining, ids) = match (ch.join.is_empty(), ch.leave.is_empty()) {
        (false, true) => (true, ch.join),
        (true, false) => (false, ch.leave),
        _ => {
            return Err(bad_request(
                "give either join or leave, with at least one id",
            ))
        }
    };
    let sim = st.sim();
    let corp = corp_index(&sim, q.corpid.as_deref())?;
    let c = &sim.world.corps[corp];
    let people = people(c, &ids)?;
    let now_s = st.clock.now_s();
    let (last, current) = {
        let mut groups = sim.store.groups.corps[corp].lock();
        let g = groups
            .iter_mut()
            .find(|g| g.chat_id == chat_id)
            .ok_or_else(|| not_found(format!("no customer group {chat_id}")))?;
        change_members(g, &people, joining, (ch.scene, now_s))?
    };
    let (detail, scene) = if joining {
        ("add_member", "JoinScene")
    } else {
        ("del_member", "QuitScene")
    };
    let changed: Vec<&str> = ids.iter().map(String::as_str).collect();
    let msgid = announce(
        &st,
        corp,
        &chat_id,
        (detail, (scene, ch.scene)),
        &changed,
        (last, current),
    );
    Ok(Json(
        json!({ "msgid": msgid, "member_version": format!("{current:032x}") }),
    ))
}

/// Each id as a member of the corp or, failing that, a customer.
fn people(c: &crate::world::Corp, ids: &[String]) -> Result<Vec<GroupMember>, Refused> {
    ids.iter()
        .map(|id| match (c.user_index(id), c.customer_index(id)) {
            (Some(u), _) => Ok(GroupMember::User(u)),
            (None, Some(i)) => Ok(GroupMember::Customer(i)),
            _ => Err(bad_request(format!(
                "{id:?} is neither a member nor a customer"
            ))),
        })
        .collect()
}

/// `people` join (or leave) group `g` by `scene` at `now_s`; answers the member version before and after.
fn change_members(
    g: &mut crate::store::groups::Group,
    people: &[GroupMember],
    joining: bool,
    (scene, now_s): (i64, i64),
) -> Result<(u64, u64), Refused> {
    for p in people {
        let present = g.members.iter().any(|m| m.who == *p);
        if present == joining {
            return Err(bad_request(format!(
                "{p:?} is {} the group",
                if joining { "already in" } else { "not in" }
            )));
        }
        if *p == GroupMember::User(g.owner) {
            return Err(bad_request(
                "the owner cannot leave; transfer the group first",
            ));
        }
    }
    let last = g.version;
    if joining {
        g.members.extend(people.iter().map(|&who| Member {
            who,
            join_time: now_s,
            join_scene: scene,
            invitor: Some(g.owner),
            state: String::new(),
        }));
    } else {
        g.members.retain(|m| !people.contains(&m.who));
    }
    g.version += 1;
    Ok((last, g.version))
}

/// Pushes a `change_external_chat` update to the corp's 客户联系 apps with callbacks; returns its msgid.
pub(super) fn announce(
    st: &std::sync::Arc<crate::state::State>,
    corp: usize,
    chat_id: &str,
    (detail, scene): (&str, (&str, i64)),
    changed: &[&str],
    (last, current): (u64, u64),
) -> String {
    let sim = st.sim();
    let c = &sim.world.corps[corp];
    let xml = change_chat_xml(
        &c.corpid,
        st.clock.now_s(),
        chat_id,
        detail,
        scene,
        changed,
        (&format!("{last:032x}"), &format!("{current:032x}")),
    );
    let msgid = st.ids.msgid(st.ids.next_seq());
    for app in c
        .apps
        .iter()
        .filter(|a| a.callback.is_some() && c.may_use_contacts(a.agentid))
    {
        let push = Push {
            receiver: (corp, app.agentid),
            msgid: msgid.clone(),
            plaintext: xml.clone(),
            reply_to: None,
            customer: None,
        };
        st.callbacks.dispatch(st, push);
    }
    msgid
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Said {
    from: String,
}

/// `POST /mock/groups/{chat_id}/messages {"from": id}`: someone in the group (a member's userid or a customer's
/// external_userid) writes in it. WeCom pushes nothing for this; it counts in `groupchat/statistic`.
pub async fn message(
    State(st): WithState,
    PathParams(chat_id): PathParams<String>,
    QueryString(q): QueryString<CorpQuery>,
    bytes: Bytes,
) -> Result<Json<Value>, Refused> {
    let Said { from } = body(&bytes)?;
    let sim = st.sim();
    let corp = corp_index(&sim, q.corpid.as_deref())?;
    let c = &sim.world.corps[corp];
    let who = match (c.user_index(&from), c.customer_index(&from)) {
        (Some(u), _) => GroupMember::User(u),
        (None, Some(i)) => GroupMember::Customer(i),
        _ => {
            return Err(bad_request(format!(
                "{from:?} is neither a member nor a customer"
            )))
        }
    };
    {
        let groups = sim.store.groups.corps[corp].lock();
        let g = groups
            .iter()
            .find(|g| g.chat_id == chat_id)
            .ok_or_else(|| not_found(format!("no customer group {chat_id}")))?;
        if !g.members.iter().any(|m| m.who == who) {
            return Err(bad_request(format!("{from} is not in the group")));
        }
    }
    sim.store
        .activity
        .group_message(corp, &chat_id, who, st.clock.now_s());
    Ok(Json(json!({ "chat_id": chat_id, "from": from })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JoinScan {
    customer: String,
}

/// `POST /mock/join_ways/{config_id}/scan {"customer": external_userid}`: a customer scans a 「加入群聊」 QR code
/// (or taps the mini program button) and joins the first of the way's groups they are not in yet, by QR code
/// (join_scene 3), with the way's `state`. Full groups are not modelled: there is always room.
pub async fn join_way_scan(
    State(st): WithState,
    PathParams(config_id): PathParams<String>,
    QueryString(q): QueryString<CorpQuery>,
    bytes: Bytes,
) -> Result<Json<Value>, Refused> {
    const BY_QR_CODE: i64 = 3;
    let JoinScan { customer } = body(&bytes)?;
    let sim = st.sim();
    let corp = corp_index(&sim, q.corpid.as_deref())?;
    let i = sim.world.corps[corp]
        .customer_index(&customer)
        .ok_or_else(|| bad_request(format!("no customer {customer:?}")))?;
    let way = sim
        .store
        .templates
        .join_ways
        .get(&(corp, config_id.clone()))
        .map(|w| w.way.clone())
        .ok_or_else(|| not_found(format!("no join way {config_id}")))?;
    let now_s = st.clock.now_s();
    let who = GroupMember::Customer(i);
    let (chat_id, last, current) = {
        let mut groups = sim.store.groups.corps[corp].lock();
        let g = groups
            .iter_mut()
            .filter(|g| way.chat_id_list.contains(&g.chat_id))
            .find(|g| !g.members.iter().any(|m| m.who == who))
            .ok_or_else(|| bad_request(format!("{customer} is in every group of the way")))?;
        g.members.push(Member {
            who,
            join_time: now_s,
            join_scene: BY_QR_CODE,
            invitor: None,
            state: way.state.clone(),
        });
        g.version += 1;
        (g.chat_id.clone(), g.version - 1, g.version)
    };
    let msgid = announce(
        &st,
        corp,
        &chat_id,
        ("add_member", ("JoinScene", BY_QR_CODE)),
        &[customer.as_str()],
        (last, current),
    );
    Ok(Json(
        json!({ "msgid": msgid, "chat_id": chat_id, "state": way.state }),
    ))
}
