//! Things a 客户联系 app configures for customer groups: group welcome templates (入群欢迎语素材) and 「加入群聊」
//! join ways. Each remembers the app that made it: only that app may change or delete it, as the docs say.

use dashmap::DashMap;

use wecom_wire::externalcontact::groupchat::JoinWay;
use wecom_wire::externalcontact::templates::GroupWelcome;

type Hasher = foldhash::fast::RandomState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub welcome: GroupWelcome,
    pub agentid: i64,
    pub notify: bool,
    pub created_s: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredJoinWay {
    pub way: JoinWay,
    pub agentid: i64,
}

#[derive(Debug, Default)]
pub struct Templates {
    /// (corp, template_id) → template.
    pub welcome: DashMap<(usize, String), Template, Hasher>,
    /// (corp, config_id) → join way.
    pub join_ways: DashMap<(usize, String), StoredJoinWay, Hasher>,
}

impl Templates {
    pub fn n_welcome(&self, corp: usize) -> usize {
        self.welcome.iter().filter(|t| t.key().0 == corp).count()
    }

    /// Everything, in a stable order, for tests that check a refused call changed nothing.
    pub fn fingerprint(&self) -> String {
        let mut rows: Vec<String> = self
            .welcome
            .iter()
            .map(|e| format!("{:?}{:?}", e.key(), e.value()))
            .chain(
                self.join_ways
                    .iter()
                    .map(|e| format!("{:?}{:?}", e.key(), e.value())),
            )
            .collect();
        rows.sort();
        rows.join(";")
    }
}
