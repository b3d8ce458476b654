//! What calls change about the apps themselves: `agent/set`'s settings over the fixture's, and menus.

use dashmap::DashMap;

use wecom_wire::menu::Menu;

/// Settings `agent/set` changed; a field not set keeps the fixture's value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentSettings {
    pub name: Option<String>,
    pub description: Option<String>,
    pub redirect_domain: Option<String>,
    pub square_logo_url: Option<String>,
    pub report_location_flag: Option<i64>,
    pub isreportenter: Option<i64>,
    pub home_url: Option<String>,
}

#[derive(Debug, Default)]
pub struct Apps {
    /// (corp, agentid) → settings changed.
    pub settings: DashMap<(usize, i64), AgentSettings>,
    /// (corp, agentid) → the app's menu.
    pub menus: DashMap<(usize, i64), Menu>,
}

impl Apps {
    /// Everything, sorted, for comparing two stores.
    pub fn snapshot(&self) -> String {
        let mut s: Vec<String> = self
            .settings
            .iter()
            .map(|x| format!("{:?}{:?}", x.key(), x.value()))
            .collect();
        s.sort();
        let mut m: Vec<String> = self
            .menus
            .iter()
            .map(|x| format!("{:?}{:?}", x.key(), x.value()))
            .collect();
        m.sort();
        format!("{s:?}{m:?}")
    }
}
