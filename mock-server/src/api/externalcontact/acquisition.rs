//! 获客助手: `customer_acquisition/{list_link,get,create_link,update_link,delete_link,customer,statistic}` and
//! `customer_acquisition_quota`. A link is the app's own (others see it as unknown); a customer who opens one
//! (control API) is added to one of its members, so `customer` lists whom it brought.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::envelope::Empty;
use wecom_wire::externalcontact::acquisition::{
    too_many_links, unknown_link, AcquiredCustomer, CustomerResponse, GetResponse, LinkId,
    LinkInfo, LinkRequest, LinkResponse, ListResponse, Page, QuotaItem, QuotaResponse, Range,
    StatisticRequest, StatisticResponse, CUSTOMER_LIMIT_MAX, LIST_LINK_LIMIT_MAX, MAX_LINKS,
};
use wecom_wire::{Errcode, WireError};

use super::{contacts_caller, member};
use crate::api::{json, ok, paging, ApiError, ApiResult, Caller, Params, RawBody};
use crate::state::{Sim, State as Shared};
use crate::store::acquisition::AcqLink;
use crate::store::links::{Link, WORK_HOST};

/// Customers a corp may acquire through links [U: WeCom sells the quota; the mock gives every corp this much,
/// valid a year ahead].
pub const QUOTA_TOTAL: i64 = 10_000;

/// Members and departments of a range must exist.
fn check_range(sim: &Sim, who: Caller, r: &Range) -> Result<(), ApiError> {
    let corp = &sim.world.corps[who.corp];
    for u in &r.user_list {
        member(corp, Some(u))?;
    }
    if let Some(p) = r
        .department_list
        .iter()
        .find(|p| corp.department(**p).is_none())
    {
        return Err(
            WireError::with_detail(Errcode::INVALID_PARTY, format!("invalid party {p}")).into(),
        );
    }
    Ok(())
}

/// A link of the caller's own app.
fn own_link(sim: &Sim, who: Caller, link_id: Option<&str>) -> Result<(String, AcqLink), ApiError> {
    let id = link_id
        .filter(|l| !l.is_empty())
        .ok_or_else(|| WireError::missing("link_id"))?;
    sim.store
        .acquisition
        .links
        .get(&(who.corp, id.to_owned()))
        .filter(|l| l.agentid == who.agentid)
        .map(|l| (id.to_owned(), l.clone()))
        .ok_or_else(|| unknown_link().into())
}

fn info(id: &str, l: &AcqLink) -> LinkInfo {
    LinkInfo {
        link_id: id.to_owned(),
        link_name: l.name.clone(),
        url: l.url.clone(),
        create_time: l.create_time,
        skip_verify: l.skip_verify,
    }
}

/// A cursor and limit, the limit defaulting to its most (as these lists do): the position to start from
/// and how many.
pub(super) fn page(
    st: &Shared,
    cursor: Option<&str>,
    limit: Option<i64>,
    max: i64,
) -> Result<(usize, usize), ApiError> {
    let max = max.max(1) as usize;
    paging::page(st, cursor, limit, (max, max))
}

pub async fn list_link(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: Page = if body.is_empty() {
        Page::default()
    } else {
        json(&body)?
    };
    let (from, limit) = page(&st, req.cursor.as_deref(), req.limit, LIST_LINK_LIMIT_MAX)?;
    let all = st.sim().store.acquisition.ids_of(who.corp, who.agentid);
    let link_id_list: Vec<String> = all.iter().skip(from).take(limit).cloned().collect();
    let next = from + link_id_list.len();
    ok(ListResponse {
        link_id_list,
        next_cursor: paging::next_cursor(&st, next, all.len()),
    })
}

pub async fn get(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: LinkId = json(&body)?;
    let (id, l) = own_link(&st.sim(), who, req.link_id.as_deref())?;
    let mut link = info(&id, &l);
    // The doc's `get` answer has no link_id inside `link`.
    link.link_id.clear();
    ok(GetResponse {
        link,
        range: l.range,
        priority_option: l.priority,
    })
}

