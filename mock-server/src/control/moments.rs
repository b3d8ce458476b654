//! 客户朋友圈's people: a member publishes a moment the corp asked for (its audience: their customers, those with
//! one of the moment's tags if it has any), and a customer it reached likes or comments on it.

use axum::extract::State;
use axum::Json;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    bad_request, body, corp_index, not_found, PathParams, QueryString, Refused, WithState,
};

#[derive(Deserialize)]
pub struct CorpQuery {
    corpid: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Publish {
    userid: String,
}

/// `POST /mock/moments/{moment_id}/publish {"userid"}`: the member publishes it (once; not after a cancel).
pub async fn publish(
    State(st): WithState,
    PathParams(moment_id): PathParams<String>,
    QueryString(q): QueryString<CorpQuery>,
    bytes: Bytes,
) -> Result<Json<Value>, Refused> {
    let Publish { userid } = body(&bytes)?;
    let sim = st.sim();
    let corp = corp_index(&sim, q.corpid.as_deref())?;
    let c = &sim.world.corps[corp];
    let u = c
        .user_index(&userid)
        .ok_or_else(|| bad_request(format!("no member {userid:?}")))?;
    let mut m = sim
        .store
        .moments
        .moments
        .get_mut(&(corp, moment_id.clone()))
        .ok_or_else(|| not_found(format!("no moment {moment_id}")))?;
    if !m.senders.contains(&u) {
        return Err(bad_request(format!(
            "{userid} was not asked to publish {moment_id}"
        )));
    }
    if m.cancelled {
        return Err(bad_request(format!("{moment_id} was cancelled")));
    }
    if m.published.contains_key(&u) {
        return Err(bad_request(format!(
            "{userid} has published {moment_id} already"
        )));
    }
    let customers = sim.store.contacts.customers_of(corp, u);
    let tagged = |i: usize| {
        m.tags.is_empty()
            || sim
                .store
                .contacts
                .follow(corp, i, u)
                .is_some_and(|f| f.tags.iter().any(|t| m.tags.contains(t)))
    };
    let audience: Vec<usize> = customers.into_iter().filter(|&i| tagged(i)).collect();
    let n_customers = audience.len();
    m.published.insert(u, audience);
    Ok(Json(
        json!({ "moment_id": moment_id, "userid": c.member(u).userid, "n_customers": n_customers }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct React {
    customer: String,
    /// The member whose publication it is.
    userid: String,
    #[serde(default)]
    like: bool,
    #[serde(default)]
    comment: Option<String>,
}

/// `POST /mock/moments/{moment_id}/react {"customer", "userid", "like": true | "comment": "…"}`: a customer the
/// member's publication reached likes it or comments on it.
pub async fn react(
    State(st): WithState,
    PathParams(moment_id): PathParams<String>,
    QueryString(q): QueryString<CorpQuery>,
    bytes: Bytes,
) -> Result<Json<Value>, Refused> {
    let r: React = body(&bytes)?;
    if r.like == r.comment.is_some() {
        return Err(bad_request("either \"like\": true or a \"comment\""));
    }
    let sim = st.sim();
    let corp = corp_index(&sim, q.corpid.as_deref())?;
    let c = &sim.world.corps[corp];
    let u = c
        .user_index(&r.userid)
        .ok_or_else(|| bad_request(format!("no member {:?}", r.userid)))?;
    let i = c
        .customer_index(&r.customer)
        .ok_or_else(|| bad_request(format!("no customer {:?}", r.customer)))?;
    let mut m = sim
        .store
        .moments
        .moments
        .get_mut(&(corp, moment_id.clone()))
        .ok_or_else(|| not_found(format!("no moment {moment_id}")))?;
    if !m.published.get(&u).is_some_and(|a| a.contains(&i)) {
        return Err(bad_request(format!(
            "{}'s publication did not reach {}",
            r.userid, r.customer
        )));
    }
    let now_s = st.clock.now_s();
    match r.comment {
        Some(text) => m.comments.push((i, u, now_s, text)),
        None => m.likes.push((i, u, now_s)),
    }
    Ok(Json(json!({ "moment_id": moment_id })))
}
