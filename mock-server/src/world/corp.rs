//! The lookups handlers make in a corp: members by userid, department subtrees, tag reach, an app's scope.

use std::collections::{HashMap, HashSet};

use super::{App, Corp, Department, Tag, User};

impl Corp {
    /// Members an app with a scope may see; `None` for an app that sees the whole corp.
    pub(super) fn visible_to(&self, app: &App) -> Option<HashSet<usize>> {
        if !app.scoped {
            return None;
        }
        let mut v = HashSet::new();
        v.extend(app.scope_users.iter().filter_map(|u| self.user_index(u)));
        for d in &app.scope_departments {
            v.extend(self.department_members(*d).iter().copied());
        }
        for t in &app.scope_tags {
            v.extend(self.tag_members(*t));
        }
        Some(v)
    }

    pub fn app(&self, agentid: i64) -> Option<&App> {
        self.app_by_agentid.get(&agentid).map(|&i| &self.apps[i])
    }

    pub fn user_index(&self, userid: &str) -> Option<usize> {
        if let Some(&i) = self.user_by_id.get(userid) {
            return Some(i);
        }
        self.user_by_id.get(&userid.to_lowercase()).copied()
    }

    pub fn user(&self, userid: &str) -> Option<&User> {
        self.user_index(userid).map(|i| &self.users[i])
    }

    /// The member at index `i`. The store outlives a world: a directory write swaps in a new world with the same
    /// store, so a call that loaded the previous world can meet a member created since; it reads as a deleted
    /// member with no userid instead of indexing past the list.
    pub fn member(&self, i: usize) -> &User {
        static UNKNOWN: std::sync::LazyLock<User> = std::sync::LazyLock::new(|| User {
            deleted: true,
            ..User::new(String::new())
        });
        self.users.get(i).unwrap_or(&UNKNOWN)
    }

    pub fn department(&self, id: i64) -> Option<&Department> {
        self.dept_by_id.get(&id).map(|&i| &self.departments[i])
    }

    /// Members of a department and of every department below it.
    pub fn department_members(&self, id: i64) -> &[usize] {
        self.dept_members
            .get(&id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Departments below `id` (not `id` itself), depth first.
    pub fn subdepartments(&self, id: i64) -> Vec<&Department> {
        let mut out = Vec::new();
        let mut seen = HashSet::from([id]);
        let mut stack = vec![id];
        while let Some(p) = stack.pop() {
            for d in self.departments.iter().filter(|d| d.parentid == p) {
                if seen.insert(d.id) {
                    out.push(d);
                    stack.push(d.id);
                }
            }
        }
        out
    }

    pub fn tag(&self, tagid: i64) -> Option<&Tag> {
        self.tag_by_id.get(&tagid).map(|&i| &self.tags[i])
    }

    /// Members a tag reaches: its users and the members of its departments.
    pub fn tag_members(&self, tagid: i64) -> Vec<usize> {
        let Some(t) = self.tag(tagid) else {
            return Vec::new();
        };
        let mut v: Vec<usize> = t.users.iter().filter_map(|u| self.user_index(u)).collect();
        for d in &t.departments {
            v.extend(self.department_members(*d).iter().copied());
        }
        v.sort_unstable();
        v.dedup();
        v
    }
}

impl App {
    /// True when the app has no scope: it sees the whole corp.
    pub fn can_see_all(&self) -> bool {
        self.visible.is_none()
    }

    pub fn can_see(&self, user: usize) -> bool {
        match &self.visible {
            Some(v) => v.contains(&user),
            None => self.deleted.binary_search(&user).is_err(),
        }
    }

    pub fn can_see_department(&self, corp: &Corp, id: i64) -> bool {
        if self.visible.is_none() {
            return true;
        }
        // A department is visible when it is in scope or lies below one that is.
        let mut cur = Some(id);
        let mut hops = 0;
        while let Some(d) = cur {
            if self.scope_departments.contains(&d) {
                return true;
            }
            cur = corp.department(d).map(|d| d.parentid).filter(|p| *p != 0);
            hops += 1;
            if hops > corp.departments.len() {
                break;
            }
        }
        false
    }
}

pub(super) fn members_by_subtree(
    departments: &[Department],
    users: &[User],
) -> HashMap<i64, Vec<usize>> {
    let mut out: HashMap<i64, Vec<usize>> = HashMap::new();
    let parent: HashMap<i64, i64> = departments.iter().map(|d| (d.id, d.parentid)).collect();
    for (ui, u) in users.iter().enumerate() {
        let mut seen = HashSet::new();
        for &d in &u.departments {
            let mut cur = d;
            // Walk up to the root; `seen` also stops a cycle in a hand-written fixture.
            while cur != 0 && seen.insert(cur) {
                out.entry(cur).or_default().push(ui);
                cur = parent.get(&cur).copied().unwrap_or(0);
            }
        }
    }
    out
}
