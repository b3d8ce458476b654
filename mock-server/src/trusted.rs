//! 企业可信IP (trusted IPs): an app that lists them answers 60020 to calls from any other address, as WeCom does
//! for apps created since 2022-06-20. Off unless the fixture or the control API sets a list.

use dashmap::DashMap;
use ipnet::IpNet;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::world::World;

/// An address or a CIDR block, as the admin console takes them (`203.0.113.7`, `10.0.0.0/8`, `::1`).
pub fn parse(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{s:?} is not an IP address or a CIDR block"))
}

#[derive(Debug, Default)]
pub struct TrustedIps {
    /// How many apps have a list: with none, a call pays one atomic load.
    n_apps: AtomicUsize,
    by_app: DashMap<(usize, i64), Arc<[IpNet]>>,
}

impl TrustedIps {
    pub fn from_world(world: &World) -> Self {
        let t = TrustedIps::default();
        t.reset(world);
        t
    }

    /// Back to the fixture's lists.
    pub fn reset(&self, world: &World) {
        self.by_app.clear();
        for (ci, corp) in world.corps.iter().enumerate() {
            for app in corp.apps.iter().filter(|a| !a.trusted_ips.is_empty()) {
                self.by_app
                    .insert((ci, app.agentid), app.trusted_ips.clone().into());
            }
        }
        self.n_apps.store(self.by_app.len(), Ordering::Relaxed);
    }

    /// Whether the app takes calls from `ip` (an app without a list takes them from anywhere).
    pub fn allows(&self, corp: usize, agentid: i64, ip: IpAddr) -> bool {
        if self.n_apps.load(Ordering::Relaxed) == 0 {
            return true;
        }
        // A dual-stack socket reports IPv4 callers as ::ffff:a.b.c.d.
        let ip = ip.to_canonical();
        self.by_app
            .get(&(corp, agentid))
            .is_none_or(|nets| nets.iter().any(|n| n.contains(&ip)))
    }

    /// Sets the app's list; an empty one turns the check off for it.
    pub fn set(&self, corp: usize, agentid: i64, nets: Vec<IpNet>) {
        if nets.is_empty() {
            self.by_app.remove(&(corp, agentid));
        } else {
            self.by_app.insert((corp, agentid), nets.into());
        }
        self.n_apps.store(self.by_app.len(), Ordering::Relaxed);
    }

    pub fn get(&self, corp: usize, agentid: i64) -> Vec<String> {
        self.by_app
            .get(&(corp, agentid))
            .map(|nets| nets.iter().map(IpNet::to_string).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_blocks() {
        let t = TrustedIps::default();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap_or_else(|e| panic!("{e}"));
        assert!(t.allows(0, 1, ip("198.51.100.1")), "no list: open");
        let nets = ["203.0.113.7", "10.0.0.0/8", "::1"]
            .map(|s| parse(s).unwrap_or_else(|e| panic!("{e}")));
        t.set(0, 1, nets.to_vec());
        assert!(t.allows(0, 1, ip("203.0.113.7")));
        assert!(t.allows(0, 1, ip("10.20.30.40")));
        assert!(
            t.allows(0, 1, ip("::ffff:10.0.0.1")),
            "an IPv4 caller on a dual-stack socket"
        );
        assert!(t.allows(0, 1, ip("::1")));
        assert!(!t.allows(0, 1, ip("203.0.113.8")));
        assert!(t.allows(0, 2, ip("203.0.113.8")), "another app has no list");
        assert!(
            t.allows(1, 1, ip("203.0.113.8")),
            "nor the same agentid in another corp"
        );
        t.set(0, 1, Vec::new());
        assert!(t.allows(0, 1, ip("203.0.113.8")));
        assert!(parse("300.1.1.1").is_err());
        assert!(parse("10.0.0.0/33").is_err());
    }
}
