//! The fixture file as written (the raw form): YAML, unknown keys refused, positions kept for the fields that
//! later checks point at. [`super::World::from_fixture`] turns it into the validated form.

use serde::Deserialize;
use serde_saphyr::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// Seeds every id the mock makes up (tokens, msgids, media ids), so a run can be repeated.
    #[serde(default)]
    pub(crate) seed: Option<u64>,
    #[serde(default)]
    pub(crate) settings: Option<crate::settings::SettingsPatch>,
    pub(crate) corps: Vec<Corp>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Corp {
    pub corpid: Spanned<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub apps: Vec<App>,
    #[serde(default)]
    pub departments: Vec<Department>,
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub robots: Vec<Robot>,
    /// WeChat users the company knows: external contacts of its members, customers of its kf accounts.
    #[serde(default)]
    pub customers: Vec<Customer>,
    /// This many more members (`member00001`, …), in the first department, for scale runs.
    #[serde(default)]
    pub generate_users: Option<Spanned<usize>>,
    /// This many more customers, made up from the seed (ids, names), for scale runs without huge files.
    #[serde(default)]
    pub generate_customers: Option<Spanned<usize>>,
    /// The first `count` generated customers all follow this member (the rest are shared out in turn), so a
    /// scale run can page over one member with many customers.
    #[serde(default)]
    pub generate_customers_for: Option<CustomersFor>,
    #[serde(default)]
    pub kf: Option<Kf>,
    /// The customer tag library (企业客户标签): groups of tags members put on their customers.
    #[serde(default)]
    pub customer_tags: Vec<CustomerTagGroup>,
    /// Customer groups (客户群): members and external contacts chatting in a group a member owns.
    #[serde(default)]
    pub customer_groups: Vec<CustomerGroup>,
    /// Apps that may call `externalcontact/*` (客户联系's 可调用应用). Absent: every app of the corp.
    #[serde(default)]
    pub external_contact_apps: Option<Vec<Spanned<i64>>>,
    /// The 通讯录同步 (contacts-sync) secret: a token of the corp with no app, which may write the directory.
    #[serde(default)]
    pub contact_sync: Option<ContactSync>,
    /// 智能机器人: AI bots members talk to, over the long connection or by callbacks.
    #[serde(default)]
    pub aibots: Vec<AiBot>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AiBot {
    /// The bot's id (`aibot_subscribe`'s `bot_id`), unique across the fixture.
    pub botid: Spanned<String>,
    /// What the long connection authenticates with.
    pub secret: Spanned<String>,
    #[serde(default)]
    pub name: String,
    /// The members who may talk to it. Absent: every member.
    #[serde(default)]
    pub members: Option<Vec<Spanned<String>>>,
    /// Callback mode: where WeCom posts the bot's encrypted JSON, and its keys.
    #[serde(default)]
    pub callback: Option<Callback>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactSync {
    pub secret: Spanned<String>,
    /// The contacts-sync receiver of `change_contact` events, with keys of its own.
    #[serde(default)]
    pub callback: Option<Callback>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerGroup {
    /// `wr…`; made up from the seed when absent.
    #[serde(default)]
    pub chat_id: Option<Spanned<String>>,
    pub name: String,
    /// A member of the corp.
    pub owner: Spanned<String>,
    /// Userids of members and external_userids of customers.
    #[serde(default)]
    pub members: Vec<Spanned<String>>,
    #[serde(default)]
    pub notice: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerTagGroup {
    pub group_name: Spanned<String>,
    #[serde(default)]
    pub order: i64,
    pub tags: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomersFor {
    pub userid: Spanned<String>,
    pub count: Spanned<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    pub external_userid: Spanned<String>,
    pub name: String,
    /// 1 a WeChat user, 2 a WeCom user of another company.
    #[serde(default = "one", rename = "type")]
    pub kind: i64,
    /// 0 unknown (the default), 1 male, 2 female.
    #[serde(default)]
    pub gender: Option<Spanned<i64>>,
    #[serde(default)]
    pub avatar: String,
    #[serde(default)]
    pub unionid: String,
    #[serde(default)]
    pub corp_name: String,
    #[serde(default)]
    pub position: String,
    /// Members who have this customer as an external contact.
    #[serde(default)]
    pub follow: Vec<Spanned<String>>,
}

/// 微信客服: the app that manages the accounts through the API (and gets their callbacks), and the accounts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kf {
    pub agentid: Spanned<i64>,
    #[serde(default)]
    pub accounts: Vec<KfAccount>,
    /// 升级服务: whom `kf/customer/upgrade_service` may recommend (the admin console's setting).
    #[serde(default)]
    pub upgrade_service: Option<UpgradeService>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpgradeService {
    #[serde(default)]
    pub member_range: UpgradeMembers,
    #[serde(default)]
    pub groupchat_range: UpgradeGroups,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpgradeMembers {
    #[serde(default)]
    pub userid_list: Vec<Spanned<String>>,
    #[serde(default)]
    pub department_id_list: Vec<Spanned<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpgradeGroups {
    /// Customer groups by `chat_id` or by name (the fixture's chat ids may be made up from the seed).
    #[serde(default)]
    pub chat_id_list: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KfAccount {
    pub open_kfid: Spanned<String>,
    pub name: Spanned<String>,
    #[serde(default)]
    pub avatar: String,
    /// Members who receive the account's customers; they start as receiving.
    #[serde(default)]
    pub servicers: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct App {
    pub agentid: Spanned<i64>,
    pub name: String,
    pub secret: Spanned<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub callback: Option<Callback>,
    /// Who the app can see and message. Absent: the whole corp.
    #[serde(default)]
    pub scope: Option<Scope>,
    /// 企业可信IP: addresses or CIDR blocks the app's API calls must come from. Absent or empty: anywhere.
    #[serde(default)]
    pub trusted_ips: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Callback {
    #[serde(default)]
    pub url: Option<String>,
    pub token: Spanned<String>,
    pub encoding_aes_key: Spanned<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    #[serde(default)]
    pub users: Vec<Spanned<String>>,
    #[serde(default)]
    pub departments: Vec<Spanned<i64>>,
    #[serde(default)]
    pub tags: Vec<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    pub id: Spanned<i64>,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// 0 for the root.
    #[serde(default)]
    pub parentid: Option<Spanned<i64>>,
    #[serde(default)]
    pub order: i64,
    /// Members of the corp.
    #[serde(default)]
    pub leaders: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub userid: Spanned<String>,
    pub name: String,
    pub department: Vec<Spanned<i64>>,
    #[serde(default)]
    pub position: String,
    #[serde(default)]
    pub mobile: String,
    /// 0 unknown (the default), 1 male, 2 female.
    #[serde(default)]
    pub gender: Option<Spanned<i64>>,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub alias: String,
    #[serde(default)]
    pub telephone: String,
    /// 1 active (the default), 2 disabled, 4 not yet joined, 5 resigned.
    #[serde(default)]
    pub status: Option<Spanned<i64>>,
    /// Without a license a member is listed in `unlicenseduser` and gets no app messages.
    #[serde(default = "yes")]
    pub licensed: bool,
    /// Departments among the member's own that it leads.
    #[serde(default)]
    pub leader_in: Vec<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tag {
    pub tagid: Spanned<i64>,
    pub tagname: String,
    #[serde(default)]
    pub users: Vec<Spanned<String>>,
    #[serde(default)]
    pub departments: Vec<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Robot {
    pub key: Spanned<String>,
    #[serde(default)]
    pub name: String,
}

fn one() -> i64 {
    1
}

fn yes() -> bool {
    true
}
