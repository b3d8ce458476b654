//! 统计管理, computed from what the simulated world did: `get_user_behavior_data` from the members' single
//! chats, adds and losses (`store::activity`), `groupchat/statistic` and `statistic_group_by_day` from the
//! customer groups as they are now (owners, members and when they joined) and the messages written in them.

use axum::extract::State;
use std::collections::BTreeSet;
use std::sync::Arc;

use wecom_wire::externalcontact::statistic::{
    day_of, days, midnight_of, BehaviorData, BehaviorRequest, BehaviorResponse, ByDayResponse,
    ByOwnerResponse, DayStat, GroupStat, GroupStatRequest, OwnerStat,
};
use wecom_wire::{Errcode, WireError};

use super::{contacts_caller, member};
use crate::api::{json, ok, ApiError, ApiResult, Caller, Params, RawBody};
use crate::state::{Sim, State as Shared};
use crate::store::activity::MemberDay;
use crate::store::groups::Group;

/// More members in the app's scope than this and an unfiltered group statistic is refused (81017, the doc).
const MAX_UNFILTERED_SCOPE: usize = 1000;

/// The members a behaviour query names, directly or by department, each within the app's scope.
fn members_of(sim: &Sim, who: Caller, req: &BehaviorRequest) -> Result<Vec<usize>, ApiError> {
    let corp = &sim.world.corps[who.corp];
    let app = corp.app(who.agentid).ok_or(Errcode::INVALID_AGENTID)?;
    let mut out = BTreeSet::new();
    for u in &req.userid {
        let i = member(corp, Some(u))?;
        if !app.can_see(i) {
            return Err(Errcode::NO_PRIVILEGE.into());
        }
        out.insert(i);
    }
    for &p in &req.partyid {
        if corp.department(p).is_none() {
            return Err(WireError::with_detail(
                Errcode::INVALID_PARTY,
                format!("invalid party {p}"),
            )
            .into());
        }
        if !app.can_see_department(corp, p) {
            return Err(Errcode::NO_PRIVILEGE.into());
        }
        out.extend(corp.department_members(p).iter().copied());
    }
    Ok(out.into_iter().collect())
}

/// What the members did on one day, summed as WeCom sums several members.
#[derive(Default)]
struct DaySum {
    data: BehaviorData,
    n_opened: u64,
    n_replied: u64,
    reply_s: i64,
}

impl DaySum {
    fn add(&mut self, m: &MemberDay) {
        self.data.chat_cnt += m.wrote_to.len() as u64;
        self.data.message_cnt += m.n_messages;
        self.data.negative_feedback_cnt += m.n_lost;
        self.data.new_contact_cnt += m.n_added;
        for (first, reply) in m.opened.values() {
            self.n_opened += 1;
            if let Some(r) = reply {
                self.n_replied += 1;
                self.reply_s += r - first;
            }
        }
    }

    /// The reply figures are there only when customers opened chats that day.
    fn finish(mut self, day: i64) -> BehaviorData {
        self.data.stat_time = midnight_of(day);
        if self.n_opened > 0 {
            let pct = self.n_replied as f64 * 100.0 / self.n_opened as f64;
            self.data.reply_percentage = Some((pct * 100.0).round() / 100.0);
            self.data.avg_reply_time = Some(if self.n_replied == 0 {
                0
            } else {
                (self.reply_s as f64 / 60.0 / self.n_replied as f64).round() as u64
            });
        }
        self.data
    }
}

/// One entry per day from `first` to `last`, each member's active days read once.
fn behaviour(
    sim: &Sim,
    corp: usize,
    users: &[usize],
    (first, last): (i64, i64),
) -> Vec<BehaviorData> {
    let mut sums: Vec<DaySum> = (first..=last).map(|_| DaySum::default()).collect();
    for &u in users {
        sim.store
            .activity
            .each_member_day(corp, u, (first, last), |day, m| {
                if let Some(s) = usize::try_from(day - first)
                    .ok()
                    .and_then(|i| sums.get_mut(i))
                {
                    s.add(m);
                }
            });
    }
    (first..=last)
        .zip(sums)
        .map(|(day, s)| s.finish(day))
        .collect()
}

pub async fn user_behavior_data(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: BehaviorRequest = json(&body)?;
    req.check()?;
    let today = day_of(st.clock.now_s());
    let (first, last) = days(
        req.start_time.unwrap_or(0),
        req.end_time.unwrap_or(0),
        today,
        true,
    )?;
    let sim = st.sim();
    let users = members_of(&sim, who, &req)?;
    let behavior_data = behaviour(&sim, who.corp, &users, (first, last));
    ok(BehaviorResponse { behavior_data })
}

