//! 智能机器人's `aibot/response?response_code=`: the `response_url` a message (or a card event) carried takes one
//! plain JSON answer from the bot, within the hour. No access token: the code is the credential, as a robot's key
//! is for its webhook.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::envelope::Empty;

use super::{json, ok, ApiResult, Params, RawBody};
use crate::state::State as Shared;

pub async fn response(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let code = q.get("response_code").unwrap_or_default();
    let v: serde_json::Value = json(&body)?;
    crate::aibot::response::answer(&st, &code, &v)?;
    ok(Empty {})
}
