//! Writing the directory with the contacts-sync (通讯录同步) secret: the raw requests of `user/create|update`,
//! `department/create|update`, `tag/create|update|addtagusers|deltagusers`, `user/batchdelete`, the rules that
//! check each field's format (official docs 90195, 90197, 90205, 90206, 90210, 90211, 90214, 90215), and the
//! `change_contact` event XML. Checks that need the directory (existence, uniqueness) are the caller's.

use serde::{Deserialize, Serialize};

use crate::callback::{message_xml, Value};
use crate::lenient;
use crate::{Errcode, WireError};

mod member;
pub use member::{user_fields, UserFields, UserRaw};

/// The errmsg of a successful write (doc examples): `created`, `updated`, `deleted`.
pub const CREATED: &str = "created";
pub const UPDATED: &str = "updated";
pub const DELETED: &str = "deleted";

/// A member may be in at most this many departments.
pub const MAX_USER_DEPARTMENTS: usize = 20;
/// `user/batchdelete` takes at most this many userids.
pub const MAX_BATCH_DELETE: usize = 200;
/// `tag/addtagusers` takes at most this many userids and departments.
pub const MAX_TAG_USERS: usize = 1000;
pub const MAX_TAG_PARTIES: usize = 100;

/// 1–64 bytes of letters, digits and `_-@.`, starting with a letter or digit (doc 90195).
pub fn valid_userid(id: &str) -> bool {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "_-@.".contains(c);
    (1..=64).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_alphanumeric())
        && id.chars().all(ok_char)
}

/// Digits, optionally `+country-` in front (`+86-13800000000`), as the admin console accepts them.
pub fn valid_mobile(m: &str) -> bool {
    let rest = match m.strip_prefix('+') {
        Some(r) => match r.split_once('-') {
            Some((cc, n))
                if (1..=4).contains(&cc.len()) && cc.bytes().all(|b| b.is_ascii_digit()) =>
            {
                n
            }
            _ => return false,
        },
        None => m,
    };
    (5..=20).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_digit())
}

/// `local@domain.tld`, at most 64 bytes, no spaces.
pub fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    e.len() <= 64
        && !local.is_empty()
        && !domain.contains('@')
        && domain.split('.').count() >= 2
        && domain.split('.').all(|p| !p.is_empty())
        && !e.contains(char::is_whitespace)
}

fn chars_within(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.chars().count())
}

fn bad(field: &str) -> WireError {
    WireError::invalid_field(field)
}

/// `user/batchdelete`.
#[derive(Debug, Default, Deserialize)]
pub struct BatchDeleteRaw {
    pub useridlist: Option<Vec<String>>,
}

pub fn batch_delete(raw: BatchDeleteRaw) -> Result<Vec<String>, WireError> {
    let list = raw.useridlist.unwrap_or_default();
    if list.is_empty() {
        return Err(Errcode::INVALID_USERID_LIST.into());
    }
    if list.len() > MAX_BATCH_DELETE {
        return Err(Errcode::INVALID_USERID_LIST_LEN.into());
    }
    Ok(list)
}

/// `department/create` and `department/update` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct DepartmentRaw {
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub id: Option<i64>,
    pub name: Option<String>,
    pub name_en: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub parentid: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub order: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DepartmentFields {
    pub id: Option<i64>,
    pub name: Option<String>,
    pub name_en: Option<String>,
    pub parentid: Option<i64>,
    pub order: Option<i64>,
}

/// Characters a department name may not hold (doc 90205).
const DEPARTMENT_NAME_FORBIDDEN: &[char] = &['\\', ':', '*', '?', '"', '<', '>', '|'];

fn check_department_name(name: &str) -> Result<(), WireError> {
    if !chars_within(name, 1, 64) {
        return Err(Errcode::DEPARTMENT_NAME_LENGTH.into());
    }
    if name.contains(DEPARTMENT_NAME_FORBIDDEN) {
        return Err(Errcode::DEPARTMENT_NAME_CHARS.into());
    }
    Ok(())
}

