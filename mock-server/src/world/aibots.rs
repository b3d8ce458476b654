//! 智能机器人 (AI bots) as the fixture declares them: each found by its botid across the whole world (the long
//! connection's `aibot_subscribe` names the bot and nothing else), with the members who may talk to it.

use serde_saphyr::Location;
use std::collections::HashMap;

use super::build::{callback, check_callback};
use super::{fixture, AiBot, Corp};

type Refused = (Location, String);

/// The most bytes of a botid or a secret: longer ones are a fixture's typo, not a credential.
const MAX_ID_BYTES: usize = 128;

impl Corp {
    /// Adds corp `ci`'s AI bots, indexing them in `by_botid` (shared by every corp of the world).
    pub(super) fn add_aibots(
        &mut self,
        c: &fixture::Corp,
        ci: usize,
        by_botid: &mut HashMap<String, (usize, usize)>,
    ) -> Result<(), Refused> {
        for (bi, b) in c.aibots.iter().enumerate() {
            for (what, v) in [("botid", &b.botid), ("secret", &b.secret)] {
                if v.value.is_empty() || v.value.len() > MAX_ID_BYTES {
                    let n = MAX_ID_BYTES;
                    return Err((v.referenced, format!("{what} must be 1-{n} bytes")));
                }
            }
            if by_botid.insert(b.botid.value.clone(), (ci, bi)).is_some() {
                return Err((
                    b.botid.referenced,
                    format!("aibot botid {:?} is declared twice", b.botid.value),
                ));
            }
            let members = match &b.members {
                None => None,
                Some(list) => Some(list.iter().map(|u| self.member_index(u)).collect::<Result<
                    Vec<_>,
                    Refused,
                >>(
                )?),
            };
            if let Some(cb) = &b.callback {
                check_callback(cb)?;
            }
            self.aibots.push(AiBot {
                botid: b.botid.value.clone(),
                secret: b.secret.value.clone(),
                name: b.name.clone(),
                members,
                callback: b.callback.as_ref().map(callback),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::world::World;

    const CORP: &str = "corps:\n  - corpid: ww1\n    departments:\n      - {id: 1, name: a}\n    users:\n      - {userid: ZhangSan, name: Z, department: [1]}\n      - {userid: lisi, name: L, department: [1]}\n";

    fn with(aibots: &str) -> Result<World, crate::FixtureError> {
        World::parse(&format!("{CORP}    aibots:\n{aibots}"), "t.yaml").map(|(w, _)| w)
    }

    #[test]
    fn the_demo_has_one_for_every_member_found_by_its_botid() {
        let (w, _) = World::demo().unwrap();
        let (ci, bi) = w.aibot("aibDemoAssistant0000000000000001").unwrap();
        let b = &w.corps[ci].aibots[bi];
        assert_eq!((b.name.as_str(), b.members.as_ref()), ("智能助手", None));
        assert!(b.callback.is_none());
        assert_eq!(w.aibot("aibNobody"), None);
    }

    #[test]
    fn members_are_checked_and_kept_by_index_case_insensitively() {
        let w = with("      - {botid: b1, secret: s, members: [zhangsan]}\n").unwrap();
        let b = &w.corps[0].aibots[0];
        assert_eq!(b.members, Some(vec![0]));
        let e = with("      - {botid: b1, secret: s, members: [wangwu]}\n").unwrap_err();
        assert_eq!(e.at.line(), 9, "{e}");
        assert!(e.message.contains("\"wangwu\" is not a member"), "{e}");
    }

    #[test]
    fn botids_are_unique_and_credentials_present() {
        let twice = "      - {botid: b1, secret: s}\n      - {botid: b1, secret: t}\n";
        let e = with(twice).unwrap_err();
        assert_eq!(e.at.line(), 10, "{e}");
        assert!(e.message.contains("declared twice"), "{e}");
        for (bad, says) in [
            (
                "      - {botid: '', secret: s}\n",
                "botid must be 1-128 bytes",
            ),
            (
                "      - {botid: b1, secret: ''}\n",
                "secret must be 1-128 bytes",
            ),
            (
                "      - {botid: b1, secret: s, callback: {token: t, encoding_aes_key: short}}\n",
                "43",
            ),
            ("      - {botid: b1}\n", "missing field `secret`"),
        ] {
            let e = with(bad).unwrap_err();
            assert!(e.message.contains(says), "{bad}: {e}");
            assert_eq!(e.at.line(), 9, "{bad}: {e}");
        }
    }

    #[test]
    fn a_botid_is_unique_across_corps() {
        let two = "corps:\n  - corpid: ww1\n    aibots: [{botid: b1, secret: s}]\n  - corpid: ww2\n    aibots: [{botid: b1, secret: s}]\n";
        let e = World::parse(two, "t.yaml").unwrap_err();
        assert_eq!(e.at.line(), 5, "{e}");
    }
}
