//! `/mock/world`: the simulated company as a bot's operator needs it, credentials and live callback URLs included.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::WithState;

/// Customers listed in `/mock/world`; a generated population is summarised by its count.
const WORLD_CUSTOMERS: usize = 100;

pub(super) async fn world(State(st): WithState) -> Json<Value> {
    let sim = st.sim();
    let w = &sim.world;
    let corps: Vec<Value> = w
        .corps
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let mut accounts: Vec<(u64, Value)> = sim
                .store
                .kf
                .accounts
                .iter()
                .filter(|a| a.key().0 == ci)
                .map(|a| {
                    let servicers: Vec<&str> = a.servicers.iter().map(|(u, _)| u.as_str()).collect();
                    (a.order, json!({"open_kfid": a.key().1, "name": a.name, "servicers": servicers}))
                })
                .collect();
            accounts.sort_by_key(|(order, _)| *order);
            let kf = c.kf.as_ref().map(|k| {
                json!({"agentid": k.agentid, "accounts": accounts.into_iter().map(|(_, a)| a).collect::<Vec<_>>()})
            });
            let customers: Vec<Value> = c.customers.iter().take(WORLD_CUSTOMERS).map(|x| json!({
                "external_userid": x.external_userid,
                "name": x.name,
                "type": x.kind,
                "follow": x.follow.iter().map(|&u| c.member(u).userid.as_str()).collect::<Vec<_>>(),
            })).collect();
            json!({
                "kf": kf,
                "n_customers": c.customers.len(),
                "customers": customers,
                "corpid": c.corpid,
                "name": c.name,
                "apps": c.apps.iter().map(|a| json!({
                    "agentid": a.agentid,
                    "name": a.name,
                    "secret": a.secret,
                    "callback": a.callback.as_ref().map(|cb| live_callback(&st, (ci, a.agentid), cb)),
                    "trusted_ips": st.trusted_ips.get(ci, a.agentid),
                })).collect::<Vec<_>>(),
                "contact_sync_secret": c.contact_sync.as_ref().map(|s| &s.secret),
                "contact_sync_callback": c.contact_sync.as_ref().and_then(|s| s.callback.as_ref())
                    .map(|cb| live_callback(&st, (ci, crate::callback::CONTACT_SYNC), cb)),
                "robots": c.robots.iter().map(|r| json!({"key": r.key, "name": r.name})).collect::<Vec<_>>(),
                "departments": c.departments.iter().map(|d| json!({"id": d.id, "name": d.name, "parentid": d.parentid})).collect::<Vec<_>>(),
                "users": c.users.iter().filter(|u| !u.deleted).map(|u| json!({"userid": u.userid, "name": u.name, "department": u.departments})).collect::<Vec<_>>(),
                "tags": c.tags.iter().map(|t| json!({"tagid": t.tagid, "tagname": t.tagname})).collect::<Vec<_>>(),
                "customer_groups": c.groups.iter().map(|g| json!({"chat_id": g.chat_id, "opengid": g.opengid, "name": g.name})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Json(json!({ "seed": w.seed, "corps": corps }))
}

/// A receiver's callback as pushes use it now: `url` is the live one (set at run time or the fixture's),
/// `fixture_url` what the fixture says.
fn live_callback(st: &crate::State, receiver: (usize, i64), cb: &crate::world::Callback) -> Value {
    json!({
        "url": st.callbacks.url(st, receiver),
        "fixture_url": cb.url,
        "token": cb.token,
        "encoding_aes_key": cb.encoding_aes_key,
    })
}
