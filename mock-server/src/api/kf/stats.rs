//! `kf/get_corp_statistic` and `kf/get_servicer_statistic`: one entry a day, computed from what the simulated
//! sessions did on the mock clock (`store::kfstats`). No AI or satisfaction surveys are simulated: those are 0.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::kf::stats::{
    CorpStatistic, DayStatistic, ServicerStatistic, StatisticRequest, StatisticResponse,
};
use wecom_wire::Errcode;

use super::{account, kf_caller};
use crate::api::{json, ok, ApiError, ApiResult, Params, RawBody};
use crate::state::{Sim, State as Shared};
use crate::store::kfstats::Day;

/// The day summed over the accounts asked for (one, or every account when none is named) for one servicer or
/// the accounts themselves (`""`).
fn day(sim: &Sim, corp: usize, open_kfid: Option<&str>, servicer: &str, day_s: i64) -> Day {
    let mut out = Day::default();
    for d in sim.store.kfstats.days.iter() {
        let (c, k, s, t) = d.key();
        if *c != corp || s != servicer || *t != day_s || open_kfid.is_some_and(|o| o != k) {
            continue;
        }
        out.n_sessions += d.n_sessions;
        out.customers.extend(&d.customers);
        out.n_customer_msgs += d.n_customer_msgs;
        out.upgraded.extend(&d.upgraded);
        out.rejected.extend(&d.rejected);
        out.replied.extend(&d.replied);
        out.first_reply_total_s += d.first_reply_total_s;
        out.n_member_invites += d.n_member_invites;
        out.member_invited.extend(&d.member_invited);
        out.n_group_invites += d.n_group_invites;
        out.group_invited.extend(&d.group_invited);
    }
    out
}

fn ratio(a: usize, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// The account the request names, if it names one (else the statistics cover every account).
fn named_account<'r>(
    sim: &Sim,
    who: crate::api::Caller,
    req: &'r StatisticRequest,
) -> Result<Option<&'r str>, ApiError> {
    match req.open_kfid.as_deref().filter(|k| !k.is_empty()) {
        Some(k) => Ok(Some(account(sim, who, Some(k))?)),
        None => Ok(None),
    }
}

/// The statistic of every day the request names, each made by `of_day`.
fn daily<T: serde::Serialize>(
    st: &Shared,
    req: &StatisticRequest,
    of_day: impl Fn(i64) -> T,
) -> ApiResult {
    let statistic_list: Vec<DayStatistic<T>> = req
        .days(st.clock.now_s())?
        .into_iter()
        .map(|t| DayStatistic {
            stat_time: t,
            statistic: of_day(t),
        })
        .collect();
    ok(StatisticResponse { statistic_list })
}

pub async fn corp(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = kf_caller(&st, &q)?;
    let req: StatisticRequest = json(&body)?;
    let sim = st.sim();
    let open_kfid = named_account(&sim, who, &req)?;
    daily(&st, &req, |t| {
        let d = day(&sim, who.corp, open_kfid, "", t);
        CorpStatistic {
            session_cnt: d.n_sessions,
            customer_cnt: d.customers.len() as u64,
            customer_msg_cnt: d.n_customer_msgs,
            upgrade_service_customer_cnt: d.upgraded.len() as u64,
            msg_rejected_customer_cnt: d.rejected.len() as u64,
            ..CorpStatistic::default()
        }
    })
}

pub async fn servicer(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = kf_caller(&st, &q)?;
    let req: StatisticRequest = json(&body)?;
    let sim = st.sim();
    let open_kfid = named_account(&sim, who, &req)?;
    let c = &sim.world.corps[who.corp];
    let servicer = req.servicer_userid.as_deref().filter(|u| !u.is_empty());
    let servicer = servicer.and_then(|u| c.user(u)).map(|u| u.userid.clone());
    let servicer = servicer.ok_or(Errcode::KF_INVALID_SERVICER)?;
    daily(&st, &req, |t| {
        let d = day(&sim, who.corp, open_kfid, &servicer, t);
        let n_replied = d.replied.len();
        ServicerStatistic {
            session_cnt: d.n_sessions,
            customer_cnt: d.customers.len() as u64,
            customer_msg_cnt: d.n_customer_msgs,
            reply_rate: ratio(n_replied, d.n_sessions),
            first_reply_average_sec: if n_replied == 0 {
                0.0
            } else {
                d.first_reply_total_s as f64 / n_replied as f64
            },
            upgrade_service_customer_cnt: d.upgraded.len() as u64,
            upgrade_service_member_invite_cnt: d.n_member_invites,
            upgrade_service_member_customer_cnt: d.member_invited.len() as u64,
            upgrade_service_groupchat_invite_cnt: d.n_group_invites,
            upgrade_service_groupchat_customer_cnt: d.group_invited.len() as u64,
            msg_rejected_customer_cnt: d.rejected.len() as u64,
            ..ServicerStatistic::default()
        }
    })
}
