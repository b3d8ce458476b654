//! Building a corp from its fixture: every cross-reference checked, with the fixture's position to blame.

use serde_saphyr::{Location, Spanned};
use std::collections::HashMap;
use wecom_wire::crypto::MsgCrypt;

use super::corp::members_by_subtree;
use super::{fixture, ranges, App, Callback, ContactSync, Corp, Department, Robot, Tag, User};

/// Where in the fixture a check failed, and why.
type Refused = (Location, String);

fn err<T>(at: Location, msg: String) -> Result<T, Refused> {
    Err((at, msg))
}

impl Corp {
    pub(super) fn from_fixture(c: &fixture::Corp) -> Result<Corp, Refused> {
        check_corpid(&c.corpid)?;
        let dept_by_id = index_departments(&c.departments)?;
        let user_by_id = index_users(&c.users, &dept_by_id)?;
        let users = users(&c.users)?;
        let departments = departments(&c.departments, &user_by_id)?;
        let dept_members = members_by_subtree(&departments, &users);
        let mut corp = Corp {
            corpid: c.corpid.value.clone(),
            name: c.name.clone(),
            apps: Vec::new(),
            departments,
            users,
            tags: Vec::new(),
            robots: c
                .robots
                .iter()
                .map(|r| Robot {
                    key: r.key.value.clone(),
                    name: r.name.clone(),
                })
                .collect(),
            customers: Default::default(),
            aibots: Vec::new(),
            kf: None,
            customer_tags: Vec::new(),
            groups: Vec::new(),
            external_contact_apps: None,
            contact_sync: None,
            app_by_agentid: HashMap::new(),
            dept_by_id,
            user_by_id,
            tag_by_id: HashMap::new(),
            dept_members,
        };
        corp.add_tags(&c.tags)?;
        for (i, a) in c.apps.iter().enumerate() {
            corp.add_app(a, &c.apps[..i])?;
        }
        corp.contact_sync = contact_sync(c)?;
        Ok(corp)
    }

    fn add_tags(&mut self, tags: &[fixture::Tag]) -> Result<(), Refused> {
        for (i, t) in tags.iter().enumerate() {
            if self.tag_by_id.insert(t.tagid.value, i).is_some() {
                return err(
                    t.tagid.referenced,
                    format!("tagid {} is declared twice", t.tagid.value),
                );
            }
            let tag = Tag {
                tagid: t.tagid.value,
                tagname: t.tagname.clone(),
                users: t
                    .users
                    .iter()
                    .map(|u| self.known_user(u))
                    .collect::<Result<_, _>>()?,
                departments: t
                    .departments
                    .iter()
                    .map(|d| self.known_department(d))
                    .collect::<Result<_, _>>()?,
            };
            self.tags.push(tag);
        }
        Ok(())
    }

    /// Adds app `a`, declared after `earlier`.
    fn add_app(&mut self, a: &fixture::App, earlier: &[fixture::App]) -> Result<(), Refused> {
        // 0 stands for the contacts-sync receiver in callbacks.
        if a.agentid.value <= 0 {
            return err(
                a.agentid.referenced,
                format!("agentid {} must be positive", a.agentid.value),
            );
        }
        if self
            .app_by_agentid
            .insert(a.agentid.value, earlier.len())
            .is_some()
        {
            return err(
                a.agentid.referenced,
                format!("agentid {} is declared twice", a.agentid.value),
            );
        }
        if a.secret.value.is_empty() {
            return err(a.secret.referenced, "secret must not be empty".into());
        }
        // gettoken finds the app by its secret: two apps with one secret would make one unreachable.
        if earlier
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
        let mut app = App {
            agentid: a.agentid.value,
            name: a.name.clone(),
            secret: a.secret.value.clone(),
            description: a.description.clone(),
            callback: a.callback.as_ref().map(callback),
            scope_users: Vec::new(),
            scope_departments: Vec::new(),
            scope_tags: Vec::new(),
            trusted_ips: Vec::new(),
            scoped: a.scope.is_some(),
            visible: None,
            deleted: Default::default(),
        };
        // Checked in the fixture's order of blame: the scope, then the trusted IPs.
        if let Some(scope) = &a.scope {
            self.set_scope(&mut app, scope)?;
        }
        app.trusted_ips = a
            .trusted_ips
            .iter()
            .map(|ip| crate::trusted::parse(&ip.value).or_else(|e| err(ip.referenced, e)))
            .collect::<Result<_, _>>()?;
        app.visible = self.visible_to(&app);
        self.apps.push(app);
        Ok(())
    }

