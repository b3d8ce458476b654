//! The plan's data pools, each one a variable the steps may use.

use serde_saphyr::Spanned;
use std::collections::{BTreeMap, BTreeSet};

use super::{at, Fail};
use crate::scenario::plan::*;
use crate::scenario::raw;
use crate::template;

/// Every pool, its name added to the `known` variables.
pub(super) fn pools(
    data: BTreeMap<String, Spanned<raw::Pool>>,
    known: &mut BTreeSet<String>,
) -> Result<Vec<Pool>, Fail> {
    let mut pools = Vec::new();
    for (pname, p) in data {
        pools.push(pool(&pname, p)?);
        known.insert(pname);
    }
    Ok(pools)
}

fn pool(name: &str, p: Spanned<raw::Pool>) -> Result<Pool, Fail> {
    let loc = p.referenced;
    let p = p.value;
    if template::BUILTINS.contains(&name) {
        return at(loc, format!("{name:?} is a built-in variable"));
    }
    let source = match (p.from, p.values) {
        (Some(f), None) => Source::World(match f.value.as_str() {
            "customers" => WorldPool::Customers,
            "members" => WorldPool::Members,
            "kf_accounts" => WorldPool::KfAccounts,
            "robots" => WorldPool::Robots,
            "apps" => WorldPool::Apps,
            "aibots" => WorldPool::Aibots,
            other => {
                return at(
                    f.referenced,
                    format!(
                        "unknown pool {other:?}: customers, members, kf_accounts, robots, apps or aibots"
                    ),
                )
            }
        }),
        (None, Some(v)) if !v.is_empty() => Source::Values(v),
        (None, Some(_)) => return at(loc, format!("data {name:?}: `values` is empty")),
        _ => {
            return at(
                loc,
                format!("data {name:?}: give exactly one of `from` and `values`"),
            )
        }
    };
    let pick = match p.pick.as_ref().map(|s| (s.value.as_str(), s.referenced)) {
        None | Some(("sequential", _)) => Pick::Sequential,
        Some(("random", _)) => Pick::Random,
        Some((other, l)) => return at(l, format!("pick {other:?}: sequential or random")),
    };
    Ok(Pool {
        name: name.to_owned(),
        source,
        pick,
        offset: p.offset,
    })
}
