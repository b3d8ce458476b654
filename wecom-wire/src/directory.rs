//! The directory an app can read: members (`user/get|list|simplelist`), departments, tags, the app itself
//! (`agent/get`) and `getcallbackip`. Response shapes only; the mock owns the data.

use serde::{Deserialize, Serialize};

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
