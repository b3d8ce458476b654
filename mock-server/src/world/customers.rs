//! The company's WeChat side: customers (declared, or generated from the seed for scale runs) with the members
//! who have them as external contacts, and the 微信客服 accounts with their servicers.

use serde_saphyr::Location;
use std::collections::HashMap;

use super::population::{Customers, Generated};
use super::{fixture, Corp};
use crate::ids::{derived, mix, ALNUM};

#[derive(Debug, Clone)]
pub struct Customer {
    pub external_userid: String,
    pub name: String,
    /// 1 a WeChat user, 2 a WeCom user of another company.
    pub kind: i64,
    pub gender: i64,
    pub avatar: String,
    pub unionid: String,
    pub corp_name: String,
    pub position: String,
    /// Members (indexes into the corp's users) who have this customer as an external contact.
    pub follow: Vec<usize>,
}

/// 微信客服 as the fixture sets it up; the accounts' live state (added, renamed, servicers) is in the store.
#[derive(Debug, Clone)]
pub struct Kf {
    /// The app whose token may call `kf/*` and whose callback URL gets `kf_msg_or_event`.
    pub agentid: i64,
    pub accounts: Vec<KfAccount>,
    /// 升级服务's range: members, departments and customer groups (chat ids) a customer may be recommended to.
    pub upgrade: Upgrade,
}

