//! Directory writes (the contacts-sync secret's `user/*`, `department/*`, `tag/*` calls) applied to a corp.
//! The caller works on a clone and keeps it only when every step succeeded, so a refused write changes
//! nothing. Member indexes never move (the store refers to members by index): a new member is appended, a
//! deleted one stays as a tombstone no lookup returns.

use std::sync::Arc;

use wecom_wire::directory::change::{ContactChange, MemberChange};
use wecom_wire::directory::edit::UserFields;
use wecom_wire::{Errcode, WireError};

use super::corp::members_by_subtree;
use super::{Corp, User};

type Edit<T> = Result<T, WireError>;

impl Corp {
    /// Rebuilds every index after a change: lookups, subtrees, the apps' scopes and who they can see.
    pub fn reindex(&mut self) {
        self.dept_by_id = self
            .departments
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id, i))
            .collect();
        self.user_by_id = self
            .users
            .iter()
            .enumerate()
            .filter(|(_, u)| !u.deleted)
            .map(|(i, u)| (u.userid.to_lowercase(), i))
            .collect();
        self.tag_by_id = self
            .tags
            .iter()
            .enumerate()
            .map(|(i, t)| (t.tagid, i))
            .collect();
        self.dept_members = members_by_subtree(&self.departments, &self.users);
        let deleted: Arc<Vec<usize>> = Arc::new(
            (0..self.users.len())
                .filter(|&i| self.users[i].deleted)
                .collect(),
        );
        let mut apps = std::mem::take(&mut self.apps);
        for app in &mut apps {
            app.scope_users
                .retain(|u| self.user_by_id.contains_key(&u.to_lowercase()));
            app.scope_departments
                .retain(|d| self.dept_by_id.contains_key(d));
            app.scope_tags.retain(|t| self.tag_by_id.contains_key(t));
            app.deleted = deleted.clone();
            app.visible = self.visible_to(app);
        }
        self.apps = apps;
    }

    /// A live member other than `except` already has this mobile or email.
    fn taken(&self, except: Option<usize>, f: impl Fn(&User) -> bool) -> bool {
        self.users
            .iter()
            .enumerate()
            .any(|(i, u)| !u.deleted && Some(i) != except && f(u))
    }

    fn check_member_fields(&self, f: &UserFields, me: Option<usize>) -> Edit<()> {
        if let Some(ds) = &f.departments {
            if ds.iter().any(|d| self.department(*d).is_none()) {
                return Err(Errcode::DEPARTMENT_NOT_FOUND.into());
            }
        }
        if let Some(m) = &f.mobile {
            if self.taken(me, |u| u.mobile == *m) {
                return Err(Errcode::MOBILE_EXISTS.into());
            }
        }
        if let Some(e) = &f.email {
            if self.taken(me, |u| u.email.eq_ignore_ascii_case(e)) {
                return Err(Errcode::EMAIL_EXISTS.into());
            }
        }
        Ok(())
    }

    pub fn create_user(&mut self, f: UserFields) -> Edit<ContactChange> {
        if self.user_index(&f.userid).is_some() {
            return Err(Errcode::USERID_EXISTS.into());
        }
        self.check_member_fields(&f, None)?;
        let mut u = User::new(f.userid.clone());
        apply_fields(&mut u, &f);
        let i = self.users.len();
        self.users.push(u);
        self.sync_leaders(i, "");
        self.reindex();
        Ok(ContactChange::CreateUser(announce(&self.users[i], None)))
    }

    pub fn update_user(&mut self, f: UserFields) -> Edit<ContactChange> {
        let i = self
            .user_index(&f.userid)
            .ok_or(Errcode::USERID_NOT_FOUND)?;
        if let Some(n) = &f.new_userid {
            if self.user_index(n).is_some_and(|j| j != i) {
                return Err(Errcode::USERID_EXISTS.into());
            }
        }
        self.check_member_fields(&f, Some(i))?;
        let before = self.users[i].clone();
        apply_fields(&mut self.users[i], &f);
        if let Some(n) = &f.new_userid {
            self.users[i].userid = n.clone();
            self.rename_member(&before.userid, n);
        }
        self.sync_leaders(i, &before.userid);
        self.reindex();
        let mut change = diff(&before, &self.users[i]);
        change.userid = before.userid.clone();
        Ok(ContactChange::UpdateUser(change))
    }

    /// Deletes members; every userid must name one, or nothing is deleted.
    pub fn delete_users(&mut self, userids: &[String]) -> Edit<Vec<ContactChange>> {
        let mut doomed = Vec::with_capacity(userids.len());
        for id in userids {
            let i = self.user_index(id).ok_or(Errcode::USERID_NOT_FOUND)?;
            if !doomed.contains(&i) {
                doomed.push(i);
            }
        }
        let mut changes = Vec::with_capacity(doomed.len());
        for i in doomed {
            let userid = self.users[i].userid.clone();
            let u = &mut self.users[i];
            u.deleted = true;
            u.departments.clear();
            u.leader_in.clear();
            for t in &mut self.tags {
                t.users.retain(|x| !x.eq_ignore_ascii_case(&userid));
            }
            for d in &mut self.departments {
                d.leaders.retain(|x| !x.eq_ignore_ascii_case(&userid));
            }
            changes.push(ContactChange::DeleteUser { userid });
        }
        self.reindex();
        Ok(changes)
    }

    /// A renamed member keeps their tags, scopes and leaderships.
    fn rename_member(&mut self, old: &str, new: &str) {
        let rename = |list: &mut Vec<String>| {
            for x in list.iter_mut().filter(|x| x.eq_ignore_ascii_case(old)) {
                *x = new.to_owned();
            }
        };
        self.tags.iter_mut().for_each(|t| rename(&mut t.users));
        self.departments
            .iter_mut()
            .for_each(|d| rename(&mut d.leaders));
        self.apps
            .iter_mut()
            .for_each(|a| rename(&mut a.scope_users));
    }

    /// Departments list their leaders by userid: make them agree with the member's `leader_in`.
    fn sync_leaders(&mut self, i: usize, old_userid: &str) {
        let u = &self.users[i];
        let (userid, leader_in) = (u.userid.clone(), u.leader_in.clone());
        for d in &mut self.departments {
            d.leaders.retain(|x| {
                !x.eq_ignore_ascii_case(&userid) && !x.eq_ignore_ascii_case(old_userid)
            });
            if leader_in.contains(&d.id) {
                d.leaders.push(userid.clone());
            }
        }
    }
}

