//! Control-API answers loadgen reads: `GET /mock/world` ([`World`]), `GET /mock/customers`
//! ([`CustomerPage`]) and `GET /mock/faults` ([`FaultList`] of [`Fault`]s, which `POST /mock/faults` takes).
//! mock-server builds them, loadgen parses them.
//!
//! Fields are declared in their keys' alphabetical order: the answers were `json!` objects (sorted maps), and
//! a struct serializes in declaration order, so this order keeps the bytes on the wire as they were. A field
//! loadgen does not need is `default` when read, so a target that leaves it out still parses.

use serde::{Deserialize, Serialize};

/// `GET /mock/world`: the simulated company as a bot's operator needs it, credentials and live callback URLs
/// included.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct World {
    pub corps: Vec<Corp>,
    #[serde(default)]
    pub seed: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Corp {
    /// 智能机器人: AI bots members talk to.
    #[serde(default)]
    pub aibots: Vec<AiBot>,
    pub apps: Vec<App>,
    #[serde(default)]
    pub contact_sync_callback: Option<Callback>,
    #[serde(default)]
    pub contact_sync_secret: Option<String>,
    pub corpid: String,
    /// 客户群: customer groups.
    #[serde(default)]
    pub customer_groups: Vec<CustomerGroup>,
    /// The first customers only (the mock lists at most 100); `n_customers` counts them all, and
    /// [`CustomerPage`]s list every id.
    #[serde(default)]
    pub customers: Vec<Customer>,
    #[serde(default)]
    pub departments: Vec<Department>,
    /// 微信客服, when the corp has it.
    #[serde(default)]
    pub kf: Option<Kf>,
    #[serde(default)]
    pub n_customers: usize,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub robots: Vec<Robot>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// Members (deleted ones left out).
    #[serde(default)]
    pub users: Vec<Member>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct App {
    pub agentid: i64,
    /// Its callback keys and URLs, when it has callback keys.
    #[serde(default)]
    pub callback: Option<Callback>,
    #[serde(default)]
    pub name: String,
    pub secret: String,
    /// 企业可信IP, as set now.
    #[serde(default)]
    pub trusted_ips: Vec<String>,
}

/// A receiver's callback as pushes use it now.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Callback {
    pub encoding_aes_key: String,
    /// What the fixture says; when `url` is this one, nothing was set at run time.
    #[serde(default)]
    pub fixture_url: Option<String>,
    pub token: String,
    /// The live URL: one set at run time, else the fixture's (an older mock shows only the fixture's, here).
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Kf {
    /// Its accounts, in the order they were made.
    pub accounts: Vec<KfAccount>,
    /// The app whose token may call `kf/*`.
    pub agentid: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KfAccount {
    #[serde(default)]
    pub name: String,
    pub open_kfid: String,
    /// Servicers' userids.
    #[serde(default)]
    pub servicers: Vec<String>,
}

/// A WeChat customer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub external_userid: String,
    /// The members (userids) they are an external contact of, as the fixture says.
    #[serde(default)]
    pub follow: Vec<String>,
    #[serde(default)]
    pub name: String,
    /// 1: WeChat, 2: WeCom.
    #[serde(default, rename = "type")]
    pub kind: i64,
}

/// An AI bot (智能机器人): its long-connection credentials and, in callback mode, its callback.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AiBot {
    pub botid: String,
    /// Its callback keys and URLs, when it is in callback mode.
    #[serde(default)]
    pub callback: Option<Callback>,
    /// The members (userids) who may talk to it; absent: every member.
    #[serde(default)]
    pub members: Option<Vec<String>>,
    #[serde(default)]
    pub name: String,
    pub secret: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Robot {
    pub key: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Department {
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub parentid: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Member {
    #[serde(default)]
    pub department: Vec<i64>,
    #[serde(default)]
    pub name: String,
    pub userid: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    pub tagid: i64,
    #[serde(default)]
    pub tagname: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerGroup {
    pub chat_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub opengid: String,
}

/// `GET /mock/customers?offset=&limit=`: one page of the customers' ids, and how many there are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerPage {
    pub customers: Vec<String>,
    pub n_customers: usize,
}

/// A fault injected on one API path: a forced errcode, a delay, and the share of calls it hits. The body of
/// `POST /mock/faults`; an unknown field is refused there, so a typo does not set a fault that does nothing.
/// Its fields keep the order the mock has always written them in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// The path it applies to, as in the URL: `/cgi-bin/message/send`; or, on an AI bot's long connection, the
    /// command: `aibot:ping`, `aibot:aibot_respond_msg`.
    pub path: String,
    /// Answer with this errcode instead of handling the call.
    #[serde(default)]
    pub errcode: Option<i64>,
    /// Wait this long before answering (real time, not the mock clock).
    #[serde(default)]
    pub delay_ms: u64,
    /// Share of calls the fault hits, 0.0–1.0.
    #[serde(default = "always")]
    pub ratio: f64,
    /// Never answer (long-connection commands only): the ack is not sent, as on a dead path. On `aibot:ping`
    /// the mock also drops the connection, without answering, when the bot closes it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop: bool,
}

fn always() -> f64 {
    1.0
}

/// `GET /mock/faults` (and the answer to setting one): every fault in force.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FaultList {
    pub faults: Vec<Fault>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// Struct order is key order: serialized, an answer is byte for byte the sorted `json!` object it replaced.
    #[test]
    fn fields_serialize_in_key_order() {
        let corp = Corp {
            apps: vec![App {
                callback: Some(Callback::default()),
                ..App::default()
            }],
            contact_sync_callback: Some(Callback::default()),
            customer_groups: vec![CustomerGroup::default()],
            customers: vec![Customer::default()],
            departments: vec![Department::default()],
            kf: Some(Kf {
                accounts: vec![KfAccount::default()],
                agentid: 0,
            }),
            robots: vec![Robot::default()],
            tags: vec![Tag::default()],
            users: vec![Member::default()],
            ..Corp::default()
        };
        let world = World {
            corps: vec![corp],
            seed: 0,
        };
        let page = CustomerPage::default();
        for typed in [serde_json::to_string(&world), serde_json::to_string(&page)] {
            let typed = typed.unwrap();
            let sorted: Value = serde_json::from_str(&typed).unwrap();
            assert_eq!(typed, sorted.to_string());
        }
    }

    #[test]
    fn what_loadgen_needs_is_enough_to_read() {
        let w: World = serde_json::from_value(json!({"corps": [{
            "corpid": "ww1",
            "apps": [{"agentid": 1, "secret": "s", "callback": {"token": "t", "encoding_aes_key": "k"}}],
            "kf": {"agentid": 1, "accounts": [{"open_kfid": "wk1"}]},
        }]}))
        .unwrap();
        let c = &w.corps[0];
        assert_eq!(
            c.kf.as_ref().map(|k| k.accounts[0].open_kfid.as_str()),
            Some("wk1")
        );
        assert_eq!(
            c.apps[0].callback.as_ref().and_then(|cb| cb.url.clone()),
            None
        );
        assert!(c.users.is_empty() && c.robots.is_empty());
    }
}
