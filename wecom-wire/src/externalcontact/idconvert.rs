//! Id conversions around customers and customer groups: `opengid_to_chatid` (a mini program's group id),
//! `unionid_to_external_userid` (both the older `externalcontact/` path and `idconvert/`), and
//! `get_new_external_userid`.

use serde::{Deserialize, Serialize};

use crate::lenient;

/// `get_new_external_userid`: at most 1000 ids per call.
pub const MAX_NEW_IDS: usize = 1000;

#[derive(Debug, Default, Deserialize)]
pub struct OpengidRequest {
    #[serde(default)]
    pub opengid: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct OpengidResponse {
    pub chat_id: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct UnionidRequest {
    #[serde(default)]
    pub unionid: Option<String>,
    #[serde(default)]
    pub openid: Option<String>,
    /// `idconvert/` only: 0 a corp's or service provider's mini program / official account, 1 …
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub subject_type: Option<i64>,
}

/// The older `externalcontact/unionid_to_external_userid`.
#[derive(Debug, Serialize)]
pub struct UnionidResponse {
    pub external_userid: String,
}

/// `idconvert/unionid_to_external_userid`: the customer's id, or, for a WeChat user who is not yet a customer,
/// a `pending_id` (valid 90 days) to match them with once they become one.
#[derive(Debug, Serialize)]
pub struct IdconvertResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_userid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct NewIdsRequest {
    #[serde(default)]
    pub external_userid_list: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct NewId {
    pub external_userid: String,
    pub new_external_userid: String,
}

#[derive(Debug, Serialize)]
pub struct NewIdsResponse {
    pub items: Vec<NewId>,
}
