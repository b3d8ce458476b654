//! 「加入群聊」 ways: `groupchat/{add,get,update,del}_join_way`. A way names one to five customer groups; a
//! customer who scans it (control API `POST /mock/join_ways/{config_id}/scan`) joins the first of them they are
//! not in, carrying the way's `state` into `groupchat/get`. An app sees and changes only the ways it made.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::envelope::Empty;
use wecom_wire::externalcontact::groupchat::{
    AddJoinWayResponse, GetJoinWayResponse, JoinWay, JoinWayId,
};
use wecom_wire::{Errcode, WireError};

use super::contacts_caller;
use crate::api::{json, ok, own_base, ApiError, ApiResult, Caller, Params, RawBody};
use crate::state::{Sim, State as Shared};
use crate::store::templates::StoredJoinWay;

fn unknown_way() -> ApiError {
    WireError::invalid_field("config_id").into()
}

/// Every chat a way names must be one of the corp's customer groups (90501).
fn check_chats(sim: &Sim, who: Caller, way: &JoinWay) -> Result<(), ApiError> {
    let groups = sim.store.groups.corps[who.corp].lock();
    match way
        .chat_id_list
        .iter()
        .find(|c| !groups.iter().any(|g| &g.chat_id == *c))
    {
        Some(c) => Err(WireError::with_detail(
            Errcode::NOT_CUSTOMER_GROUP,
            format!("{c}: {}", Errcode::NOT_CUSTOMER_GROUP.text()),
        )
        .into()),
        None => Ok(()),
    }
}

/// The caller's own way (another app's is as good as unknown to it).
fn own_way(sim: &Sim, who: Caller, config_id: &str) -> Result<StoredJoinWay, ApiError> {
    sim.store
        .templates
        .join_ways
        .get(&(who.corp, config_id.to_owned()))
        .filter(|w| w.agentid == who.agentid)
        .map(|w| w.clone())
        .ok_or_else(unknown_way)
}

pub async fn add(
    State(st): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let mut way: JoinWay = json(&body)?;
    way.check()?;
    let sim = st.sim();
    check_chats(&sim, who, &way)?;
    way.config_id = st.ids.config_id();
    // The QR code points back at the mock, like every URL it hands out.
    way.qr_code = if way.scene == 2 {
        format!("{}/wwpic/join_way_{}", own_base(&headers), way.config_id)
    } else {
        String::new()
    };
    let config_id = way.config_id.clone();
    sim.store.templates.join_ways.insert(
        (who.corp, config_id.clone()),
        StoredJoinWay {
            way,
            agentid: who.agentid,
        },
    );
    ok(AddJoinWayResponse { config_id })
}

pub async fn get(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: JoinWayId = json(&body)?;
    let sim = st.sim();
    let stored = own_way(&sim, who, req.config_id.as_deref().unwrap_or_default())?;
    ok(GetJoinWayResponse {
        join_way: stored.way,
    })
}

/// The whole way is sent again (the doc's update takes the same fields as add); its QR code stays.
pub async fn update(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let mut way: JoinWay = json(&body)?;
    let sim = st.sim();
    let old = own_way(&sim, who, &way.config_id)?;
    way.check()?;
    check_chats(&sim, who, &way)?;
    way.qr_code = old.way.qr_code;
    sim.store.templates.join_ways.insert(
        (who.corp, way.config_id.clone()),
        StoredJoinWay {
            way,
            agentid: who.agentid,
        },
    );
    ok(Empty {})
}

pub async fn del(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: JoinWayId = json(&body)?;
    let sim = st.sim();
    let config_id = req.config_id.unwrap_or_default();
    own_way(&sim, who, &config_id)?;
    sim.store.templates.join_ways.remove(&(who.corp, config_id));
    ok(Empty {})
}
