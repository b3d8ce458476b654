//! JS-SDK tickets and OAuth codes. Tickets (`get_jsapi_ticket` per corp, `ticket/get?type=agent_config` per
//! app) stay the same while valid and expire on the mock clock; like tokens they survive a reset. OAuth codes
//! are minted through the control API, used once, and live 5 minutes on the mock clock.

use dashmap::DashMap;
use std::sync::Arc;

use wecom_wire::directory::{OAUTH_CODE_TTL_S, TICKET_TTL_S};

/// Which ticket: the corp's (`wx.config`) or an app's (`wx.agentConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TicketKind {
    Corp,
    Agent(i64),
}

/// What a code stands for: a member who opened an app's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthCode {
    pub corp: usize,
    pub agentid: i64,
    pub user: usize,
    /// `snsapi_privateinfo` also gets a `user_ticket`.
    pub private_info: bool,
    pub expires_ms: i64,
}

#[derive(Debug, Default)]
pub struct Jsapi {
    tickets: DashMap<(usize, TicketKind), (Arc<str>, i64)>,
    codes: DashMap<String, OAuthCode>,
}

impl Jsapi {
    /// The current ticket, or a new one if there is none or it expired; with the seconds it has left.
    pub fn ticket(
        &self,
        corp: usize,
        kind: TicketKind,
        now_ms: i64,
        make: impl FnOnce() -> String,
    ) -> (Arc<str>, i64) {
        let mut e = self
            .tickets
            .entry((corp, kind))
            .or_insert_with(|| (Arc::from(""), i64::MIN));
        if e.1 <= now_ms {
            *e = (Arc::from(make()), now_ms + TICKET_TTL_S * 1000);
        }
        (e.0.clone(), (e.1 - now_ms) / 1000)
    }

    /// The ticket in force now, if any.
    pub fn live_ticket(&self, corp: usize, kind: TicketKind, now_ms: i64) -> Option<Arc<str>> {
        self.tickets
            .get(&(corp, kind))
            .filter(|e| e.1 > now_ms)
            .map(|e| e.0.clone())
    }

    pub fn add_code(&self, code: String, c: OAuthCode) {
        // Expired codes would otherwise pile up in a long run.
        if self.codes.len() % 1024 == 1023 {
            self.codes
                .retain(|_, x| x.expires_ms > c.expires_ms - OAUTH_CODE_TTL_S * 1000);
        }
        self.codes.insert(code, c);
    }

    /// Takes a code for the app: it is gone afterwards, whether or not it was still valid.
    pub fn take_code(
        &self,
        code: &str,
        corp: usize,
        agentid: i64,
        now_ms: i64,
    ) -> Option<OAuthCode> {
        // A code another app presents stays usable by its own app.
        let (_, c) = self
            .codes
            .remove_if(code, |_, c| c.corp == corp && c.agentid == agentid)?;
        (c.expires_ms > now_ms).then_some(c)
    }

    pub fn clear_codes(&self) {
        self.codes.clear();
    }

    /// For the property tests' fingerprint.
    pub fn n_codes(&self) -> usize {
        self.codes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_stay_until_expiry_and_differ_by_kind() {
        let j = Jsapi::default();
        let mut n = 0;
        let mut make = || {
            n += 1;
            format!("t{n}")
        };
        let (a, ttl) = j.ticket(0, TicketKind::Corp, 0, &mut make);
        assert_eq!(ttl, 7200);
        let (b, ttl) = j.ticket(0, TicketKind::Corp, 1_000_000, &mut make);
        assert_eq!((a.clone(), ttl), (b, 6200));
        let (c, _) = j.ticket(0, TicketKind::Agent(1), 0, &mut make);
        assert_ne!(a, c);
        let (d, _) = j.ticket(0, TicketKind::Corp, 7_200_000, &mut make);
        assert_ne!(a, d, "a new ticket once the old one expired");
        assert_eq!(j.live_ticket(0, TicketKind::Corp, 7_200_001), Some(d));
    }

    #[test]
    fn codes_are_single_use_for_their_app_and_expire() {
        let j = Jsapi::default();
        let code = |expires_ms| OAuthCode {
            corp: 0,
            agentid: 1,
            user: 2,
            private_info: false,
            expires_ms,
        };
        j.add_code("c".into(), code(300_000));
        assert_eq!(j.take_code("c", 0, 9, 0), None, "another app's code");
        assert_eq!(j.take_code("c", 0, 1, 0).map(|c| c.user), Some(2));
        assert_eq!(j.take_code("c", 0, 1, 0), None, "used once");
        j.add_code("d".into(), code(300_000));
        assert_eq!(j.take_code("d", 0, 1, 300_000), None, "expired");
    }
}
