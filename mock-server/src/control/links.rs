//! The links the mock hands out in WeCom's shape: `POST /mock/links/resolve` says what one stands for, and
//! `POST /mock/links/open` plays a customer opening it (a kf link enters the session with its scene, a contact
//! way's QR code or a 获客助手 link adds the customer to one of its members). The mock never fetches them.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};
use std::borrow::Cow;

use wecom_wire::externalcontact::acquisition::{channel_state, ADD_WAY_ACQUISITION};

use super::{bad_request, body, not_found, Refused, WithState};
use crate::api::own_base;
use crate::state::Sim;
use crate::store::acquisition::Acquired;
use crate::store::links::Link;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Resolve {
    url: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Open {
    url: String,
    /// The customer's external_userid.
    customer: String,
}

fn lookup(sim: &Sim, url: &str) -> Result<Link, Refused> {
    sim.store
        .links
        .resolve(url)
        .ok_or_else(|| not_found(format!("the mock handed out no link {url:?}")))
}

/// A parameter appended to the link (`scene_param`, `customer_channel`), percent-decoded.
fn param<'u>(url: &'u str, key: &str) -> Option<Cow<'u, str>> {
    let (_, query) = url.split_once('?')?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// `POST /mock/links/resolve {"url"}`: what the link is (`kind` kf_contact_way, contact_way, image or
/// customer_acquisition) with the ids it names; an image also gets `mock_url`, where the mock serves it.
pub async fn resolve(
    State(st): WithState,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Json<Value>, Refused> {
    let Resolve { url } = body(&bytes)?;
    let sim = st.sim();
    let link = lookup(&sim, &url)?;
    Ok(Json(describe(&sim, &url, link, &own_base(&headers))))
}

/// What a link handed out as `url` stands for, with the ids it names (`kind` kf_contact_way, contact_way, image
/// or customer_acquisition, and the parameters appended to the URL); an image also gets `mock_url`, where the
/// mock at `base` serves it. `/mock/links/resolve` answers this, and so does the web host through the proxy.
pub(crate) fn describe(sim: &Sim, url: &str, link: Link, base: &str) -> Value {
    let corpid = |c: usize| sim.world.corps[c].corpid.clone();
    match link {
        Link::Kf {
            corp,
            open_kfid,
            scene,
        } => json!({
            "kind": "kf_contact_way", "corpid": corpid(corp), "open_kfid": open_kfid, "scene": scene,
            "scene_param": param(url, "scene_param"),
        }),
        Link::ContactWay { corp, config_id } => json!({
            "kind": "contact_way", "corpid": corpid(corp), "config_id": config_id,
            "exists": sim.store.contacts.ways.contains_key(&(corp, config_id.clone())),
        }),
        Link::Image { id } => json!({
            "kind": "image", "id": id, "mock_url": format!("{base}/wwpic/{id}"),
        }),
        Link::Acquisition { corp, link_id } => json!({
            "kind": "customer_acquisition", "corpid": corpid(corp), "link_id": link_id,
            "customer_channel": param(url, "customer_channel"),
        }),
    }
}

/// `POST /mock/links/open {"url", "customer"}`: the customer opens the link. A kf link: `enter_session` with the
/// link's scene and the `scene_param` appended to it; a contact way: as its `scan`; a 获客助手 link: the
/// customer is added (`add_way` 16, `state` = the `customer_channel` appended) and counted by `statistic`.
pub async fn open(State(st): WithState, bytes: Bytes) -> Result<Json<Value>, Refused> {
    let Open { url, customer } = body(&bytes)?;
    let sim = st.sim();
    let link = lookup(&sim, &url)?;
    let corp = match &link {
        Link::Kf { corp, .. } | Link::ContactWay { corp, .. } | Link::Acquisition { corp, .. } => {
            *corp
        }
        Link::Image { .. } => return Err(bad_request("a picture is not a link a customer opens")),
    };
    let c = &sim.world.corps[corp];
    let i = c
        .customer_index(&customer)
        .ok_or_else(|| bad_request(format!("no customer {customer:?}")))?;
    match link {
        Link::Kf {
            open_kfid, scene, ..
        } => {
            if !sim
                .store
                .kf
                .accounts
                .contains_key(&(corp, open_kfid.clone()))
            {
                return Err(not_found(format!("kf account {open_kfid} is gone")));
            }
            let scene_param = param(&url, "scene_param").unwrap_or_default();
            let entered = super::kf_sessions::enter_session(
                &st,
                &sim,
                (corp, &open_kfid, i),
                &scene,
                &scene_param,
            );
            Ok(Json(entered))
        }
        Link::ContactWay { config_id, .. } => {
            super::contacts::scan_way(&st, &sim, corp, &config_id, i)
        }
        Link::Acquisition { link_id, .. } => open_acquisition(&st, &sim, (corp, i), &link_id, &url),
        Link::Image { .. } => Err(bad_request("a picture is not a link a customer opens")),
    }
}

fn open_acquisition(
    st: &std::sync::Arc<crate::state::State>,
    sim: &Sim,
    (corp, i): (usize, usize),
    link_id: &str,
    url: &str,
) -> Result<Json<Value>, Refused> {
    let key = (corp, link_id.to_owned());
    let l = sim
        .store
        .acquisition
        .links
        .get(&key)
        .map(|l| l.clone())
        .ok_or_else(|| not_found(format!("acquisition link {link_id} is gone")))?;
    let c = &sim.world.corps[corp];
    let now_s = st.clock.now_s();
    // Members the priority option names come first, then the range's.
    let mut members: Vec<usize> = l
        .priority
        .priority_userid_list
        .iter()
        .filter_map(|u| c.user_index(u))
        .collect();
    members.extend(l.range.user_list.iter().filter_map(|u| c.user_index(u)));
    for p in &l.range.department_list {
        members.extend(c.department_members(*p));
    }
    let mut seen = std::collections::HashSet::new();
    members.retain(|u| seen.insert(*u));
    // A customer who already has one of the link's members only clicks: counted, nobody added.
    if let Some(&u) = members
        .iter()
        .find(|&&u| sim.store.contacts.follows(corp, i, u))
    {
        sim.store
            .acquisition
            .clicks
            .entry(key)
            .or_default()
            .push((i, now_s));
        return Ok(Json(
            json!({ "added": false, "userid": c.member(u).userid }),
        ));
    }
    let state = channel_state(&param(url, "customer_channel").unwrap_or_default());
    let added =
        super::contacts::add_to_one_of(st, sim, (corp, i), &members, ADD_WAY_ACQUISITION, &state)?;
    let user = added
        .0
        .get("userid")
        .and_then(Value::as_str)
        .and_then(|u| c.user_index(u));
    sim.store
        .acquisition
        .clicks
        .entry(key.clone())
        .or_default()
        .push((i, now_s));
    if let Some(user) = user {
        let a = Acquired {
            customer: i,
            user,
            state,
            time_s: now_s,
        };
        sim.store
            .acquisition
            .brought
            .entry(key)
            .or_default()
            .push(a);
    }
    Ok(added)
}
