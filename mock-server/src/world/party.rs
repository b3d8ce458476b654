//! Department and tag writes of the contacts-sync token applied to a corp, by the rules of docs 90205–90215:
//! a department's parent must exist and not lie below it, siblings have distinct names, only an empty leaf
//! department goes; tag names are unique. Each checks everything, then changes.

use std::collections::HashSet;

use wecom_wire::directory::change::ContactChange;
use wecom_wire::directory::edit::{DepartmentFields, TagUsers, TagUsersResponse};
use wecom_wire::{Errcode, WireError};

use super::{Corp, Department, Tag};

type Edit<T> = Result<T, WireError>;

impl Corp {
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
