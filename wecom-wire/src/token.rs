//! `gettoken`: the one call that opens everything else.

use serde::{Deserialize, Serialize};

/// WeCom's fixed token lifetime; SDKs cache for exactly this long.
pub const TOKEN_TTL_S: i64 = 7200;

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct GettokenResponse {
    pub access_token: String,
    pub expires_in: i64,
}
