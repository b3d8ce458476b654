//! The simulated company as the API sees it (the validated form of a fixture): corps, apps, departments,
//! members, tags and robots, indexed for the lookups the handlers make. Read-only; what calls change lives in
//! [`crate::store`].

mod aibots;
mod build;
mod corp;
mod customers;
pub mod edit;
pub mod fixture;
mod generated;
mod groups;
mod party;
mod population;
mod ranges;
mod seeded_ids;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_saphyr::Location;

pub use customers::{Customer, Kf, Upgrade};
pub use fixture::Fixture;
pub use groups::{CustomerGroup, GroupMember};
pub use population::{Customers, Generated};

/// The demo company `mock-server` starts with when no `--fixture` is given.
pub const DEFAULT_FIXTURE: &str = include_str!("default.yaml");
const DEFAULT_NAME: &str = "<built-in demo fixture>";

/// A fixture that cannot be used: where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct FixtureError {
    pub file: String,
    /// Where in the file; [`Location::UNKNOWN`] (line 0) when the problem has no place. A fixture inline in
    /// another file (a scenario's) has its places in that file.
    pub at: Location,
    pub message: String,
}

/// The simulated company as the API sees it. Outside the crate it is opaque: made here, handed to
/// [`crate::State::new`], and read back as `GET /mock/world` answers it ([`crate::State::world_view`]).
#[derive(Debug, Clone)]
pub struct World {
    pub(crate) seed: u64,
    pub(crate) corps: Vec<Corp>,
    corp_by_id: HashMap<String, usize>,
    /// robot key → (corp index, robot index)
    robot_by_key: HashMap<String, (usize, usize)>,
    /// AI bot botid → (corp index, bot index)
    aibot_by_id: HashMap<String, (usize, usize)>,
}

#[derive(Debug, Clone)]
pub struct Corp {
    pub corpid: String,
    pub name: String,
    pub apps: Vec<App>,
    pub departments: Vec<Department>,
    pub users: Vec<User>,
    pub tags: Vec<Tag>,
    pub robots: Vec<Robot>,
    pub customers: Customers,
    /// 智能机器人, in the fixture's order.
    pub aibots: Vec<AiBot>,
    pub kf: Option<Kf>,
    /// The customer tag library as the fixture declares it; calls change the store's copy.
    pub customer_tags: Vec<wecom_wire::externalcontact::TagGroup>,
    /// Customer groups as the fixture declares them; calls change the store's copy.
    pub groups: Vec<CustomerGroup>,
    /// Apps that may call `externalcontact/*`; `None` = every app.
    pub external_contact_apps: Option<Vec<i64>>,
    /// The 通讯录同步 secret and its receiver.
    pub contact_sync: Option<ContactSync>,
    app_by_agentid: HashMap<i64, usize>,
    dept_by_id: HashMap<i64, usize>,
    /// lower-cased userid → index; WeCom userids are case-insensitive.
    user_by_id: HashMap<String, usize>,
    tag_by_id: HashMap<i64, usize>,
    /// department id → members of it and of every department below it.
    dept_members: HashMap<i64, Vec<usize>>,
}

#[derive(Debug, Clone)]
pub struct App {
    pub agentid: i64,
    pub name: String,
    pub secret: String,
    pub description: String,
    pub callback: Option<Callback>,
    pub scope_users: Vec<String>,
    pub scope_departments: Vec<i64>,
    pub scope_tags: Vec<i64>,
    /// 企业可信IP: calls from elsewhere get 60020. Empty: from anywhere.
    pub trusted_ips: Vec<ipnet::IpNet>,
    /// Whether the fixture gave the app a scope (else it sees the whole corp).
    scoped: bool,
    /// Members the app may see and message; `None` = the whole corp.
    visible: Option<HashSet<usize>>,
    /// Deleted members (sorted), which an app that sees the whole corp no longer sees.
    deleted: std::sync::Arc<Vec<usize>>,
}

#[derive(Debug, Clone)]
pub struct ContactSync {
    pub secret: String,
    pub callback: Option<Callback>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Callback {
    pub url: Option<String>,
    pub token: String,
    pub encoding_aes_key: String,
}

#[derive(Debug, Clone)]
pub struct Department {
    pub id: i64,
    pub name: String,
    pub name_en: String,
    pub parentid: i64,
    pub order: i64,
    pub leaders: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct User {
    pub userid: String,
    pub name: String,
    pub departments: Vec<i64>,
    pub position: String,
    pub mobile: String,
    pub gender: u8,
    pub email: String,
    pub alias: String,
    pub telephone: String,
    pub status: i64,
    pub licensed: bool,
    pub leader_in: Vec<i64>,
    /// Deleted through the API: kept as a tombstone so the store's member indexes stay valid; no lookup
    /// returns it.
    pub deleted: bool,
}

impl User {
    /// An active, licensed member with only a userid, for a write or a generator to fill in.
    pub fn new(userid: String) -> User {
        User {
            userid,
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
        }
    }
}

#[derive(Debug, Clone)]
pub struct Tag {
    pub tagid: i64,
    pub tagname: String,
    pub users: Vec<String>,
    pub departments: Vec<i64>,
}

#[derive(Debug, Clone)]
pub struct Robot {
    pub key: String,
    pub name: String,
}

/// An AI bot (智能机器人): who it is, what it authenticates with, who may use it.
#[derive(Debug, Clone)]
pub struct AiBot {
    pub botid: String,
    pub secret: String,
    pub name: String,
    /// Indexes of the members who may talk to it; None: every member.
    pub members: Option<Vec<usize>>,
    pub callback: Option<Callback>,
}

impl FixtureError {
    /// `file:line:column: message`, or `file: message` when there is no position (the file cannot be read).
    fn render(&self) -> String {
        if self.at.line() == 0 {
            format!("{}: {}", self.file, self.message)
        } else {
            let (line, column) = (self.at.line(), self.at.column());
            format!("{}:{line}:{column}: {}", self.file, self.message)
        }
    }
}

impl World {
    /// The built-in demo company.
    pub fn demo() -> Result<(World, Fixture), FixtureError> {
        World::parse(DEFAULT_FIXTURE, DEFAULT_NAME)
    }

