//! Group sends: `add_msg_template` works out who sends what to whom (by customer list, tag filter or a member's
//! whole list; or customer groups), then members send (through the control API) and the reports follow:
//! `get_groupmsg_list_v2`, `get_groupmsg_task`, `get_groupmsg_send_result`, `get_group_msg_result`,
//! `remind_groupmsg_send`, `cancel_groupmsg_send`.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::externalcontact::groupmsg::{
    AddMsgTemplate, AddMsgTemplateResponse, MAX_TARGETS, RESULT_PENDING,
};
use wecom_wire::externalcontact::ways::WelcomeMsg;
use wecom_wire::WireError;

use super::{contacts_caller, member};
use crate::api::{json, ok, ApiResult, Caller, Params, RawBody};
use crate::state::{Sim, State as Shared};
use crate::store::groupmsgs::{GroupMsg, Target};
use crate::world::Corp;

mod reports;
pub use reports::{cancel, list_v2, old_result, remind, send_result, task};

/// Whether the member's relation with the customer carries, for every group of the filter, one of its tags.
fn tags_match(
    sim: &Sim,
    corp: usize,
    customer: usize,
    user: usize,
    groups: &[Vec<String>],
) -> bool {
    let Some(f) = sim.store.contacts.follow(corp, customer, user) else {
        return false;
    };
    groups
        .iter()
        .all(|g| g.is_empty() || g.iter().any(|t| f.tags.contains(t)))
}

/// Single-chat targets: each customer with the member who sends to them (the sender, or their first member).
fn single_targets(
    sim: &Sim,
    who: Caller,
    c: &Corp,
    req: &AddMsgTemplate,
    sender: Option<usize>,
) -> (Vec<Target>, Vec<String>) {
    let followers = |i: usize| -> Vec<usize> {
        sim.store
            .contacts
            .followers(who.corp, i)
            .iter()
            .map(|f| f.user)
            .collect()
    };
    let pick = |i: usize| -> Option<usize> {
        let f = followers(i);
        match sender {
            Some(s) => f.contains(&s).then_some(s),
            None => f.first().copied(),
        }
    };
    let mut fail_list = Vec::new();
    let mut chosen: Vec<(usize, usize)> = Vec::new();
    if !req.external_userid.is_empty() {
        for id in &req.external_userid {
            match c.customer_index(id).and_then(|i| pick(i).map(|u| (i, u))) {
                Some(t) if !chosen.contains(&t) => chosen.push(t),
                Some(_) => {}
                None => fail_list.push(id.clone()),
            }
        }
    } else {
        let groups: Vec<Vec<String>> = req
            .tag_filter
            .as_ref()
            .map(|f| f.group_list.iter().map(|g| g.tag_list.clone()).collect())
            .unwrap_or_default();
        let candidates: Vec<usize> = match sender {
            Some(s) => sim.store.contacts.page_of(who.corp, s, None, usize::MAX).0,
            None => (0..c.customers.len()).collect(),
        };
        for i in candidates {
            if let Some(u) = pick(i) {
                if tags_match(sim, who.corp, i, u, &groups) {
                    chosen.push((i, u));
                }
            }
        }
    }
    let targets = chosen
        .into_iter()
        .map(|(i, u)| Target {
            customer: Some(i),
            chat_id: None,
            user: u,
            status: RESULT_PENDING,
            send_time: None,
        })
        .collect();
    (targets, fail_list)
}

pub async fn add_msg_template(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: AddMsgTemplate = json(&body)?;
    let content = WelcomeMsg {
        welcome_code: None,
        text: req.text.clone(),
        attachments: req.attachments.clone(),
    };
    content.check()?;
    let to_groups = match req.chat_type.as_deref().unwrap_or("single") {
        "single" => false,
        "group" => true,
        _ => return Err(WireError::invalid_field("chat_type").into()),
    };
    if req.external_userid.len() > MAX_TARGETS {
        return Err(WireError::invalid_field("external_userid").into());
    }
    let sim = st.sim();
    if let Some(f) = &req.tag_filter {
        super::tags::check_tag_filter(&sim, who.corp, f)?;
    }
    let c = &sim.world.corps[who.corp];
    let sender = match req.sender.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(member(c, Some(s))?),
        None if to_groups => return Err(WireError::invalid_field("sender").into()),
        None => None,
    };
    let (targets, fail_list) = if to_groups {
        let owner = sender.unwrap_or_default();
        let groups = sim.store.groups.corps[who.corp].lock();
        let mut fail_list = Vec::new();
        let mut targets = Vec::new();
        let wanted: Vec<String> = if req.chat_id_list.is_empty() {
            groups
                .iter()
                .filter(|g| g.owner == owner)
                .map(|g| g.chat_id.clone())
                .collect()
        } else {
            req.chat_id_list.clone()
        };
        for id in wanted {
            if groups.iter().any(|g| g.chat_id == id && g.owner == owner) {
                targets.push(Target {
                    customer: None,
                    chat_id: Some(id),
                    user: owner,
                    status: RESULT_PENDING,
                    send_time: None,
                });
            } else {
                fail_list.push(id);
            }
        }
        (targets, fail_list)
    } else {
        single_targets(&sim, who, c, &req, sender)
    };
    let msgid = st.ids.groupmsg_id();
    sim.store.groupmsgs.corps[who.corp].lock().push(GroupMsg {
        msgid: msgid.clone(),
        creator: sender,
        create_time: st.clock.now_s(),
        create_type: 0,
        to_groups,
        text: req.text.unwrap_or_default(),
        attachments: req.attachments,
        targets,
        sent: Vec::new(),
        cancelled: false,
    });
    ok(AddMsgTemplateResponse { fail_list, msgid })
}
