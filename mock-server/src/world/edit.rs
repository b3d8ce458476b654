//! Directory writes (the contacts-sync secret's `user/*`, `department/*`, `tag/*` calls) applied to a corp.
//! The caller works on a clone and keeps it only when every step succeeded, so a refused write changes
//! nothing. Member indexes never move (the store refers to members by index): a new member is appended, a
//! deleted one stays as a tombstone no lookup returns.

use std::collections::HashSet;
use std::sync::Arc;

use wecom_wire::directory::change::{ContactChange, MemberChange};
use wecom_wire::directory::edit::{DepartmentFields, TagUsers, TagUsersResponse, UserFields};
use wecom_wire::{Errcode, WireError};

use super::corp::members_by_subtree;
use super::{Corp, Department, Tag, User};

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
        let mut u = User {
            userid: f.userid.clone(),
            name: String::new(),
            departments: Vec::new(),
            position: String::new(),
            mobile: String::new(),
            gender: 0,
            email: String::new(),
            alias: String::new(),
            telephone: String::new(),
            status: 1,
            licensed: true,
            leader_in: Vec::new(),
            deleted: false,
        };
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

    fn check_parent(&self, id: Option<i64>, parentid: i64) -> Edit<()> {
        if self.department(parentid).is_none() {
            return Err(Errcode::PARENT_NOT_FOUND.into());
        }
        if let Some(id) = id {
            if parentid == id || self.subdepartments(id).iter().any(|d| d.id == parentid) {
                return Err(Errcode::DEPARTMENT_CYCLE.into());
            }
        }
        Ok(())
    }

    fn sibling_named(&self, parentid: i64, name: &str, except: Option<i64>) -> bool {
        self.departments
            .iter()
            .any(|d| d.parentid == parentid && d.name == name && Some(d.id) != except)
    }

    pub fn create_department(&mut self, f: DepartmentFields) -> Edit<(i64, ContactChange)> {
        let (Some(name), Some(parentid)) = (f.name, f.parentid) else {
            return Err(Errcode::INVALID_PARAMETER.into());
        };
        self.check_parent(None, parentid)?;
        if f.id.is_some_and(|id| self.department(id).is_some())
            || self.sibling_named(parentid, &name, None)
        {
            return Err(Errcode::DEPARTMENT_EXISTS.into());
        }
        let id =
            f.id.unwrap_or_else(|| self.departments.iter().map(|d| d.id).max().unwrap_or(0) + 1);
        let order = f.order.unwrap_or(0);
        self.departments.push(Department {
            id,
            name: name.clone(),
            name_en: f.name_en.unwrap_or_default(),
            parentid,
            order,
            leaders: Vec::new(),
        });
        self.reindex();
        let change = ContactChange::CreateParty {
            id,
            name,
            parentid,
            order,
        };
        Ok((id, change))
    }

    pub fn update_department(&mut self, f: DepartmentFields) -> Edit<ContactChange> {
        let id = f.id.ok_or(Errcode::INVALID_PARTY)?;
        let i = *self
            .dept_by_id
            .get(&id)
            .ok_or(Errcode::DEPARTMENT_NOT_FOUND)?;
        let before = self.departments[i].clone();
        let parentid = f.parentid.unwrap_or(before.parentid);
        if f.parentid.is_some_and(|p| p != before.parentid) {
            if before.parentid == 0 {
                return Err(Errcode::DEPARTMENT_CYCLE.into());
            }
            self.check_parent(Some(id), parentid)?;
        }
        let name = f.name.clone().unwrap_or_else(|| before.name.clone());
        if self.sibling_named(parentid, &name, Some(id)) {
            return Err(Errcode::DEPARTMENT_EXISTS.into());
        }
        let d = &mut self.departments[i];
        d.name = name;
        d.parentid = parentid;
        if let Some(n) = f.name_en {
            d.name_en = n;
        }
        if let Some(o) = f.order {
            d.order = o;
        }
        let after = d.clone();
        self.reindex();
        Ok(ContactChange::UpdateParty {
            id,
            name: (after.name != before.name).then_some(after.name),
            parentid: (after.parentid != before.parentid).then_some(after.parentid),
        })
    }

    pub fn delete_department(&mut self, id: i64) -> Edit<ContactChange> {
        let d = self.department(id).ok_or(Errcode::DEPARTMENT_NOT_FOUND)?;
        if d.parentid == 0 {
            return Err(Errcode::ROOT_DEPARTMENT.into());
        }
        if self.departments.iter().any(|c| c.parentid == id) {
            return Err(Errcode::DEPARTMENT_HAS_CHILDREN.into());
        }
        if self.users.iter().any(|u| u.departments.contains(&id)) {
            return Err(Errcode::DEPARTMENT_HAS_MEMBERS.into());
        }
        self.departments.retain(|d| d.id != id);
        for t in &mut self.tags {
            t.departments.retain(|d| *d != id);
        }
        self.reindex();
        Ok(ContactChange::DeleteParty { id })
    }

    fn tag_named(&self, name: &str, except: Option<i64>) -> bool {
        self.tags
            .iter()
            .any(|t| t.tagname == name && Some(t.tagid) != except)
    }

    pub fn create_tag(&mut self, name: String, tagid: Option<i64>) -> Edit<i64> {
        if self.tag_named(&name, None) {
            return Err(Errcode::TAG_NAME_EXISTS.into());
        }
        if tagid.is_some_and(|t| self.tag(t).is_some()) {
            return Err(Errcode::INVALID_TAGID.into());
        }
        let tagid =
            tagid.unwrap_or_else(|| self.tags.iter().map(|t| t.tagid).max().unwrap_or(0) + 1);
        self.tags.push(Tag {
            tagid,
            tagname: name,
            users: Vec::new(),
            departments: Vec::new(),
        });
        self.reindex();
        Ok(tagid)
    }

    pub fn rename_tag(&mut self, tagid: i64, name: String) -> Edit<()> {
        let i = *self.tag_by_id.get(&tagid).ok_or(Errcode::INVALID_TAGID)?;
        if self.tag_named(&name, Some(tagid)) {
            return Err(Errcode::TAG_NAME_EXISTS.into());
        }
        self.tags[i].tagname = name;
        Ok(())
    }

    pub fn delete_tag(&mut self, tagid: i64) -> Edit<()> {
        self.tag(tagid).ok_or(Errcode::INVALID_TAGID)?;
        self.tags.retain(|t| t.tagid != tagid);
        self.reindex();
        Ok(())
    }

    /// `tag/addtagusers` (`add`) and `tag/deltagusers`: names that are no member or department are reported
    /// back; when nothing named is usable, 40070 and no change.
    pub fn tag_members_edit(
        &mut self,
        req: TagUsers,
        add: bool,
    ) -> Edit<(TagUsersResponse, ContactChange)> {
        let i = *self
            .tag_by_id
            .get(&req.tagid)
            .ok_or(Errcode::INVALID_TAGID)?;
        let mut invalid_users = Vec::new();
        let mut users: Vec<String> = Vec::new();
        for u in &req.users {
            match self.user_index(u) {
                Some(j) if !users.contains(&self.users[j].userid) => {
                    users.push(self.users[j].userid.clone())
                }
                Some(_) => {}
                None => invalid_users.push(u.clone()),
            }
        }
        let (parties, invalid_parties): (Vec<i64>, Vec<i64>) = req
            .parties
            .iter()
            .partition(|d| self.department(**d).is_some());
        if users.is_empty() && parties.is_empty() {
            return Err(Errcode::TAG_NODES_ALL_INVALID.into());
        }
        let t = &mut self.tags[i];
        let had: HashSet<String> = t.users.iter().map(|u| u.to_lowercase()).collect();
        let (users, parties): (Vec<String>, Vec<i64>) = if add {
            let new_users: Vec<String> = users
                .into_iter()
                .filter(|u| !had.contains(&u.to_lowercase()))
                .collect();
            let mut new_parties = parties;
            new_parties.retain(|d| !t.departments.contains(d));
            new_parties.dedup();
            t.users.extend(new_users.iter().cloned());
            t.departments.extend(new_parties.iter().copied());
            (new_users, new_parties)
        } else {
            let gone_users: Vec<String> = users
                .into_iter()
                .filter(|u| had.contains(&u.to_lowercase()))
                .collect();
            let mut gone_parties = parties;
            gone_parties.retain(|d| t.departments.contains(d));
            t.users
                .retain(|u| !gone_users.iter().any(|g| g.eq_ignore_ascii_case(u)));
            t.departments.retain(|d| !gone_parties.contains(d));
            (gone_users, gone_parties)
        };
        let tagid = t.tagid;
        self.reindex();
        let response = TagUsersResponse {
            invalidlist: invalid_users.join("|"),
            invalidparty: invalid_parties,
        };
        let (add_users, del_users, add_parties, del_parties) = if add {
            (users, Vec::new(), parties, Vec::new())
        } else {
            (Vec::new(), users, Vec::new(), parties)
        };
        let change = ContactChange::UpdateTag {
            tagid,
            add_users,
            del_users,
            add_parties,
            del_parties,
        };
        Ok((response, change))
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