fn apply_fields(u: &mut User, f: &UserFields) {
    if let Some(n) = &f.name {
        u.name = n.clone();
    }
    if let Some(ds) = &f.departments {
        // A member's leaderships follow their departments unless new flags are given.
        u.leader_in.retain(|d| ds.contains(d));
        u.departments = ds.clone();
    }
    if let Some(flags) = &f.is_leader_in_dept {
        u.leader_in = u
            .departments
            .iter()
            .zip(flags)
            .filter(|(_, f)| **f == 1)
            .map(|(d, _)| *d)
            .collect();
    }
    let set = |field: &mut String, v: &Option<String>| {
        if let Some(v) = v {
            *field = v.clone();
        }
    };
    set(&mut u.alias, &f.alias);
    set(&mut u.mobile, &f.mobile);
    set(&mut u.position, &f.position);
    set(&mut u.email, &f.email);
    set(&mut u.telephone, &f.telephone);
    if let Some(g) = f.gender {
        u.gender = g;
    }
    if let Some(e) = f.enable {
        // 1 active, 2 disabled; a member who never joined stays 4 when enabled again.
        u.status = match (e, u.status) {
            (false, _) => 2,
            (true, 2) => 1,
            (true, s) => s,
        };
    }
}

fn leader_flags(u: &User) -> Vec<i64> {
    u.departments
        .iter()
        .map(|d| i64::from(u.leader_in.contains(d)))
        .collect()
}