#[derive(Debug, Clone, Default)]
pub struct Upgrade {
    pub userids: Vec<String>,
    pub departments: Vec<i64>,
    pub chat_ids: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct KfAccount {
    pub open_kfid: String,
    pub name: String,
    pub avatar: String,
    pub servicers: Vec<String>,
}

/// When the fixture's tags are said to have been made: 2025-01-01.
const SEEDED_TAGS_S: i64 = 1_735_689_600;

/// Generated customers cost nothing each, but a full listing or an unfiltered group send walks them all; the cap
/// keeps a typo from making those calls take minutes.
pub const MAX_GENERATED: usize = 20_000_000;

type Fail = (Location, String);

/// WeCom's shape of an external_userid or a chat_id: 1-64 letters, digits, `_` or `-`.
pub(super) fn id_ok(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Corp {
    /// Declared customers, then the generated ones (`wm` + 30 characters that encode their number under a key
    /// from the seed and corp), derived on demand ([`super::population`]).
    pub(super) fn add_customers(
        &mut self,
        c: &fixture::Corp,
        seed: u64,
        ci: usize,
    ) -> Result<(), Fail> {
        let mut by_id = HashMap::with_capacity(c.customers.len());
        let mut declared = Vec::with_capacity(c.customers.len());
        for f in &c.customers {
            let customer = self.declared_customer(f)?;
            if by_id
                .insert(customer.external_userid.clone(), declared.len())
                .is_some()
            {
                return Err((
                    f.external_userid.referenced,
                    format!(
                        "external_userid {:?} is declared twice",
                        customer.external_userid
                    ),
                ));
            }
            declared.push(customer);
        }
        let generated =
            self.generated(c, mix(seed ^ (ci as u64).rotate_left(40)), declared.len())?;
        for f in &c.customers {
            if generated.index(&f.external_userid.value).is_some() {
                return Err((
                    f.external_userid.referenced,
                    format!(
                        "external_userid {:?} is a generated customer's",
                        f.external_userid.value
                    ),
                ));
            }
        }
        self.customers = Customers::new(declared, by_id, generated);
        Ok(())
    }

    /// How the generated customers are made, `generate_customers` and `generate_customers_for` checked.
    fn generated(&self, c: &fixture::Corp, key: u64, first: usize) -> Result<Generated, Fail> {
        let n = c.generate_customers.as_ref().map_or(0, |n| n.value);
        if let Some(g) = &c.generate_customers {
            if g.value > MAX_GENERATED {
                return Err((
                    g.referenced,
                    format!("generate_customers is at most {MAX_GENERATED}"),
                ));
            }
        }
        let focus = match &c.generate_customers_for {
            None => None,
            Some(f) => {
                let user = self.user_index(&f.userid.value).ok_or_else(|| {
                    (
                        f.userid.referenced,
                        format!(
                            "generate_customers_for: {:?} is not a member of this corp",
                            f.userid.value
                        ),
                    )
                })?;
                if f.count.value > n {
                    return Err((
                        f.count.referenced,
                        format!("generate_customers_for: count {} is more than generate_customers ({n})", f.count.value),
                    ));
                }
                Some((user, f.count.value))
            }
        };
        Ok(Generated {
            key,
            first,
            n,
            n_users: self.users.len(),
            focus,
        })
    }

    /// A declared customer, its id, type and followers checked.
    fn declared_customer(&self, f: &fixture::Customer) -> Result<Customer, Fail> {
        let id = &f.external_userid;
        if !id_ok(&id.value) {
            return Err((
                id.referenced,
                format!(
                    "external_userid {:?} must be 1-64 letters, digits, '_' or '-'",
                    id.value
                ),
            ));
        }
        if !matches!(f.kind, 1 | 2) {
            return Err((
                id.referenced,
                format!(
                    "customer {:?}: type must be 1 (WeChat) or 2 (WeCom)",
                    id.value
                ),
            ));
        }
        let mut follow = Vec::with_capacity(f.follow.len());
        for u in &f.follow {
            let i = self.user_index(&u.value).ok_or_else(|| {
                (
                    u.referenced,
                    format!("userid {:?} is not a member of this corp", u.value),
                )
            })?;
            if !follow.contains(&i) {
                follow.push(i);
            }
        }
        Ok(Customer {
            external_userid: id.value.clone(),
            name: f.name.clone(),
            kind: f.kind,
            gender: i64::from(super::ranges::gender(
                f.gender.as_ref(),
                &format!("customer {:?}", id.value),
            )?),
            avatar: f.avatar.clone(),
            unionid: f.unionid.clone(),
            corp_name: f.corp_name.clone(),
            position: f.position.clone(),
            follow,
        })
    }

    pub(super) fn add_kf(&mut self, c: &fixture::Corp) -> Result<(), Fail> {
        let Some(k) = &c.kf else { return Ok(()) };
        if self.app(k.agentid.value).is_none() {
            return Err((
                k.agentid.referenced,
                format!("kf.agentid {} is not an app of this corp", k.agentid.value),
            ));
        }
        let mut accounts: Vec<KfAccount> = Vec::with_capacity(k.accounts.len());
        for a in &k.accounts {
            if !id_ok(&a.open_kfid.value) {
                return Err((
                    a.open_kfid.referenced,
                    format!(
                        "open_kfid {:?} must be 1-64 letters, digits, '_' or '-'",
                        a.open_kfid.value
                    ),
                ));
            }
            if accounts.iter().any(|x| x.open_kfid == a.open_kfid.value) {
                return Err((
                    a.open_kfid.referenced,
                    format!("open_kfid {:?} is declared twice", a.open_kfid.value),
                ));
            }
            if let Err(e) = wecom_wire::kf::check_account_name(&a.name.value) {
                return Err((a.name.referenced, format!("kf account name: {}", e.text())));
            }
            let mut servicers = Vec::new();
            for s in &a.servicers {
                let u = self.user(&s.value).ok_or_else(|| {
                    (
                        s.referenced,
                        format!("servicer {:?} is not a member of this corp", s.value),
                    )
                })?;
                if !servicers.contains(&u.userid) {
                    servicers.push(u.userid.clone());
                }
            }
            accounts.push(KfAccount {
                open_kfid: a.open_kfid.value.clone(),
                name: a.name.value.clone(),
                avatar: a.avatar.clone(),
                servicers,
            });
        }
        self.kf = Some(Kf {
            agentid: k.agentid.value,
            accounts,
            upgrade: Upgrade::default(),
        });
        Ok(())
    }

    /// 升级服务's range, once the customer groups are known: every member, department and group must exist.
    pub(super) fn add_upgrade_service(&mut self, c: &fixture::Corp) -> Result<(), Fail> {
        let Some(u) = c.kf.as_ref().and_then(|k| k.upgrade_service.as_ref()) else {
            return Ok(());
        };
        let mut up = Upgrade::default();
        for s in &u.member_range.userid_list {
            let user = self.user(&s.value).ok_or_else(|| {
                (
                    s.referenced,
                    format!(
                        "upgrade_service member {:?} is not a member of this corp",
                        s.value
                    ),
                )
            })?;
            up.userids.push(user.userid.clone());
        }
        for d in &u.member_range.department_id_list {
            if self.department(d.value).is_none() {
                return Err((
                    d.referenced,
                    format!("upgrade_service department {} does not exist", d.value),
                ));
            }
            up.departments.push(d.value);
        }
        for g in &u.groupchat_range.chat_id_list {
            let group = self
                .groups
                .iter()
                .find(|x| x.chat_id == g.value || x.name == g.value);
            let group = group.ok_or_else(|| {
                (
                    g.referenced,
                    format!(
                        "upgrade_service group {:?} is no customer group's chat_id or name",
                        g.value
                    ),
                )
            })?;
            up.chat_ids.push(group.chat_id.clone());
        }
        if let Some(k) = self.kf.as_mut() {
            k.upgrade = up;
        }
        Ok(())
    }

    /// The tag library (ids `et` + 30 characters from the seed) and which apps may use 客户联系.
    pub(super) fn add_customer_tags(
        &mut self,
        c: &fixture::Corp,
        seed: u64,
        ci: usize,
    ) -> Result<(), Fail> {
        use wecom_wire::externalcontact::{check_tag_name, Tag, TagGroup};
        let mut groups: Vec<TagGroup> = Vec::new();
        for (gi, g) in c.customer_tags.iter().enumerate() {
            if let Err(e) = check_tag_name("group_name", &g.group_name.value) {
                return Err((g.group_name.referenced, e.text().to_owned()));
            }
            if groups.iter().any(|x| x.group_name == g.group_name.value) {
                return Err((
                    g.group_name.referenced,
                    format!("tag group {:?} is declared twice", g.group_name.value),
                ));
            }
            let key =
                mix(seed ^ (ci as u64).rotate_left(20) ^ (gi as u64).rotate_left(44) ^ 0x7461_6773);
            let mut tags: Vec<Tag> = Vec::new();
            for (ti, t) in g.tags.iter().enumerate() {
                if let Err(e) = check_tag_name("name", &t.value) {
                    return Err((t.referenced, e.text().to_owned()));
                }
                if tags.iter().any(|x| x.name == t.value) {
                    return Err((
                        t.referenced,
                        format!("tag {:?} is declared twice in its group", t.value),
                    ));
                }
                tags.push(Tag {
                    id: format!("et{}", derived(key ^ mix(ti as u64 + 1), 30, ALNUM)),
                    name: t.value.clone(),
                    create_time: SEEDED_TAGS_S,
                    order: 0,
                    deleted: false,
                });
            }
            groups.push(TagGroup {
                group_id: format!("et{}", derived(key, 30, ALNUM)),
                group_name: g.group_name.value.clone(),
                create_time: SEEDED_TAGS_S,
                order: g.order,
                deleted: false,
                tag: tags,
            });
        }
        self.customer_tags = groups;
        if let Some(apps) = &c.external_contact_apps {
            for a in apps {
                if self.app(a.value).is_none() {
                    return Err((
                        a.referenced,
                        format!(
                            "external_contact_apps: {} is not an app of this corp",
                            a.value
                        ),
                    ));
                }
            }
            self.external_contact_apps = Some(apps.iter().map(|a| a.value).collect());
        }
        Ok(())
    }

    /// Whether the app may call `externalcontact/*`.
    pub fn may_use_contacts(&self, agentid: i64) -> bool {
        self.external_contact_apps
            .as_ref()
            .is_none_or(|a| a.contains(&agentid))
    }

    pub fn customer_index(&self, external_userid: &str) -> Option<usize> {
        self.customers.index(external_userid)
    }

    /// Whether the app is the one that manages this corp's kf accounts.
    pub fn is_kf_app(&self, agentid: i64) -> bool {
        self.kf.as_ref().is_some_and(|k| k.agentid == agentid)
    }
}
