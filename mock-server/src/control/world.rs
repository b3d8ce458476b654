//! `/mock/world`: the simulated company as a bot's operator needs it, credentials and live callback URLs included.
//! The answer's types are `wecom_wire::mock::control`'s, which loadgen reads.

use axum::extract::State;
use axum::Json;
use wecom_wire::mock::control as wire;

use super::WithState;

/// Customers listed in `/mock/world`; a generated population is summarised by its count.
const WORLD_CUSTOMERS: usize = 100;

pub(super) async fn world(State(st): WithState) -> Json<wire::World> {
    Json(answer(&st))
}

/// `/mock/world`'s answer, also [`crate::State::world_view`].
pub(crate) fn answer(st: &crate::State) -> wire::World {
    let sim = st.sim();
    let corps = sim
        .world
        .corps
        .iter()
        .enumerate()
        .map(|(ci, c)| corp(st, &sim, ci, c))
        .collect();
    wire::World {
        corps,
        seed: sim.world.seed,
    }
}

fn corp(
    st: &crate::State,
    sim: &crate::state::Sim,
    ci: usize,
    c: &crate::world::Corp,
) -> wire::Corp {
    let kf = kf(sim, ci, c);
    let customers = customers(c);
    let apps = apps(st, ci, c);
    let contact_sync_callback = c
        .contact_sync
        .as_ref()
        .and_then(|s| s.callback.as_ref())
        .map(|cb| live_callback(st, (ci, crate::callback::CONTACT_SYNC), cb));
    wire::Corp {
        aibots: aibots(st, ci, c),
        apps,
        contact_sync_callback,
        contact_sync_secret: c.contact_sync.as_ref().map(|s| s.secret.clone()),
        corpid: c.corpid.clone(),
        customer_groups: c
            .groups
            .iter()
            .map(|g| wire::CustomerGroup {
                chat_id: g.chat_id.clone(),
                name: g.name.clone(),
                opengid: g.opengid.clone(),
            })
            .collect(),
        customers,
        departments: c
            .departments
            .iter()
            .map(|d| wire::Department {
                id: d.id,
                name: d.name.clone(),
                parentid: d.parentid,
            })
            .collect(),
        kf,
        n_customers: c.customers.len(),
        name: c.name.clone(),
        robots: c
            .robots
            .iter()
            .map(|r| wire::Robot {
                key: r.key.clone(),
                name: r.name.clone(),
            })
            .collect(),
        tags: c
            .tags
            .iter()
            .map(|t| wire::Tag {
                tagid: t.tagid,
                tagname: t.tagname.clone(),
            })
            .collect(),
        users: c
            .users
            .iter()
            .filter(|u| !u.deleted)
            .map(|u| wire::Member {
                department: u.departments.clone(),
                name: u.name.clone(),
                userid: u.userid.clone(),
            })
            .collect(),
    }
}

/// The corp's apps with their live callbacks and trusted IPs.
fn apps(st: &crate::State, ci: usize, c: &crate::world::Corp) -> Vec<wire::App> {
    c.apps
        .iter()
        .map(|a| wire::App {
            agentid: a.agentid,
            callback: a
                .callback
                .as_ref()
                .map(|cb| live_callback(st, (ci, a.agentid), cb)),
            name: a.name.clone(),
            secret: a.secret.clone(),
            trusted_ips: st.trusted_ips.get(ci, a.agentid),
        })
        .collect()
}

/// The corp's kf accounts in their order, with their servicers.
fn kf(sim: &crate::state::Sim, ci: usize, c: &crate::world::Corp) -> Option<wire::Kf> {
    let mut accounts: Vec<(u64, wire::KfAccount)> = sim
        .store
        .kf
        .accounts
        .iter()
        .filter(|a| a.key().0 == ci)
        .map(|a| {
            let servicers = a.servicers.iter().map(|(u, _)| u.clone()).collect();
            let account = wire::KfAccount {
                name: a.name.clone(),
                open_kfid: a.key().1.clone(),
                servicers,
            };
            (a.order, account)
        })
        .collect();
    accounts.sort_by_key(|(order, _)| *order);
    c.kf.as_ref().map(|k| wire::Kf {
        accounts: accounts.into_iter().map(|(_, a)| a).collect(),
        agentid: k.agentid,
    })
}

/// The first [`WORLD_CUSTOMERS`] customers, with whom they follow.
fn customers(c: &crate::world::Corp) -> Vec<wire::Customer> {
    c.customers
        .iter()
        .take(WORLD_CUSTOMERS)
        .map(|x| wire::Customer {
            external_userid: x.external_userid.clone(),
            follow: x
                .follow
                .iter()
                .map(|&u| c.member(u).userid.clone())
                .collect(),
            name: x.name.clone(),
            kind: x.kind,
        })
        .collect()
}

fn aibots(st: &crate::State, ci: usize, c: &crate::world::Corp) -> Vec<wire::AiBot> {
    c.aibots
        .iter()
        .enumerate()
        .map(|(bi, b)| wire::AiBot {
            botid: b.botid.clone(),
            callback: b
                .callback
                .as_ref()
                .map(|cb| live_callback(st, crate::callback::aibot_receiver((ci, bi)), cb)),
            members: b
                .members
                .as_ref()
                .map(|m| m.iter().map(|&u| c.member(u).userid.clone()).collect()),
            name: b.name.clone(),
            secret: b.secret.clone(),
        })
        .collect()
}