    /// The demo company with `n` more customers generated from the seed: the population benches and scale
    /// tests use.
    pub fn demo_with_customers(n: usize) -> Result<(World, Fixture), FixtureError> {
        World::demo_scaled(0, n)
    }

    /// The demo company with `n_users` more members and `n_customers` more customers, shared among all members.
    pub fn demo_scaled(
        n_users: usize,
        n_customers: usize,
    ) -> Result<(World, Fixture), FixtureError> {
        let yaml = DEFAULT_FIXTURE.replacen(
            "    customers:\n",
            &format!("    generate_users: {n_users}\n    generate_customers: {n_customers}\n    customers:\n"),
            1,
        );
        World::parse(&yaml, DEFAULT_NAME)
    }

    pub fn load(path: &Path) -> Result<(World, Fixture), FixtureError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| FixtureError {
            file: name.clone(),
            at: Location::UNKNOWN,
            message: format!("cannot read: {e}"),
        })?;
        World::parse(&text, &name)
    }

    /// Parses and validates. The fixture is returned too: the settings in it are the caller's to apply.
    pub fn parse(text: &str, file: &str) -> Result<(World, Fixture), FixtureError> {
        let fixture = wecom_wire::mock::yaml::read::<Fixture>(text).map_err(|(at, message)| {
            FixtureError {
                file: file.to_owned(),
                at: at.unwrap_or(Location::UNKNOWN),
                message,
            }
        })?;
        let world = World::from_parsed(&fixture, file)?;
        Ok((world, fixture))
    }

    /// Validates a fixture that is already deserialized (e.g. built in code, or read from another format)
    /// exactly as [`World::parse`] does after reading the text; `file` names it in errors.
    pub fn from_parsed(f: &Fixture, file: &str) -> Result<World, FixtureError> {
        World::from_fixture(f).map_err(|(at, message)| FixtureError {
            file: file.to_owned(),
            at,
            message,
        })
    }

    fn from_fixture(f: &Fixture) -> Result<World, (Location, String)> {
        let mut corps = Vec::with_capacity(f.corps.len());
        let mut corp_by_id = HashMap::new();
        let mut robot_by_key = HashMap::new();
        let mut aibot_by_id = HashMap::new();
        for (ci, c) in f.corps.iter().enumerate() {
            let mut corp = Corp::from_fixture(c)?;
            corp.add_generated_users(c)?;
            corp.add_customers(c, f.seed.unwrap_or(0), ci)?;
            corp.add_kf(c)?;
            corp.add_customer_tags(c, f.seed.unwrap_or(0), ci)?;
            corp.add_groups(c, f.seed.unwrap_or(0), ci)?;
            corp.add_upgrade_service(c)?;
            corp.add_aibots(c, ci, &mut aibot_by_id)?;
            if corp_by_id.insert(corp.corpid.clone(), ci).is_some() {
                return Err((
                    c.corpid.referenced,
                    format!("corpid {:?} is declared twice", corp.corpid),
                ));
            }
            for (ri, r) in c.robots.iter().enumerate() {
                if robot_by_key.insert(r.key.value.clone(), (ci, ri)).is_some() {
                    return Err((
                        r.key.referenced,
                        format!("robot key {:?} is declared twice", r.key.value),
                    ));
                }
            }
            corps.push(corp);
        }
        if corps.is_empty() {
            return Err((
                Location::UNKNOWN,
                "the fixture declares no corp (`corps:` is empty)".into(),
            ));
        }
        Ok(World {
            seed: f.seed.unwrap_or(0),
            corps,
            corp_by_id,
            robot_by_key,
            aibot_by_id,
        })
    }

    pub(crate) fn corp_index(&self, corpid: &str) -> Option<usize> {
        self.corp_by_id.get(corpid).copied()
    }

    /// A robot by key: (corp index, robot index).
    pub(crate) fn robot(&self, key: &str) -> Option<(usize, usize)> {
        self.robot_by_key.get(key).copied()
    }

    /// The AI bot with this botid: (corp index, bot index).
    pub fn aibot(&self, botid: &str) -> Option<(usize, usize)> {
        self.aibot_by_id.get(botid).copied()
    }
}

#[cfg(test)]
mod tests;
