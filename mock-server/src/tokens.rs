//! Access tokens: one per app (and one per corp for the contacts-sync secret), the same one while it is valid,
//! expiring on the mock clock. Kept outside the world's store so that a reset does not log out SDKs that cached
//! theirs.

use dashmap::DashMap;
use std::sync::Arc;

use wecom_wire::token::TOKEN_TTL_S;

/// Whose credential a token was issued for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Holder {
    /// An app's secret: the app's APIs, the directory read-only within its scope.
    App(i64),
    /// The corp's 通讯录同步 secret: the whole directory, read and write, and no app.
    ContactSync,
}

/// What a token opens: exactly one app of one corp, or one corp's directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub corp: usize,
    pub holder: Holder,
    pub expires_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Missing,
    Unknown,
    Expired,
}

/// Tokens are looked up on every call; foldhash is several times faster than SipHash on 128 bytes.
type Hasher = foldhash::fast::RandomState;

#[derive(Debug, Default)]
pub struct Tokens {
    by_token: DashMap<Arc<str>, Grant, Hasher>,
    by_app: DashMap<(usize, Holder), Arc<str>, Hasher>,
}

impl Tokens {
    /// The app's current token, or a new one if it has none or it expired. Returns the seconds it has left.
    /// Tests' shorthand for [`Tokens::issue_for`] an app.
    #[cfg(test)]
    pub fn issue(
        &self,
        corp: usize,
        agentid: i64,
        now_ms: i64,
        make: impl FnOnce() -> String,
    ) -> (Arc<str>, i64) {
        self.issue_for(corp, Holder::App(agentid), now_ms, make)
    }

    /// The holder's current token, or a new one if it has none or it expired. Returns the seconds it has left.
    pub fn issue_for(
        &self,
        corp: usize,
        holder: Holder,
        now_ms: i64,
        make: impl FnOnce() -> String,
    ) -> (Arc<str>, i64) {
        let mut current = self
            .by_app
            .entry((corp, holder))
            .or_insert_with(|| Arc::from(""));
        if let Some(g) = self.by_token.get(current.as_ref()) {
            if g.expires_ms > now_ms {
                return (current.clone(), (g.expires_ms - now_ms) / 1000);
            }
        }
        let token: Arc<str> = Arc::from(make());
        let expires_ms = now_ms + TOKEN_TTL_S * 1000;
        self.by_token.insert(
            token.clone(),
            Grant {
                corp,
                holder,
                expires_ms,
            },
        );
        *current = token.clone();
        drop(current);
        // Expired tokens are kept for a day so that they answer "expired" rather than "invalid", then dropped.
        self.by_token
            .retain(|_, g| g.expires_ms > now_ms - 86_400_000);
        (token, TOKEN_TTL_S)
    }

    pub fn check(&self, token: Option<&str>, now_ms: i64) -> Result<Grant, TokenError> {
        let token = token.filter(|t| !t.is_empty()).ok_or(TokenError::Missing)?;
        let g = *self.by_token.get(token).ok_or(TokenError::Unknown)?;
        if g.expires_ms <= now_ms {
            return Err(TokenError::Expired);
        }
        Ok(g)
    }

    pub fn n_live(&self, now_ms: i64) -> usize {
        self.by_token
            .iter()
            .filter(|g| g.expires_ms > now_ms)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_token_until_expiry_then_new() {
        let t = Tokens::default();
        let mut n = 0;
        let mut make = || {
            n += 1;
            format!("tok{n}")
        };
        let (a, ttl) = t.issue(0, 1, 0, &mut make);
        assert_eq!(ttl, 7200);
        let (b, ttl) = t.issue(0, 1, 1_000_000, &mut make);
        assert_eq!((a.clone(), ttl), (b, 6200));
        assert_eq!(
            t.check(Some(&a), 7_199_999).map(|g| g.holder),
            Ok(Holder::App(1))
        );
        assert_eq!(t.check(Some(&a), 7_200_000), Err(TokenError::Expired));
        let (c, _) = t.issue(0, 1, 7_200_000, &mut make);
        assert_ne!(a, c);
        assert_eq!(t.check(Some(&a), 7_200_001), Err(TokenError::Expired));
        assert!(t.check(Some(&c), 7_200_001).is_ok());
    }

    #[test]
    fn missing_and_unknown() {
        let t = Tokens::default();
        assert_eq!(t.check(None, 0), Err(TokenError::Missing));
        assert_eq!(t.check(Some(""), 0), Err(TokenError::Missing));
        assert_eq!(t.check(Some("x"), 0), Err(TokenError::Unknown));
    }

    #[test]
    fn apps_get_their_own_tokens() {
        let t = Tokens::default();
        let (a, _) = t.issue(0, 1, 0, || "a".into());
        let (b, _) = t.issue(0, 2, 0, || "b".into());
        let (c, _) = t.issue(1, 1, 0, || "c".into());
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            t.check(Some(&c), 0).map(|g| (g.corp, g.holder)),
            Ok((1, Holder::App(1)))
        );
        let (d, _) = t.issue_for(0, Holder::ContactSync, 0, || "d".into());
        assert_ne!(a, d, "the contacts-sync secret has a token of its own");
        assert_eq!(
            t.check(Some(&d), 0).map(|g| g.holder),
            Ok(Holder::ContactSync)
        );
    }
}
