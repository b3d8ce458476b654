//! The directory an app can read: members (`user/get|list|simplelist`), departments, tags, the app itself
//! (`agent/get`) and `getcallbackip`. Response shapes only; the mock owns the data.

use serde::{Deserialize, Serialize};

pub mod batch;
pub mod change;
pub mod edit;
pub mod jsapi;

/// `user/list_id` takes at most this many rows a page (doc 96067).
pub const MAX_LIST_ID_LIMIT: i64 = 10_000;

/// `user/get` and each entry of `user/list`. `gender` is a string ("0" unknown, "1" male, "2" female) as
/// WeCom sends it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct User {
    pub userid: String,
    pub name: String,
    pub department: Vec<i64>,
    pub order: Vec<i64>,
    pub position: String,
    pub mobile: String,
    pub gender: String,
    pub email: String,
    pub is_leader_in_dept: Vec<i64>,
    pub direct_leader: Vec<String>,
    pub avatar: String,
    pub thumb_avatar: String,
    pub telephone: String,
    pub alias: String,
    pub status: i64,
    pub main_department: i64,
    pub open_userid: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct UserList {
    pub userlist: Vec<User>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SimpleUser {
    pub userid: String,
    pub name: String,
    pub department: Vec<i64>,
    pub open_userid: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SimpleUserList {
    pub userlist: Vec<SimpleUser>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Department {
    pub id: i64,
    pub name: String,
    pub name_en: String,
    pub department_leader: Vec<String>,
    pub parentid: i64,
    pub order: i64,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct DepartmentList {
    pub department: Vec<Department>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tag {
    pub tagid: i64,
    pub tagname: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TagList {
    pub taglist: Vec<Tag>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TagMember {
    pub userid: String,
    pub name: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TagGet {
    pub tagname: String,
    pub userlist: Vec<TagMember>,
    pub partylist: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct UserRef {
    pub userid: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AllowUsers {
    pub user: Vec<UserRef>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AllowParties {
    pub partyid: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AllowTags {
    pub tagid: Vec<i64>,
}

/// `agent/get`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Agent {
    pub agentid: i64,
    pub name: String,
    pub square_logo_url: String,
    pub description: String,
    pub allow_userinfos: AllowUsers,
    pub allow_partys: AllowParties,
    pub allow_tags: AllowTags,
    pub close: i64,
    pub redirect_domain: String,
    pub report_location_flag: i64,
    pub isreportenter: i64,
    pub home_url: String,
    pub customized_publish_status: i64,
}

/// `getcallbackip`, `get_api_domain_ip`.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct IpList {
    pub ip_list: Vec<String>,
}

/// `department/get`.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct DepartmentGet {
    pub department: Department,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DepartmentId {
    pub id: i64,
    pub parentid: i64,
    pub order: i64,
}

/// `department/simplelist`.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct DepartmentSimpleList {
    pub department_id: Vec<DepartmentId>,
}

/// `user/list_id` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct ListIdRequest {
    pub cursor: Option<String>,
    #[serde(default, deserialize_with = "crate::lenient::opt_int")]
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeptUser {
    pub userid: String,
    pub department: i64,
}

/// `user/list_id`: `next_cursor` is empty on the last page.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListIdResponse {
    pub next_cursor: String,
    pub dept_user: Vec<DeptUser>,
}

/// The page size `user/list_id` uses: 1–10000 (40058 otherwise); absent means the maximum.
pub fn list_id_limit(limit: Option<i64>) -> Result<usize, crate::WireError> {
    match limit {
        None => Ok(MAX_LIST_ID_LIMIT as usize),
        Some(l @ 1..=MAX_LIST_ID_LIMIT) => Ok(l as usize),
        Some(_) => Err(crate::WireError::invalid_field("limit")),
    }
}

/// `user/getuserid` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct GetUserIdRequest {
    pub mobile: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct UserIdResponse {
    pub userid: String,
}

/// `user/convert_to_openid` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct ConvertToOpenidRequest {
    pub userid: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct OpenidResponse {
    pub openid: String,
}

/// `auth/getuserinfo` for a member (doc 91023): `user_ticket` only for the `snsapi_privateinfo` scope.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuthUserInfo {
    pub userid: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user_ticket: Option<String>,
}

/// The older `user/getuserinfo`: the same answer with WeCom's capitalised `UserId` and a `DeviceId`.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct OldUserInfo {
    #[serde(rename = "UserId")]
    pub user_id: String,
    #[serde(rename = "DeviceId")]
    pub device_id: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user_ticket: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expires_in: Option<i64>,
}

/// `get_jsapi_ticket`, `ticket/get?type=agent_config`.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TicketResponse {
    pub ticket: String,
    pub expires_in: i64,
}

/// An OAuth code lives 5 minutes and is used once (doc 91023); a JS-SDK ticket 7200 s (doc 90506).
pub const OAUTH_CODE_TTL_S: i64 = 300;
pub const TICKET_TTL_S: i64 = 7200;
/// A `user_ticket` lives 1800 s.
pub const USER_TICKET_TTL_S: i64 = 1800;