/// Checks a `department/create` (`creating`) or `department/update` body's formats.
pub fn department_fields(
    raw: DepartmentRaw,
    creating: bool,
) -> Result<DepartmentFields, WireError> {
    match raw.id {
        // ids are 32-bit; 1 is the root the corp starts with.
        Some(id) if !(1..=i64::from(u32::MAX)).contains(&id) || (creating && id == 1) => {
            return Err(Errcode::INVALID_PARTY.into())
        }
        None if !creating => return Err(Errcode::INVALID_PARTY.into()),
        _ => {}
    }
    match &raw.name {
        Some(n) => check_department_name(n)?,
        None if creating => return Err(Errcode::DEPARTMENT_NAME_LENGTH.into()),
        None => {}
    }
    if let Some(n) = &raw.name_en {
        check_department_name(n)?;
    }
    match raw.parentid {
        Some(p) if p < 1 => return Err(Errcode::INVALID_PARENT_PARTY.into()),
        None if creating => return Err(Errcode::INVALID_PARENT_PARTY.into()),
        _ => {}
    }
    if raw.order.is_some_and(|o| !(0..1 << 32).contains(&o)) {
        return Err(bad("order"));
    }
    Ok(DepartmentFields {
        id: raw.id,
        name: raw.name,
        name_en: raw.name_en,
        parentid: raw.parentid,
        order: raw.order,
    })
}

/// `tag/create` and `tag/update` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct TagRaw {
    pub tagname: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub tagid: Option<i64>,
}

/// A tag name: 1–32 characters (doc 90210).
pub fn tag_name(name: Option<&str>) -> Result<String, WireError> {
    match name {
        Some(n) if chars_within(n, 1, 32) => Ok(n.to_owned()),
        _ => Err(Errcode::TAG_NAME_LENGTH.into()),
    }
}

pub fn tag_id(id: Option<i64>) -> Result<Option<i64>, WireError> {
    match id {
        Some(t) if !(1..=i64::from(u32::MAX)).contains(&t) => Err(Errcode::INVALID_TAGID.into()),
        t => Ok(t),
    }
}

/// `tag/addtagusers` and `tag/deltagusers` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct TagUsersRaw {
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub tagid: Option<i64>,
    pub userlist: Option<Vec<String>>,
    pub partylist: Option<Vec<i64>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagUsers {
    pub tagid: i64,
    pub users: Vec<String>,
    pub parties: Vec<i64>,
}

pub fn tag_users(raw: TagUsersRaw) -> Result<TagUsers, WireError> {
    let tagid = raw.tagid.ok_or(Errcode::INVALID_TAGID)?;
    let users = raw.userlist.unwrap_or_default();
    let parties = raw.partylist.unwrap_or_default();
    if users.len() > MAX_TAG_USERS {
        return Err(Errcode::INVALID_USERID_LIST_LEN.into());
    }
    if parties.len() > MAX_TAG_PARTIES {
        return Err(Errcode::INVALID_PARTY_LIST.into());
    }
    if users.is_empty() && parties.is_empty() {
        return Err(Errcode::TAG_NODES_ALL_INVALID.into());
    }
    Ok(TagUsers {
        tagid,
        users,
        parties,
    })
}

/// What `tag/addtagusers|deltagusers` name that could not be used; absent when empty, as in the doc's example.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct TagUsersResponse {
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub invalidlist: String,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub invalidparty: Vec<i64>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CreatedDepartment {
    pub id: i64,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CreatedTag {
    pub tagid: i64,
}

/// A `change_contact` event (doc 90970 成员变更通知, 90971 部门, 90972 标签): the common head, then the change's
/// own fields in the doc's order.
pub fn change_contact_xml(
    corpid: &str,
    now_s: i64,
    change_type: &str,
    fields: &[(&str, Value<'_>)],
) -> String {
    let mut all: Vec<(&str, Value<'_>)> = vec![
        ("ToUserName", Value::Text(corpid)),
        ("FromUserName", Value::Text("sys")),
        ("CreateTime", Value::Number(now_s)),
        ("MsgType", Value::Text("event")),
        ("Event", Value::Text("change_contact")),
        ("ChangeType", Value::Text(change_type)),
    ];
    all.extend_from_slice(fields);
    message_xml(&all)
}

#[cfg(test)]
mod tests;