pub async fn create_link(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: LinkRequest = json(&body)?;
    req.check(true)?;
    let sim = st.sim();
    let range = req.range.unwrap_or_default();
    check_range(&sim, who, &range)?;
    let acq = &sim.store.acquisition;
    let _one_at_a_time = acq.create_lock.lock();
    if acq.n_links(who.corp) >= MAX_LINKS {
        return Err(too_many_links().into());
    }
    let id = format!("cawcde{}", st.ids.hex(12));
    let l = AcqLink {
        agentid: who.agentid,
        name: req.link_name.unwrap_or_default(),
        url: format!("{WORK_HOST}/ca/{id}"),
        create_time: st.clock.now_s(),
        skip_verify: req.skip_verify.unwrap_or(true),
        range,
        priority: req.priority_option.unwrap_or_default(),
        order: acq.next_order(),
    };
    let link = info(&id, &l);
    sim.store.links.add(
        &l.url,
        Link::Acquisition {
            corp: who.corp,
            link_id: id.clone(),
        },
    );
    acq.links.insert((who.corp, id), l);
    ok(LinkResponse { link })
}

pub async fn update_link(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: LinkRequest = json(&body)?;
    req.check(false)?;
    let sim = st.sim();
    let (id, _) = own_link(&sim, who, req.link_id.as_deref())?;
    if let Some(r) = &req.range {
        check_range(&sim, who, r)?;
    }
    if let Some(mut l) = sim.store.acquisition.links.get_mut(&(who.corp, id)) {
        if let Some(n) = req.link_name {
            l.name = n;
        }
        if let Some(r) = req.range {
            l.range = r;
        }
        if let Some(v) = req.skip_verify {
            l.skip_verify = v;
        }
        if let Some(p) = req.priority_option {
            l.priority = p;
        }
    }
    ok(Empty {})
}

pub async fn delete_link(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: LinkId = json(&body)?;
    let sim = st.sim();
    let (id, _) = own_link(&sim, who, req.link_id.as_deref())?;
    sim.store.acquisition.links.remove(&(who.corp, id.clone()));
    let gone = Link::Acquisition {
        corp: who.corp,
        link_id: id,
    };
    sim.store.links.remove_where(|l| *l == gone);
    ok(Empty {})
}

pub async fn customer(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: Page = json(&body)?;
    let sim = st.sim();
    let (id, _) = own_link(&sim, who, req.link_id.as_deref())?;
    let (from, limit) = page(&st, req.cursor.as_deref(), req.limit, CUSTOMER_LIMIT_MAX)?;
    let corp = &sim.world.corps[who.corp];
    let brought = sim
        .store
        .acquisition
        .brought
        .get(&(who.corp, id))
        .map(|b| b.clone())
        .unwrap_or_default();
    let customer_list: Vec<AcquiredCustomer> = brought
        .iter()
        .skip(from)
        .take(limit)
        .map(|a| AcquiredCustomer {
            external_userid: corp.customers.external_userid(a.customer).into_owned(),
            userid: corp.member(a.user).userid.clone(),
            // The mock does not follow who wrote to whom after adding [U]: "not written yet".
            chat_status: 0,
            state: a.state.clone(),
        })
        .collect();
    let next = from + customer_list.len();
    ok(CustomerResponse {
        customer_list,
        next_cursor: paging::next_cursor(&st, next, brought.len()),
    })
}

/// GET (wechatpy-style, no body) or POST.
pub async fn quota(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let used = st.sim().store.acquisition.n_brought(who.corp) as i64;
    let balance = (QUOTA_TOTAL - used).max(0);
    // A year from today's midnight (UTC), so the answer does not drift within a day.
    let expire_date = st.clock.now_s().div_euclid(86_400) * 86_400 + 365 * 86_400;
    ok(QuotaResponse {
        total: QUOTA_TOTAL,
        balance,
        quota_list: vec![QuotaItem {
            expire_date,
            balance,
        }],
    })
}

pub async fn statistic(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: StatisticRequest = json(&body)?;
    let (start, end) = req.window()?;
    let sim = st.sim();
    let (id, _) = own_link(&sim, who, req.link_id.as_deref())?;
    let key = (who.corp, id);
    let within = |t: i64| (start..=end).contains(&t);
    let mut clicked: Vec<usize> = sim
        .store
        .acquisition
        .clicks
        .get(&key)
        .map(|c| {
            c.iter()
                .filter(|(_, t)| within(*t))
                .map(|(c, _)| *c)
                .collect()
        })
        .unwrap_or_default();
    clicked.sort_unstable();
    clicked.dedup();
    let new_customer_cnt = sim
        .store
        .acquisition
        .brought
        .get(&key)
        .map_or(0, |b| b.iter().filter(|a| within(a.time_s)).count());
    ok(StatisticResponse {
        click_link_customer_cnt: clicked.len() as i64,
        new_customer_cnt: new_customer_cnt as i64,
    })
}