    fn set_scope(&self, app: &mut App, scope: &fixture::Scope) -> Result<(), Refused> {
        app.scope_users = scope
            .users
            .iter()
            .map(|u| self.known_user(u))
            .collect::<Result<_, _>>()?;
        app.scope_departments = scope
            .departments
            .iter()
            .map(|d| self.known_department(d))
            .collect::<Result<_, _>>()?;
        app.scope_tags = scope
            .tags
            .iter()
            .map(|t| {
                if self.tag_by_id.contains_key(&t.value) {
                    Ok(t.value)
                } else {
                    err(t.referenced, format!("tag {} is not declared", t.value))
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(())
    }

    fn known_user(&self, s: &Spanned<String>) -> Result<String, Refused> {
        self.member_index(s).map(|_| s.value.clone())
    }

    /// The index of the member `s` names (userids are case-insensitive), or the fixture's place to blame.
    pub(super) fn member_index(&self, s: &Spanned<String>) -> Result<usize, Refused> {
        match self.user_by_id.get(&s.value.to_lowercase()) {
            Some(&i) => Ok(i),
            None => err(
                s.referenced,
                format!("userid {:?} is not a member of this corp", s.value),
            ),
        }
    }

    fn known_department(&self, d: &Spanned<i64>) -> Result<i64, Refused> {
        if self.dept_by_id.contains_key(&d.value) {
            Ok(d.value)
        } else {
            err(
                d.referenced,
                format!("department {} is not declared", d.value),
            )
        }
    }
}

fn check_corpid(corpid: &Spanned<String>) -> Result<(), Refused> {
    let id = &corpid.value;
    if id.is_empty() || !id.chars().all(|ch| ch.is_ascii_alphanumeric()) {
        return err(
            corpid.referenced,
            format!("corpid {id:?} must be letters and digits"),
        );
    }
    Ok(())
}

/// Departments by id, each id positive and declared once, each parent declared.
fn index_departments(departments: &[fixture::Department]) -> Result<HashMap<i64, usize>, Refused> {
    let mut dept_by_id = HashMap::new();
    for (i, d) in departments.iter().enumerate() {
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
    for d in departments {
        if let Some(p) = &d.parentid {
            if p.value != 0 && !dept_by_id.contains_key(&p.value) {
                return err(
                    p.referenced,
                    format!("parentid {} is not a department of this corp", p.value),
                );
            }
        }
    }
    Ok(dept_by_id)
}

/// Members by lowercased userid, each declared once and in at least one declared department.
fn index_users(
    users: &[fixture::User],
    dept_by_id: &HashMap<i64, usize>,
) -> Result<HashMap<String, usize>, Refused> {
    let mut user_by_id = HashMap::new();
    for (i, u) in users.iter().enumerate() {
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
        if let Some(d) = u
            .department
            .iter()
            .find(|d| !dept_by_id.contains_key(&d.value))
        {
            return err(
                d.referenced,
                format!(
                    "user {id:?} is in department {}, which is not declared",
                    d.value
                ),
            );
        }
        if u.department.is_empty() {
            return err(
                u.userid.referenced,
                format!("user {id:?} belongs to no department"),
            );
        }
    }
    Ok(user_by_id)
}

fn departments(
    departments: &[fixture::Department],
    user_by_id: &HashMap<String, usize>,
) -> Result<Vec<Department>, Refused> {
    departments
        .iter()
        .map(|d| {
            Ok(Department {
                id: d.id.value,
                name: d.name.clone(),
                name_en: d.name_en.clone(),
                parentid: d.parentid.as_ref().map_or(0, |p| p.value),
                order: d.order,
                leaders: ranges::leaders(d, |id| user_by_id.contains_key(id))?,
            })
        })
        .collect()
}

fn users(users: &[fixture::User]) -> Result<Vec<User>, Refused> {
    users
        .iter()
        .map(|u| {
            Ok(User {
                userid: u.userid.value.clone(),
                name: u.name.clone(),
                departments: u.department.iter().map(|d| d.value).collect(),
                position: u.position.clone(),
                mobile: u.mobile.clone(),
                gender: ranges::gender(u.gender.as_ref(), &format!("user {:?}", u.userid.value))?,
                email: u.email.clone(),
                alias: u.alias.clone(),
                telephone: u.telephone.clone(),
                status: ranges::status(u)?,
                licensed: u.licensed,
                leader_in: ranges::leader_in(u)?,
                deleted: false,
            })
        })
        .collect()
}

pub(super) fn check_callback(cb: &fixture::Callback) -> Result<(), Refused> {
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

pub(super) fn callback(cb: &fixture::Callback) -> Callback {
    Callback {
        url: cb.url.clone(),
        token: cb.token.value.clone(),
        encoding_aes_key: cb.encoding_aes_key.value.clone(),
    }
}

/// The contacts-sync secret: gettoken finds a credential by its secret, so it must differ from every app's.
fn contact_sync(c: &fixture::Corp) -> Result<Option<ContactSync>, Refused> {
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
