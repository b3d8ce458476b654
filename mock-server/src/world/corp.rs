//! Building a corp from its fixture (every cross-reference checked, with the position to blame) and the
//! lookups handlers make: members by userid, department subtrees, tag reach, an app's scope.

use serde_saphyr::Location;
use std::collections::{HashMap, HashSet};
use wecom_wire::crypto::MsgCrypt;

use super::{fixture, App, Callback, ContactSync, Corp, Department, Robot, Tag, User};

fn err<T>(at: Location, msg: String) -> Result<T, (Location, String)> {
    Err((at, msg))
}

impl Corp {
    pub(super) fn from_fixture(c: &fixture::Corp) -> Result<Corp, (Location, String)> {
        if c.corpid.value.is_empty() || !c.corpid.value.chars().all(|ch| ch.is_ascii_alphanumeric())
        {
            return err(
                c.corpid.referenced,
                format!("corpid {:?} must be letters and digits", c.corpid.value),
            );
        }
        let mut dept_by_id = HashMap::new();
        for (i, d) in c.departments.iter().enumerate() {
            if d.id.value <= 0 {
                return err(
                    d.id.referenced,
                    format!("department id {} must be positive", d.id.value),
                );
            }
            if dept_by_id.insert(d.id.value, i).is_some() {
                return err(
                    d.id.referenced,
                    format!("department id {} is declared twice", d.id.value),
                );
            }
        }
        for d in &c.departments {
            if let Some(p) = &d.parentid {
                if p.value != 0 && !dept_by_id.contains_key(&p.value) {
                    return err(
                        p.referenced,
                        format!("parentid {} is not a department of this corp", p.value),
                    );
                }
            }
        }
        let mut user_by_id = HashMap::new();
        for (i, u) in c.users.iter().enumerate() {
            let id = &u.userid.value;
            if id.is_empty() || id.len() > 64 || id.contains('|') {
                return err(
                    u.userid.referenced,
                    format!("userid {id:?} must be 1-64 characters without '|'"),
                );
            }
            if user_by_id.insert(id.to_lowercase(), i).is_some() {
                return err(
                    u.userid.referenced,
                    format!("userid {id:?} is declared twice (userids ignore case)"),
                );
            }
            for d in &u.department {
                if !dept_by_id.contains_key(&d.value) {
                    return err(
                        d.referenced,
                        format!(
                            "user {id:?} is in department {}, which is not declared",
                            d.value
                        ),
                    );
                }
            }
            if u.department.is_empty() {
                return err(
                    u.userid.referenced,
                    format!("user {id:?} belongs to no department"),
                );
            }
        }
        let check_user = |s: &serde_saphyr::Spanned<String>| {
            if user_by_id.contains_key(&s.value.to_lowercase()) {
                Ok(s.value.clone())
            } else {
                err(
                    s.referenced,
                    format!("userid {:?} is not a member of this corp", s.value),
                )
            }
        };
        let check_dept = |d: &serde_saphyr::Spanned<i64>| {
            if dept_by_id.contains_key(&d.value) {
                Ok(d.value)
            } else {
                err(
                    d.referenced,
                    format!("department {} is not declared", d.value),
                )
            }
        };
        let mut tag_by_id = HashMap::new();
        let mut tags = Vec::new();
        for (i, t) in c.tags.iter().enumerate() {
            if tag_by_id.insert(t.tagid.value, i).is_some() {
                return err(
                    t.tagid.referenced,
                    format!("tagid {} is declared twice", t.tagid.value),
                );
            }
            tags.push(Tag {
                tagid: t.tagid.value,
                tagname: t.tagname.clone(),
                users: t.users.iter().map(check_user).collect::<Result<_, _>>()?,
                departments: t
                    .departments
                    .iter()
                    .map(check_dept)
                    .collect::<Result<_, _>>()?,
            });
        }
        let departments: Vec<Department> = c
            .departments
            .iter()
            .map(|d| Department {
                id: d.id.value,
                name: d.name.clone(),
                name_en: d.name_en.clone(),
                parentid: d.parentid.as_ref().map_or(0, |p| p.value),
                order: d.order,
                leaders: d.leaders.clone(),
            })
            .collect();
        let users: Vec<User> = c
            .users
            .iter()
            .map(|u| User {
                userid: u.userid.value.clone(),
                name: u.name.clone(),
                departments: u.department.iter().map(|d| d.value).collect(),
                position: u.position.clone(),
                mobile: u.mobile.clone(),
                gender: u.gender,
                email: u.email.clone(),
                alias: u.alias.clone(),
                telephone: u.telephone.clone(),
                status: u.status,
                licensed: u.licensed,
                leader_in: u.leader_in.clone(),
                deleted: false,
            })
            .collect();
        let dept_members = members_by_subtree(&departments, &users);
        let mut corp = Corp {
            corpid: c.corpid.value.clone(),
            name: c.name.clone(),
            apps: Vec::new(),
            departments,
            users,
            tags,
            robots: c
                .robots
                .iter()
                .map(|r| Robot {
                    key: r.key.value.clone(),
                    name: r.name.clone(),
                })
                .collect(),
            customers: Vec::new(),
            kf: None,
            customer_tags: Vec::new(),
            groups: Vec::new(),
            external_contact_apps: None,
            contact_sync: None,
            customer_by_id: HashMap::new(),
            app_by_agentid: HashMap::new(),
            dept_by_id: dept_by_id.clone(),
            user_by_id: user_by_id.clone(),
            tag_by_id,
            dept_members,
        };
        for (i, a) in c.apps.iter().enumerate() {
            // 0 stands for the contacts-sync receiver in callbacks.
            if a.agentid.value <= 0 {
                return err(
                    a.agentid.referenced,
                    format!("agentid {} must be positive", a.agentid.value),
                );
            }
            if corp.app_by_agentid.insert(a.agentid.value, i).is_some() {
                return err(
                    a.agentid.referenced,
                    format!("agentid {} is declared twice", a.agentid.value),
                );
            }
            if a.secret.value.is_empty() {
                return err(a.secret.referenced, "secret must not be empty".into());
            }
            // gettoken finds the app by its secret: two apps with one secret would make one unreachable.
            if c.apps[..i]
                .iter()
                .any(|other| other.secret.value == a.secret.value)
            {
                return err(
                    a.secret.referenced,
                    format!("app {} has the same secret as another app", a.agentid.value),
                );
            }
            if let Some(cb) = &a.callback {
                check_callback(cb)?;
            }
            let scope = a.scope.as_ref();
            let scope_users: Vec<String> = scope
                .map(|s| s.users.iter().map(check_user).collect::<Result<_, _>>())
                .transpose()?
                .unwrap_or_default();
            let scope_departments: Vec<i64> = scope
                .map(|s| {
                    s.departments
                        .iter()
                        .map(check_dept)
                        .collect::<Result<_, _>>()
                })
                .transpose()?
                .unwrap_or_default();
            let scope_tags: Vec<i64> = scope
                .map(|s| {
                    s.tags
                        .iter()
                        .map(|t| {
                            if corp.tag_by_id.contains_key(&t.value) {
                                Ok(t.value)
                            } else {
                                err(t.referenced, format!("tag {} is not declared", t.value))
                            }
                        })
                        .collect::<Result<_, _>>()
                })
                .transpose()?
                .unwrap_or_default();
            let mut app = App {
                agentid: a.agentid.value,
                name: a.name.clone(),
                secret: a.secret.value.clone(),
                description: a.description.clone(),
                callback: a.callback.as_ref().map(callback),
                scope_users,
                scope_departments,
                scope_tags,
                trusted_ips: a
                    .trusted_ips
                    .iter()
                    .map(|ip| crate::trusted::parse(&ip.value).or_else(|e| err(ip.referenced, e)))
                    .collect::<Result<_, _>>()?,
                scoped: scope.is_some(),
                visible: None,
                deleted: Default::default(),
            };
            app.visible = corp.visible_to(&app);
            corp.apps.push(app);
        }
        corp.contact_sync = contact_sync(c)?;
        Ok(corp)
    }

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

fn check_callback(cb: &fixture::Callback) -> Result<(), (Location, String)> {
    // The crypto's own constructor decides, so a key every push would fail on is refused at load, where the
    // fixture's line can be named. The receiveid plays no part in the key's check.
    let key = &cb.encoding_aes_key.value;
    if let Err(e) = MsgCrypt::new(&cb.token.value, key, "") {
        return err(
            cb.encoding_aes_key.referenced,
            format!(
                "encoding_aes_key must be an EncodingAESKey, 43 characters of base64 (this one has {}): {e}",
                key.chars().count()
            ),
        );
    }
    if cb.token.value.is_empty() || cb.token.value.len() > 32 {
        return err(
            cb.token.referenced,
            "callback token must be 1-32 characters".into(),
        );
    }
    Ok(())
}

fn callback(cb: &fixture::Callback) -> Callback {
    Callback {
        url: cb.url.clone(),
        token: cb.token.value.clone(),
        encoding_aes_key: cb.encoding_aes_key.value.clone(),
    }
}

/// The contacts-sync secret: gettoken finds a credential by its secret, so it must differ from every app's.
fn contact_sync(c: &fixture::Corp) -> Result<Option<ContactSync>, (Location, String)> {
    let Some(s) = &c.contact_sync else {
        return Ok(None);
    };
    if s.secret.value.is_empty() {
        return err(s.secret.referenced, "secret must not be empty".into());
    }
    if c.apps.iter().any(|a| a.secret.value == s.secret.value) {
        return err(
            s.secret.referenced,
            "the contacts-sync secret is the same as an app's secret".into(),
        );
    }
    if let Some(cb) = &s.callback {
        check_callback(cb)?;
    }
    Ok(Some(ContactSync {
        secret: s.secret.value.clone(),
        callback: s.callback.as_ref().map(callback),
    }))
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
