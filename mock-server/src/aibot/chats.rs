//! The group chats members have talked to AI bots in: WeCom names each with a chatid the world does not declare,
//! so the mock gives each a small number when it is first used (what the group's inbox is keyed by), and
//! remembers which bots each has written to (an `aibot_send_msg` may only go to those).

use dashmap::{DashMap, DashSet};
use parking_lot::RwLock;

use super::BotKey;

/// Group chats the mock keeps apart; past this a new chatid is refused.
pub(crate) const MAX_CHATS: usize = 10_000;
/// Bytes of a chatid.
pub(crate) const MAX_CHATID_BYTES: usize = 64;

#[derive(Debug, Default)]
pub(crate) struct Chats {
    by_name: DashMap<(usize, String), usize>,
    /// (corp, chatid) by number.
    names: RwLock<Vec<(usize, String)>>,
    /// (corp, bot, chat) that have had a member's message.
    written: DashSet<(usize, usize, usize)>,
}

impl Chats {
    /// The number of corp `corp`'s chat `chatid`, given one now if new; none when it is too long or the mock
    /// keeps as many chats as it will.
    pub(crate) fn intern(&self, corp: usize, chatid: &str) -> Option<usize> {
        if chatid.is_empty() || chatid.len() > MAX_CHATID_BYTES {
            return None;
        }
        if let Some(n) = self.by_name.get(&(corp, chatid.to_owned())) {
            return Some(*n);
        }
        let mut names = self.names.write();
        if let Some(n) = self.by_name.get(&(corp, chatid.to_owned())) {
            return Some(*n);
        }
        if names.len() >= MAX_CHATS {
            return None;
        }
        let n = names.len();
        names.push((corp, chatid.to_owned()));
        self.by_name.insert((corp, chatid.to_owned()), n);
        Some(n)
    }

    pub(crate) fn find(&self, corp: usize, chatid: &str) -> Option<usize> {
        self.by_name.get(&(corp, chatid.to_owned())).map(|n| *n)
    }

    /// The chatid of chat `n`.
    pub(crate) fn name(&self, n: usize) -> String {
        self.names
            .read()
            .get(n)
            .map(|(_, id)| id.clone())
            .unwrap_or_default()
    }

    pub(crate) fn wrote(&self, key: BotKey, chat: usize) {
        self.written.insert((key.0, key.1, chat));
    }

    pub(crate) fn has_written(&self, key: BotKey, chat: usize) -> bool {
        self.written.contains(&(key.0, key.1, chat))
    }

    /// A reset forgets who wrote; the numbers stay, so an inbox key never changes its meaning.
    pub(crate) fn clear(&self) {
        self.written.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chat_keeps_its_number_and_corps_are_apart() {
        let c = Chats::default();
        let a = c.intern(0, "wrkSFfCgAA");
        assert_eq!(a, Some(0));
        assert_eq!(c.intern(0, "wrkSFfCgAA"), a);
        assert_eq!(c.intern(1, "wrkSFfCgAA"), Some(1));
        assert_eq!(c.find(0, "wrkSFfCgAA"), a);
        assert_eq!(c.name(1), "wrkSFfCgAA");
        assert_eq!(c.intern(0, ""), None);
        assert_eq!(c.intern(0, &"x".repeat(MAX_CHATID_BYTES + 1)), None);
    }
}
