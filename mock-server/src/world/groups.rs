//! Customer groups (客户群) as the fixture declares them: an owner among the corp's members, members who are
//! members or customers, ids `wr…` from the seed when none is given.

use serde_saphyr::{Location, Spanned};

use super::{fixture, Corp};
use crate::ids::{derived, mix, ALNUM};

/// Who is in a group: a member of the corp (by index) or a customer (by index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupMember {
    User(usize),
    Customer(usize),
}

#[derive(Debug, Clone)]
pub struct CustomerGroup {
    pub chat_id: String,
    pub name: String,
    pub owner: usize,
    pub members: Vec<GroupMember>,
    pub notice: String,
    /// The group's id as a mini program sees it (`opengid_to_chatid`), made up from the seed.
    pub opengid: String,
}

impl Corp {
    pub(super) fn add_groups(
        &mut self,
        c: &fixture::Corp,
        seed: u64,
        ci: usize,
    ) -> Result<(), (Location, String)> {
        let mut groups: Vec<CustomerGroup> = Vec::with_capacity(c.customer_groups.len());
        for (gi, g) in c.customer_groups.iter().enumerate() {
            let owner = self.user_index(&g.owner.value).ok_or_else(|| {
                (
                    g.owner.referenced,
                    format!("owner {:?} is not a member of this corp", g.owner.value),
                )
            })?;
            let chat_id = match &g.chat_id {
                Some(id) => declared_chat_id(id, &groups)?,
                None => format!(
                    "wr{}",
                    derived(
                        mix(seed ^ (ci as u64).rotate_left(30) ^ gi as u64 ^ 0x0067_726f_7570),
                        30,
                        ALNUM
                    )
                ),
            };
            let members = self.group_members(owner, &g.members)?;
            let opengid = format!(
                "wg{}",
                derived(
                    mix(seed ^ (ci as u64).rotate_left(22) ^ gi as u64 ^ 0x006f_7065_6e67),
                    26,
                    ALNUM
                )
            );
            groups.push(CustomerGroup {
                opengid,
                chat_id,
                name: g.name.clone(),
                owner,
                members,
                notice: g.notice.clone(),
            });
        }
        self.groups = groups;
        Ok(())
    }

    /// The owner first, then each named member or customer once.
    fn group_members(
        &self,
        owner: usize,
        named: &[Spanned<String>],
    ) -> Result<Vec<GroupMember>, (Location, String)> {
        let mut members = vec![GroupMember::User(owner)];
        for m in named {
            let member = match (self.user_index(&m.value), self.customer_index(&m.value)) {
                (Some(u), _) => GroupMember::User(u),
                (None, Some(i)) => GroupMember::Customer(i),
                (None, None) => {
                    return Err((
                        m.referenced,
                        format!(
                            "{:?} is neither a member nor a customer of this corp",
                            m.value
                        ),
                    ))
                }
            };
            if !members.contains(&member) {
                members.push(member);
            }
        }
        Ok(members)
    }
}

/// A chat_id the fixture gives: WeCom's shape, and not one an earlier group has.
fn declared_chat_id(
    id: &Spanned<String>,
    earlier: &[CustomerGroup],
) -> Result<String, (Location, String)> {
    if !super::customers::id_ok(&id.value) {
        return Err((
            id.referenced,
            format!(
                "chat_id {:?} must be 1-64 letters, digits, '_' or '-'",
                id.value
            ),
        ));
    }
    if earlier.iter().any(|x| x.chat_id == id.value) {
        return Err((
            id.referenced,
            format!("chat_id {:?} is declared twice", id.value),
        ));
    }
    Ok(id.value.clone())
}
