//! The values of a plan's data pools: a list of its own, or what the target's world holds (its customers paged
//! through `/mock/customers`, the rest from `/mock/world`'s first corp).

use serde_json::Value;

use super::{get_json, TargetError};
use crate::http::{Base, Conn};
use crate::scenario::plan::{Plan, Source, WorldPool};
use wecom_wire::mock::control::{Corp, CustomerPage};

/// Customer ids fetched per `GET /mock/customers` page.
const CUSTOMER_PAGE: usize = 10_000;
const MAX_CUSTOMERS: usize = 10_000_000;

/// The values of each of the plan's data pools, those from the world read from it.
pub(super) async fn pools(
    plan: &Plan,
    corp: &Corp,
    conn: &mut Conn,
    base: &Base,
) -> Result<Vec<Vec<Value>>, TargetError> {
    let mut pools = Vec::new();
    for p in &plan.pools {
        pools.push(match &p.source {
            Source::Values(v) => v.clone(),
            Source::World(w) => match w {
                WorldPool::Customers => customers(conn, base).await?,
                WorldPool::Members => corp
                    .users
                    .iter()
                    .map(|u| Value::from(u.userid.clone()))
                    .collect(),
                WorldPool::KfAccounts => corp
                    .kf
                    .iter()
                    .flat_map(|k| &k.accounts)
                    .map(|a| Value::from(a.open_kfid.clone()))
                    .collect(),
                WorldPool::Robots => corp
                    .robots
                    .iter()
                    .map(|r| Value::from(r.key.clone()))
                    .collect(),
                WorldPool::Apps => corp.apps.iter().map(|a| Value::from(a.agentid)).collect(),
                WorldPool::Aibots => corp
                    .aibots
                    .iter()
                    .map(|b| Value::from(b.botid.clone()))
                    .collect(),
            },
        });
        if pools.last().is_some_and(Vec::is_empty) {
            return Err(TargetError::Fixture(format!(
                "data {:?}: the world has none",
                p.name
            )));
        }
    }
    Ok(pools)
}

async fn customers(conn: &mut Conn, base: &Base) -> Result<Vec<Value>, TargetError> {
    let mut all = Vec::new();
    loop {
        let path = format!("/mock/customers?offset={}&limit={CUSTOMER_PAGE}", all.len());
        let page: CustomerPage = get_json(conn, base, &path).await?;
        let done =
            page.customers.is_empty() || all.len() + page.customers.len() >= page.n_customers;
        all.extend(page.customers.into_iter().map(Value::from));
        if done {
            return Ok(all);
        }
        // The mock generates at most a million; a target that keeps paging past ten is not one.
        if all.len() > MAX_CUSTOMERS {
            return Err(TargetError::Garbage {
                url: base.url(),
                what: format!("more than {MAX_CUSTOMERS} customers"),
            });
        }
    }
}
