//! 升级服务: `kf/customer/get_upgrade_service_config` (the range the fixture sets), `kf/customer/upgrade_service`
//! (recommend a member or a customer group in range to a customer; the card lands in the customer's inbox and
//! `/mock/kf/{open_kfid}/upgrades/{external_userid}` shows it) and `kf/customer/cancel_upgrade_service`.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::envelope::Empty;
use wecom_wire::kf::upgrade::{
    GroupchatRange, MemberRange, Target, UpgradeConfigResponse, UpgradeService, UPGRADE_GROUPCHAT,
    UPGRADE_MEMBER,
};
use wecom_wire::{Errcode, WireError};

use super::{account, customer, kf_caller};
use crate::api::{json, ok, ApiError, ApiResult, Params, RawBody};
use crate::kf_route::{deliver, Answer};
use crate::state::{Sim, State as Shared};
use crate::world::Upgrade;

fn range(sim: &Sim, corp: usize) -> Upgrade {
    sim.world.corps[corp]
        .kf
        .as_ref()
        .map(|k| k.upgrade.clone())
        .unwrap_or_default()
}

/// GET (wechatpy) or POST with no body.
pub async fn config(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = kf_caller(&st, &q)?;
    let up = range(&st.sim(), who.corp);
    ok(UpgradeConfigResponse {
        member_range: MemberRange {
            userid_list: up.userids,
            department_id_list: up.departments,
        },
        groupchat_range: GroupchatRange {
            chat_id_list: up.chat_ids,
        },
    })
}

/// The target must be in the configured range: a member listed or in a listed department (60111 for someone who
/// is no member at all), a group listed [U: WeCom's code for "out of range" is not documented; 40058].
fn check_in_range(sim: &Sim, corp: usize, t: &Target) -> Result<(), ApiError> {
    let c = &sim.world.corps[corp];
    let up = range(sim, corp);
    match t {
        Target::Member { userid, .. } => {
            let u = c.user_index(userid).ok_or(Errcode::USERID_NOT_FOUND)?;
            let listed = up.userids.iter().any(|x| *x == c.member(u).userid);
            let in_dept = up
                .departments
                .iter()
                .any(|d| c.department_members(*d).contains(&u));
            if !(listed || in_dept) {
                return Err(WireError::invalid_field("member.userid").into());
            }
        }
        Target::Groupchat { chat_id, .. } => {
            if !up.chat_ids.contains(chat_id) {
                return Err(WireError::invalid_field("groupchat.chat_id").into());
            }
        }
    }
    Ok(())
}

pub async fn upgrade(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = kf_caller(&st, &q)?;
    let req: UpgradeService = json(&body)?;
    let sim = st.sim();
    let open_kfid = account(&sim, who, req.open_kfid.as_deref())?;
    let cust = customer(&sim, who, req.external_userid.as_deref())?;
    let target = req.target()?;
    check_in_range(&sim, who.corp, &target)?;
    let card = match &target {
        Target::Member { userid, wording } => serde_json::json!({
            "msgtype": "upgrade_service",
            "upgrade_service": {"type": UPGRADE_MEMBER, "member": {"userid": userid, "wording": wording}},
        }),
        Target::Groupchat { chat_id, wording } => serde_json::json!({
            "msgtype": "upgrade_service",
            "upgrade_service": {"type": UPGRADE_GROUPCHAT, "groupchat": {"chat_id": chat_id, "wording": wording}},
        }),
    };
    let holder = sim
        .store
        .kf
        .sessions
        .get(&(who.corp, open_kfid.to_owned(), cust))
        .and_then(|s| {
            s.servicer
                .clone()
                .filter(|_| s.state == wecom_wire::kf::ServiceState::SERVICER)
        });
    let to_member = matches!(target, Target::Member { .. });
    sim.store.kfstats.record(
        (who.corp, open_kfid),
        holder.as_deref(),
        st.clock.now_s(),
        |d| {
            d.upgraded.insert(cust);
            if to_member {
                d.n_member_invites += 1;
                d.member_invited.insert(cust);
            } else {
                d.n_group_invites += 1;
                d.group_invited.insert(cust);
            }
        },
    );
    // The session's state is left as it is: the recommendation is a card in the chat [U].
    sim.store
        .kf
        .upgrades
        .insert((who.corp, open_kfid.to_owned(), cust), target);
    let answer = Answer {
        corp: who.corp,
        open_kfid,
        customer: cust,
        msgid: st.ids.msgid(st.ids.next_seq()),
        msgtype: "upgrade_service",
        body: card.to_string().into(),
        servicer_userid: None,
        in_reply_to: None,
    };
    deliver(&st, &sim, answer);
    ok(Empty {})
}

pub async fn cancel(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = kf_caller(&st, &q)?;
    let req: UpgradeService = json(&body)?;
    let sim = st.sim();
    let open_kfid = account(&sim, who, req.open_kfid.as_deref())?;
    let cust = customer(&sim, who, req.external_userid.as_deref())?;
    // Cancelling when nothing is recommended is not refused [U].
    sim.store
        .kf
        .upgrades
        .remove(&(who.corp, open_kfid.to_owned(), cust));
    ok(Empty {})
}