/// Every field of a member, as `create_user` announces them.
fn announce(u: &User, userid: Option<String>) -> MemberChange {
    MemberChange {
        userid: userid.unwrap_or_else(|| u.userid.clone()),
        new_userid: None,
        name: Some(u.name.clone()),
        department: Some(u.departments.clone()),
        main_department: u.departments.first().copied(),
        is_leader_in_dept: Some(leader_flags(u)),
        position: Some(u.position.clone()),
        mobile: Some(u.mobile.clone()),
        gender: Some(u.gender),
        email: Some(u.email.clone()),
        status: Some(u.status),
        alias: Some(u.alias.clone()),
        telephone: Some(u.telephone.clone()),
    }
}

/// What `update_user` announces: the fields that changed.
fn diff(a: &User, b: &User) -> MemberChange {
    let changed = |x: &str, y: &str| (x != y).then(|| y.to_owned());
    MemberChange {
        userid: b.userid.clone(),
        new_userid: changed(&a.userid, &b.userid),
        name: changed(&a.name, &b.name),
        department: (a.departments != b.departments).then(|| b.departments.clone()),
        main_department: (a.departments.first() != b.departments.first())
            .then(|| b.departments.first().copied())
            .flatten(),
        is_leader_in_dept: (leader_flags(a) != leader_flags(b)).then(|| leader_flags(b)),
        position: changed(&a.position, &b.position),
        mobile: changed(&a.mobile, &b.mobile),
        gender: (a.gender != b.gender).then_some(b.gender),
        email: changed(&a.email, &b.email),
        status: (a.status != b.status).then_some(b.status),
        alias: changed(&a.alias, &b.alias),
        telephone: changed(&a.telephone, &b.telephone),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::World;

    fn fields(userid: &str, departments: Vec<i64>, mobile: &str) -> UserFields {
        UserFields {
            userid: userid.into(),
            name: Some(userid.into()),
            departments: Some(departments),
            mobile: Some(mobile.into()),
            ..UserFields::default()
        }
    }

    #[test]
    fn member_indexes_never_move_and_a_tombstone_is_invisible() {
        let (w, _) = World::demo().unwrap_or_else(|e| panic!("{e}"));
        let mut c = w.corps[0].clone();
        let lisi = c.user_index("lisi");
        let n = c.users.len();
        assert!(c
            .create_user(fields("newbie", vec![5], "13900000001"))
            .is_ok());
        assert_eq!(c.user_index("newbie"), Some(n), "a new member is appended");
        assert!(c.delete_users(&["lisi".into()]).is_ok());
        assert_eq!(c.user_index("lisi"), None);
        assert_eq!(
            c.user_index("newbie"),
            Some(n),
            "deleting another member moves nobody"
        );
        let bot = c.app(1_000_002).unwrap_or_else(|| panic!("bot"));
        let hr = c.app(1_000_003).unwrap_or_else(|| panic!("hr"));
        let lisi = lisi.unwrap_or_else(|| panic!("lisi"));
        assert!(
            !bot.can_see(lisi) && !hr.can_see(lisi),
            "nobody sees a tombstone"
        );
        assert!(
            hr.can_see(n),
            "HR sees department 5, where the new member is"
        );
        assert!(!c.department_members(2).contains(&lisi));
        // The userid is free again, and the new member gets a new index.
        assert!(c
            .create_user(fields("lisi", vec![1], "13900000002"))
            .is_ok());
        assert_eq!(c.user_index("lisi"), Some(n + 1));
    }

    #[test]
    fn a_refused_write_leaves_the_corp_as_it_was() {
        let (w, _) = World::demo().unwrap_or_else(|e| panic!("{e}"));
        let mut c = w.corps[0].clone();
        let before = format!("{:?}", (&c.users, &c.departments, &c.tags));
        let taken = fields("newbie", vec![2], "13800000001");
        assert_eq!(
            c.create_user(taken).map(|_| ()),
            Err(Errcode::MOBILE_EXISTS.into())
        );
        let unknown = vec!["zhangsan".into(), "ghost".into()];
        assert_eq!(
            c.delete_users(&unknown).map(|_| ()),
            Err(Errcode::USERID_NOT_FOUND.into())
        );
        assert_eq!(
            c.delete_department(3).map(|_| ()),
            Err(Errcode::DEPARTMENT_HAS_MEMBERS.into())
        );
        assert_eq!(format!("{:?}", (&c.users, &c.departments, &c.tags)), before);
    }
}
