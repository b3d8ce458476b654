//! The documented ranges of single fields (FIXTURE.md's "0/1/2", "1 active, 2 disabled, …"), checked at load so
//! a value WeCom never sends cannot reach a client through the mock.

use serde_saphyr::{Location, Spanned};

use super::fixture;

type Refused = (Location, String);

/// WeCom's genders, of members and of customers alike.
const GENDERS: &str = "0 (unknown), 1 (male) or 2 (female)";

/// A gender, 0 when absent; `who` names its owner in the message.
pub(super) fn gender(g: Option<&Spanned<i64>>, who: &str) -> Result<u8, Refused> {
    let Some(g) = g else { return Ok(0) };
    match u8::try_from(g.value) {
        Ok(v @ 0..=2) => Ok(v),
        _ => Err((
            g.referenced,
            format!("{who}: gender must be {GENDERS}, not {}", g.value),
        )),
    }
}

/// A member's status, 1 (active) when absent.
pub(super) fn status(u: &fixture::User) -> Result<i64, Refused> {
    let Some(s) = &u.status else { return Ok(1) };
    if matches!(s.value, 1 | 2 | 4 | 5) {
        Ok(s.value)
    } else {
        Err((
            s.referenced,
            format!(
                "user {:?}: status must be 1 (active), 2 (disabled), 4 (not joined) or 5 (resigned), not {}",
                u.userid.value, s.value
            ),
        ))
    }
}

/// The departments a member leads: each one of its own (`is_leader_in_dept` is a flag per department of the
/// member, so no other can be named).
pub(super) fn leader_in(u: &fixture::User) -> Result<Vec<i64>, Refused> {
    let own: Vec<i64> = u.department.iter().map(|d| d.value).collect();
    u.leader_in
        .iter()
        .map(|d| {
            if own.contains(&d.value) {
                Ok(d.value)
            } else {
                Err((
                    d.referenced,
                    format!(
                        "user {:?}: leader_in {} is not one of its departments {own:?}",
                        u.userid.value, d.value
                    ),
                ))
            }
        })
        .collect()
}

/// A department's leaders: each a member of the corp (`is_member` says, by lowercased userid).
pub(super) fn leaders(
    d: &fixture::Department,
    is_member: impl Fn(&str) -> bool,
) -> Result<Vec<String>, Refused> {
    d.leaders
        .iter()
        .map(|l| {
            if is_member(&l.value.to_lowercase()) {
                Ok(l.value.clone())
            } else {
                Err((
                    l.referenced,
                    format!(
                        "department {}: leader {:?} is not a member of this corp",
                        d.id.value, l.value
                    ),
                ))
            }
        })
        .collect()
}
