//! Members made up for scale runs (`generate_users`): `member00001`… in the first department, added after the
//! declared ones so declared scopes and tags stay as written.

use serde_saphyr::Location;

use super::corp::members_by_subtree;
use super::{fixture, Corp, User};

fn err<T>(at: Location, msg: String) -> Result<T, (Location, String)> {
    Err((at, msg))
}

/// Members made up by `generate_users`, at most this many.
pub const MAX_GENERATED_USERS: usize = 100_000;

impl Corp {
    pub(super) fn add_generated_users(
        &mut self,
        c: &fixture::Corp,
    ) -> Result<(), (Location, String)> {
        let Some(n) = &c.generate_users else {
            return Ok(());
        };
        let Some(root) = self.departments.first().map(|d| d.id) else {
            return err(
                n.referenced,
                "generate_users needs a department to put them in".into(),
            );
        };
        if n.value > MAX_GENERATED_USERS {
            return err(
                n.referenced,
                format!("generate_users is at most {MAX_GENERATED_USERS}"),
            );
        }
        for k in 1..=n.value {
            let userid = format!("member{k:05}");
            if self
                .user_by_id
                .insert(userid.clone(), self.users.len())
                .is_some()
            {
                return err(
                    n.referenced,
                    format!("generated userid {userid:?} is already declared"),
                );
            }
            self.users.push(User {
                name: format!("成员{k:05}"),
                departments: vec![root],
                ..User::placeholder(userid)
            });
        }
        self.dept_members = members_by_subtree(&self.departments, &self.users);
        Ok(())
    }
}

impl User {
    fn placeholder(userid: String) -> User {
        User::new(userid)
    }
}
