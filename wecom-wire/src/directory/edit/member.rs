//! A member's fields in `user/create` and `user/update` (doc 90195, 90197), checked group by group.

use serde::Deserialize;

use super::{bad, chars_within, valid_email, valid_mobile, valid_userid, MAX_USER_DEPARTMENTS};
use crate::lenient;
use crate::{Errcode, WireError};

/// `user/create` and `user/update` as sent; every field optional so that the errcode comes from a rule.
#[derive(Debug, Default, Deserialize)]
pub struct UserRaw {
    pub userid: Option<String>,
    pub new_userid: Option<String>,
    pub name: Option<String>,
    pub alias: Option<String>,
    pub mobile: Option<String>,
    pub department: Option<Vec<i64>>,
    pub order: Option<Vec<i64>>,
    pub position: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub gender: Option<i64>,
    pub email: Option<String>,
    pub telephone: Option<String>,
    pub is_leader_in_dept: Option<Vec<i64>>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub enable: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub main_department: Option<i64>,
}

/// A member's fields as checked; `None` leaves a field as it is (update) or empty (create).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFields {
    pub userid: String,
    pub new_userid: Option<String>,
    pub name: Option<String>,
    pub alias: Option<String>,
    pub mobile: Option<String>,
    pub departments: Option<Vec<i64>>,
    pub position: Option<String>,
    pub gender: Option<u8>,
    pub email: Option<String>,
    pub telephone: Option<String>,
    /// One flag per department, in `departments`' order.
    pub is_leader_in_dept: Option<Vec<i64>>,
    pub enable: Option<bool>,
}

/// Checks a `user/create` (`creating`) or `user/update` body's formats.
pub fn user_fields(raw: UserRaw, creating: bool) -> Result<UserFields, WireError> {
    let UserRaw {
        userid,
        new_userid,
        name,
        alias,
        mobile,
        department,
        order,
        position,
        gender,
        email,
        telephone,
        is_leader_in_dept,
        enable,
        main_department: _,
    } = raw;
    // The groups run in WeCom's order of checks, so a body with several faults earns the same errcode.
    let userid = check_ids(userid, new_userid.as_deref())?;
    check_name(name.as_deref(), creating)?;
    let departments = check_departments(
        department,
        order.as_deref(),
        is_leader_in_dept.as_deref(),
        creating,
    )?;
    let (mobile, email) = check_contact(mobile, email, creating)?;
    let (gender, enable) = check_profile(alias.as_deref(), position.as_deref(), gender, enable)?;
    Ok(UserFields {
        userid,
        new_userid,
        name,
        alias,
        mobile,
        departments,
        position,
        gender,
        email,
        telephone,
        is_leader_in_dept,
        enable,
    })
}

/// The userid (required) and a `new_userid` to rename it to.
fn check_ids(userid: Option<String>, new_userid: Option<&str>) -> Result<String, WireError> {
    let userid = userid
        .filter(|u| !u.is_empty())
        .ok_or(Errcode::USERID_MISSING)?;
    if !valid_userid(&userid) {
        return Err(Errcode::INVALID_USERID.into());
    }
    if let Some(n) = new_userid {
        if !valid_userid(n) {
            return Err(Errcode::INVALID_USERID.into());
        }
    }
    Ok(userid)
}

fn check_name(name: Option<&str>, creating: bool) -> Result<(), WireError> {
    match name {
        Some(n) if !chars_within(n, 1, 64) => Err(Errcode::INVALID_USER_NAME.into()),
        None if creating => Err(Errcode::INVALID_USER_NAME.into()),
        _ => Ok(()),
    }
}

/// The departments, and the `order` and leader flags that go one per department.
fn check_departments(
    department: Option<Vec<i64>>,
    order: Option<&[i64]>,
    is_leader_in_dept: Option<&[i64]>,
    creating: bool,
) -> Result<Option<Vec<i64>>, WireError> {
    let departments = match department {
        Some(d) if d.is_empty() => return Err(Errcode::DEPARTMENT_MISSING.into()),
        Some(d) if d.len() > MAX_USER_DEPARTMENTS => {
            return Err(Errcode::TOO_MANY_DEPARTMENTS.into())
        }
        None if creating => return Err(Errcode::DEPARTMENT_MISSING.into()),
        d => d,
    };
    let n_departments = departments.as_ref().map(Vec::len);
    if let (Some(order), Some(n)) = (order, n_departments) {
        if order.len() != n || order.iter().any(|o| !(0..1 << 32).contains(o)) {
            return Err(bad("order"));
        }
    }
    if let Some(flags) = is_leader_in_dept {
        if Some(flags.len()) != n_departments || flags.iter().any(|f| !(0..=1).contains(f)) {
            return Err(Errcode::LEADER_FLAGS_MISMATCH.into());
        }
    }
    Ok(departments)
}

/// Mobile and email, an empty one counted as absent; a new member needs one of them.
fn check_contact(
    mobile: Option<String>,
    email: Option<String>,
    creating: bool,
) -> Result<(Option<String>, Option<String>), WireError> {
    let mobile = mobile.filter(|m| !m.is_empty());
    if mobile.as_deref().is_some_and(|m| !valid_mobile(m)) {
        return Err(Errcode::INVALID_MOBILE.into());
    }
    let email = email.filter(|e| !e.is_empty());
    if email.as_deref().is_some_and(|e| !valid_email(e)) {
        return Err(Errcode::INVALID_EMAIL.into());
    }
    if creating && mobile.is_none() && email.is_none() {
        return Err(Errcode::MOBILE_AND_EMAIL_EMPTY.into());
    }
    Ok((mobile, email))
}

/// alias, position, gender and enable; gives gender and enable in their checked forms.
fn check_profile(
    alias: Option<&str>,
    position: Option<&str>,
    gender: Option<i64>,
    enable: Option<i64>,
) -> Result<(Option<u8>, Option<bool>), WireError> {
    if alias.is_some_and(|a| !chars_within(a, 0, 32)) {
        return Err(bad("alias"));
    }
    if position.is_some_and(|p| !chars_within(p, 0, 128)) {
        return Err(bad("position"));
    }
    let gender = match gender {
        None => None,
        Some(g @ 0..=2) => Some(g as u8),
        Some(_) => return Err(bad("gender")),
    };
    let enable = match enable {
        None => None,
        Some(e @ 0..=1) => Some(e == 1),
        Some(_) => return Err(bad("enable")),
    };
    Ok((gender, enable))
}