/// One group's figures over the days `first..=last`, or nothing if it did not exist yet.
fn group_stat(sim: &Sim, corp: usize, g: &Group, (first, last): (i64, i64)) -> Option<GroupStat> {
    let created = day_of(g.create_time);
    if created > last {
        return None;
    }
    let mut s = GroupStat {
        chat_total: 1,
        new_chat_cnt: u64::from(created >= first),
        ..GroupStat::default()
    };
    for m in &g.members {
        let joined = day_of(m.join_time);
        if joined <= last {
            s.member_total += 1;
            s.new_member_cnt += u64::from(joined >= first);
        }
    }
    let mut speakers = BTreeSet::new();
    for day in first..=last {
        if let Some(d) = sim.store.activity.group_day(corp, &g.chat_id, day) {
            s.msg_total += d.n_messages;
            speakers.extend(d.speakers);
        }
    }
    s.member_has_msg = speakers.len() as u64;
    s.chat_has_msg = u64::from(s.msg_total > 0);
    Some(s)
}

fn add(a: &mut GroupStat, b: GroupStat) {
    a.new_chat_cnt += b.new_chat_cnt;
    a.chat_total += b.chat_total;
    a.chat_has_msg += b.chat_has_msg;
    a.new_member_cnt += b.new_member_cnt;
    a.member_total += b.member_total;
    a.member_has_msg += b.member_has_msg;
    a.msg_total += b.msg_total;
}

/// The owners a group statistic covers: those named (each a visible member), or every visible owner of a
/// group when none is named.
fn owners_of(sim: &Sim, who: Caller, req: &GroupStatRequest) -> Result<Vec<usize>, ApiError> {
    let corp = &sim.world.corps[who.corp];
    let app = corp.app(who.agentid).ok_or(Errcode::INVALID_AGENTID)?;
    let named = req.owners()?;
    if named.is_empty() {
        let n_scope = (0..corp.users.len()).filter(|&u| app.can_see(u)).count();
        if n_scope > MAX_UNFILTERED_SCOPE {
            return Err(Errcode::REQUEST_COUNT_LIMIT.into());
        }
        let groups = sim.store.groups.corps[who.corp].lock();
        let owners: BTreeSet<usize> = groups
            .iter()
            .map(|g| g.owner)
            .filter(|&o| app.can_see(o))
            .collect();
        return Ok(owners.into_iter().collect());
    }
    let mut out = BTreeSet::new();
    for u in named {
        let i = member(corp, Some(u))?;
        if !app.can_see(i) {
            return Err(Errcode::NO_PRIVILEGE.into());
        }
        out.insert(i);
    }
    Ok(out.into_iter().collect())
}

/// Each owner's groups summed over the days (the groups read once, whatever the number of owners).
fn by_owner(
    sim: &Sim,
    corp: usize,
    owners: &[usize],
    range: (i64, i64),
) -> Vec<(usize, GroupStat)> {
    let mut totals: std::collections::HashMap<usize, GroupStat> =
        owners.iter().map(|&o| (o, GroupStat::default())).collect();
    let groups = sim.store.groups.corps[corp].lock();
    for g in groups.iter() {
        if let Some(total) = totals.get_mut(&g.owner) {
            if let Some(s) = group_stat(sim, corp, g, range) {
                add(total, s);
            }
        }
    }
    owners
        .iter()
        .map(|&o| (o, totals.get(&o).copied().unwrap_or_default()))
        .collect()
}

/// The day range of a group statistic: `day_end_time` defaults to `day_begin_time`; today is not there yet.
fn group_days(st: &Shared, req: &GroupStatRequest) -> Result<(i64, i64), WireError> {
    let begin = req.day_begin_time.unwrap_or(0);
    let end = req.day_end_time.filter(|e| *e != 0).unwrap_or(begin);
    days(begin, end, day_of(st.clock.now_s()), false)
}

pub async fn groupchat_statistic(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: GroupStatRequest = json(&body)?;
    let range = group_days(&st, &req)?;
    let page = req.page()?;
    let sim = st.sim();
    let owners = owners_of(&sim, who, &req)?;
    let corp = &sim.world.corps[who.corp];
    let mut rows = by_owner(&sim, who.corp, &owners, range);
    rows.sort_by(|(a, x), (b, y)| {
        let by_key = x.key(page.order_by).cmp(&y.key(page.order_by));
        let by_key = if page.ascending {
            by_key
        } else {
            by_key.reverse()
        };
        by_key.then_with(|| corp.member(*a).userid.cmp(&corp.member(*b).userid))
    });
    let total = rows.len();
    let start = page.offset.min(total);
    let end = start.saturating_add(page.limit).min(total);
    let items = rows[start..end]
        .iter()
        .map(|&(o, data)| OwnerStat {
            owner: corp.member(o).userid.clone(),
            data,
        })
        .collect();
    ok(ByOwnerResponse {
        total,
        next_offset: end,
        items,
    })
}

pub async fn groupchat_statistic_by_day(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: GroupStatRequest = json(&body)?;
    let (first, last) = group_days(&st, &req)?;
    let sim = st.sim();
    let owners = owners_of(&sim, who, &req)?;
    let items = (first..=last)
        .map(|day| {
            let mut data = GroupStat::default();
            for (_, s) in by_owner(&sim, who.corp, &owners, (day, day)) {
                add(&mut data, s);
            }
            DayStat {
                stat_time: midnight_of(day),
                data,
            }
        })
        .collect();
    ok(ByDayResponse { items })
}