/// A receiver's callback as pushes use it now: `url` is the live one (set at run time or the fixture's),
/// `fixture_url` what the fixture says.
fn live_callback(
    st: &crate::State,
    receiver: (usize, i64),
    cb: &crate::world::Callback,
) -> wire::Callback {
    wire::Callback {
        encoding_aes_key: cb.encoding_aes_key.clone(),
        fixture_url: cb.url.clone(),
        token: cb.token.clone(),
        url: st.callbacks.url(st, receiver),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// The answer as it was built before it had types (`json!`, whose objects are sorted maps): the typed one
    /// must serialize to the same bytes.
    fn answer_as_json(st: &crate::State) -> Value {
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
                let aibots: Vec<Value> = c.aibots.iter().map(|b| json!({
                    "botid": b.botid,
                    "name": b.name,
                    "secret": b.secret,
                    "members": b.members.as_ref().map(|m| m.iter().map(|&u| c.member(u).userid.as_str()).collect::<Vec<_>>()),
                    "callback": b.callback.as_ref().map(|cb| json!({
                        "url": cb.url, "fixture_url": cb.url, "token": cb.token, "encoding_aes_key": cb.encoding_aes_key,
                    })),
                })).collect();
                json!({
                    "aibots": aibots,
                    "kf": kf,
                    "n_customers": c.customers.len(),
                    "customers": customers,
                    "corpid": c.corpid,
                    "name": c.name,
                    "apps": c.apps.iter().map(|a| json!({
                        "agentid": a.agentid,
                        "name": a.name,
                        "secret": a.secret,
                        "callback": a.callback.as_ref().map(|cb| live_callback_as_json(st, (ci, a.agentid), cb)),
                        "trusted_ips": st.trusted_ips.get(ci, a.agentid),
                    })).collect::<Vec<_>>(),
                    "contact_sync_secret": c.contact_sync.as_ref().map(|s| &s.secret),
                    "contact_sync_callback": c.contact_sync.as_ref().and_then(|s| s.callback.as_ref())
                        .map(|cb| live_callback_as_json(st, (ci, crate::callback::CONTACT_SYNC), cb)),
                    "robots": c.robots.iter().map(|r| json!({"key": r.key, "name": r.name})).collect::<Vec<_>>(),
                    "departments": c.departments.iter().map(|d| json!({"id": d.id, "name": d.name, "parentid": d.parentid})).collect::<Vec<_>>(),
                    "users": c.users.iter().filter(|u| !u.deleted).map(|u| json!({"userid": u.userid, "name": u.name, "department": u.departments})).collect::<Vec<_>>(),
                    "tags": c.tags.iter().map(|t| json!({"tagid": t.tagid, "tagname": t.tagname})).collect::<Vec<_>>(),
                    "customer_groups": c.groups.iter().map(|g| json!({"chat_id": g.chat_id, "opengid": g.opengid, "name": g.name})).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({ "seed": w.seed, "corps": corps })
    }

    fn live_callback_as_json(
        st: &crate::State,
        receiver: (usize, i64),
        cb: &crate::world::Callback,
    ) -> Value {
        json!({
            "url": st.callbacks.url(st, receiver),
            "fixture_url": cb.url,
            "token": cb.token,
            "encoding_aes_key": cb.encoding_aes_key,
        })
    }

    fn same_bytes(st: &crate::State) {
        let typed = serde_json::to_string(&answer(st)).unwrap();
        let before = answer_as_json(st).to_string();
        assert_eq!(typed, before);
    }

    #[test]
    fn the_typed_answer_is_the_json_one_byte_for_byte() {
        let st = crate::State::demo(crate::state::Config::default()).unwrap();
        same_bytes(&st);
        // A callback URL set at run time and trusted IPs: the live values, in their places.
        let sim = st.sim();
        let c = &sim.world.corps[0];
        let app = c.apps.iter().find(|a| a.callback.is_some()).unwrap();
        st.callbacks
            .set_url((0, app.agentid), "http://127.0.0.1:1/cb".into());
        let net = crate::trusted::parse("10.0.0.0/8").unwrap();
        st.trusted_ips.set(0, app.agentid, vec![net]);
        same_bytes(&st);
        let world = serde_json::to_value(answer(&st)).unwrap();
        assert!(world.to_string().contains("http://127.0.0.1:1/cb"));
        assert!(world.to_string().contains("10.0.0.0/8"));
    }

    #[test]
    fn a_large_world_lists_its_first_customers_and_counts_all() {
        let (world, fixture) = crate::world::World::demo_with_customers(250).unwrap();
        let st = crate::State::new(world, &fixture, crate::state::Config::default()).unwrap();
        same_bytes(&st);
        let w = answer(&st);
        assert_eq!(w.corps[0].customers.len(), WORLD_CUSTOMERS);
        assert!(w.corps[0].n_customers > WORLD_CUSTOMERS);
    }
}
