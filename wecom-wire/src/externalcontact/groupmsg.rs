//! Group sends (群发): `add_msg_template` and what reports on it: `get_groupmsg_list_v2`, `get_groupmsg_task`,
//! `get_groupmsg_send_result`, the older `get_group_msg_result`, and `remind_…` / `cancel_groupmsg_send`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::lenient;

/// `get_groupmsg_list_v2` `limit`: 50 by default, at most 100; task and result lists 500 and 1000 [U].
pub const LIST_LIMIT_DEFAULT: usize = 50;
pub const LIST_LIMIT_MAX: usize = 100;
pub const TASK_LIMIT_DEFAULT: usize = 500;
pub const TASK_LIMIT_MAX: usize = 1000;
/// Customers per `add_msg_template` [U: 10,000].
pub const MAX_TARGETS: usize = 10_000;

/// Task statuses: a member has not sent, or has sent [U values].
pub const TASK_PENDING: i64 = 0;
pub const TASK_SENT: i64 = 2;
/// Result statuses: 0 not sent, 1 sent, 2 not a contact any more, 3 the customer got another group send [U].
pub const RESULT_PENDING: i64 = 0;
pub const RESULT_SENT: i64 = 1;
pub const RESULT_NOT_FRIEND: i64 = 2;

#[derive(Debug, Default, Deserialize)]
pub struct TagFilter {
    #[serde(default)]
    pub group_list: Vec<TagList>,
}

#[derive(Debug, Default, Deserialize)]
pub struct TagList {
    #[serde(default)]
    pub tag_list: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct AddMsgTemplate {
    /// `single` (default) or `group`.
    #[serde(default)]
    pub chat_type: Option<String>,
    #[serde(default)]
    pub external_userid: Vec<String>,
    #[serde(default)]
    pub chat_id_list: Vec<String>,
    #[serde(default)]
    pub tag_filter: Option<TagFilter>,
    #[serde(default)]
    pub sender: Option<String>,
    #[serde(default)]
    pub allow_select: Option<bool>,
    #[serde(default)]
    pub text: Option<Value>,
    #[serde(default)]
    pub attachments: Vec<Value>,
}

#[derive(Debug, Serialize)]
pub struct AddMsgTemplateResponse {
    pub fail_list: Vec<String>,
    pub msgid: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListV2Request {
    #[serde(default)]
    pub chat_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub start_time: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub end_time: Option<i64>,
    #[serde(default)]
    pub creator: Option<String>,
    /// 0 made by the corp, 1 by a member, 2 both (default).
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub filter_type: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub limit: Option<i64>,
    #[serde(default)]
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupMsgInfo {
    pub msgid: String,
    pub creator: String,
    /// A number, as reference §9 has every `create_time` (silenceper and WxJava type it as an integer).
    pub create_time: i64,
    /// 0 made by the corp (the API), 1 by a member.
    pub create_type: i64,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub text: Value,
    pub attachments: Vec<Value>,
}

#[derive(Debug, Serialize)]
pub struct ListV2Response {
    pub group_msg_list: Vec<GroupMsgInfo>,
    pub next_cursor: String,
}

/// `get_groupmsg_task`, `get_groupmsg_send_result`, `get_group_msg_result`, `remind_…`, `cancel_…`.
#[derive(Debug, Default, Deserialize)]
pub struct MsgidRequest {
    #[serde(default)]
    pub msgid: Option<String>,
    #[serde(default)]
    pub userid: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub limit: Option<i64>,
    #[serde(default)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TaskInfo {
    pub userid: String,
    pub status: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_time: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct TaskResponse {
    pub task_list: Vec<TaskInfo>,
    pub next_cursor: String,
}

#[derive(Debug, Serialize)]
pub struct SendInfo {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub external_userid: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub chat_id: String,
    pub userid: String,
    pub status: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_time: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct SendResultResponse {
    pub send_list: Vec<SendInfo>,
    pub next_cursor: String,
}

#[derive(Debug, Serialize)]
pub struct OldResultResponse {
    /// 0 not all sent, 1 all sent, 2 cancelled [U].
    pub check_status: i64,
    pub detail_list: Vec<SendInfo>,
}
