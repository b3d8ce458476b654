//! Customer continuity: `transfer_customer` (在职继承), `resigned/transfer_customer` (离职继承), their results,
//! and `get_unassigned_list`.

use serde::{Deserialize, Serialize};

use crate::lenient;

/// Customers per transfer call [U: believed 100].
pub const MAX_PER_TRANSFER: usize = 100;
/// `get_unassigned_list` `page_size`: at most 1000.
pub const UNASSIGNED_PAGE_MAX: usize = 1000;
/// `transfer_result` pages [U].
pub const RESULT_PAGE: usize = 1000;

#[derive(Debug, Default, Deserialize)]
pub struct TransferRequest {
    #[serde(default)]
    pub handover_userid: Option<String>,
    #[serde(default)]
    pub takeover_userid: Option<String>,
    #[serde(default)]
    pub external_userid: Vec<String>,
    #[serde(default)]
    pub transfer_success_msg: Option<String>,
    /// `transfer_result` only.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// The legacy `externalcontact/transfer` (分配在职或离职成员的客户, replaced by the two above and no longer
/// maintained, still answered): one customer, its outcome as the call's errcode.
#[derive(Debug, Default, Deserialize)]
pub struct LegacyTransferRequest {
    #[serde(default)]
    pub external_userid: Option<String>,
    #[serde(default)]
    pub handover_userid: Option<String>,
    #[serde(default)]
    pub takeover_userid: Option<String>,
    #[serde(default)]
    pub transfer_success_msg: Option<String>,
}

impl From<LegacyTransferRequest> for TransferRequest {
    fn from(r: LegacyTransferRequest) -> TransferRequest {
        TransferRequest {
            handover_userid: r.handover_userid,
            takeover_userid: r.takeover_userid,
            external_userid: r.external_userid.into_iter().collect(),
            transfer_success_msg: r.transfer_success_msg,
            cursor: None,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct CustomerErrcode {
    pub external_userid: String,
    pub errcode: i64,
}

#[derive(Debug, Serialize)]
pub struct TransferResponse {
    pub customer: Vec<CustomerErrcode>,
}

#[derive(Debug, Serialize)]
pub struct CustomerStatus {
    pub external_userid: String,
    /// 1 done, 2 waiting, 3 refused, 4 taker at the limit, 5 no record.
    pub status: i64,
    /// When the customer is (or was) taken over.
    pub takeover_time: i64,
}

#[derive(Debug, Serialize)]
pub struct ResultResponse {
    pub customer: Vec<CustomerStatus>,
    pub next_cursor: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct UnassignedRequest {
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub page_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub page_size: Option<i64>,
    #[serde(default)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Unassigned {
    pub handover_userid: String,
    pub external_userid: String,
    pub dimission_time: i64,
}

#[derive(Debug, Serialize)]
pub struct UnassignedResponse {
    pub info: Vec<Unassigned>,
    /// A bool here, unlike `has_more` elsewhere.
    pub is_last: bool,
    pub next_cursor: String,
}
