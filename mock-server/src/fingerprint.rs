//! What a refused call must not change, as one string: every part of the store and the directory. The
//! proptests compare it before and after each refused call; it lives here, beside the store's fields, so that
//! a new field cannot be left out without a word.

use dashmap::DashMap;
use std::fmt::Debug;
use std::hash::{BuildHasher, Hash};

use crate::state::State;
use crate::store::Store;
use crate::world::Corp;

impl State {
    /// Everything a refused call must leave as it was, frequency windows excepted, as one string: equal before
    /// and after a call, the call changed nothing in the directory or the store (what the control API shows of
    /// them and more). For tests; it walks the whole store.
    pub fn fingerprint(&self) -> String {
        let sim = self.sim();
        let s = &*sim.store;
        // Every part named: a new one does not compile here until it is fingerprinted or said why not.
        let Store {
            inboxes: _,        // in `inbox_totals`
            inbox_capacity: _, // a setting
            inbox_budget: _,   // follows the inboxes
            media,
            images,
            media_budget: _, // follows media and images
            chats,
            sent,
            recent,
            member_windows,
            // A call a frequency limit refuses starts its block, as on WeCom: these may change.
            api_windows: _,
            robot_windows: _,
            kf,
            contacts,
            transfers,
            groups,
            groupmsgs,
            jobs,
            activity,
            templates,
            links,
            acquisition,
            apps,
            cards,
            moments,
            kfstats,
            aibot_codes,
        } = s;
        let mut chats: Vec<String> = chats
            .iter()
            .map(|c| format!("{:?}{}", c.info, c.inbox.n_total))
            .collect();
        chats.sort();
        let (kf, contacts) = (kf_part(kf), contacts_part(contacts));
        let round2 = format!(
            "links={:?} acquisition={} apps={} cards={} moments={} kfstats={} aibot_codes={}",
            links.snapshot(),
            acquisition.snapshot(),
            apps.snapshot(),
            cards.snapshot(),
            moments.snapshot(),
            kfstats.snapshot(),
            aibot_codes.len(),
        );
        format!(
            "{:?} media={} images={} chats={chats:?} sent={} recent={} tokens={} kf={kf} {contacts} directory={} jobs={} oauth={} transfers={} groups={:?} groupmsgs={:?} activity={} templates={} windows={:?} {round2}",
            s.inbox_totals(),
            media.len(),
            images.len(),
            sent.n_pushed(),
            recent.len(),
            self.tokens.n_live(self.clock.now_ms()),
            directory(&sim.world.corps[0]),
            jobs.len(),
            self.jsapi.n_codes(),
            transfers.fingerprint(),
            groups.corps[0].lock(),
            groupmsgs.corps[0].lock(),
            activity.fingerprint(),
            templates.fingerprint(),
            sorted(member_windows),
        )
    }
}

fn kf_part(kf: &crate::store::kf::Kf) -> String {
    format!(
        "accounts={:?} sessions={:?} log={} codes={} upgrades={:?}",
        sorted(&kf.accounts),
        sorted(&kf.sessions),
        kf.end(0),
        kf.codes.len(),
        sorted(&kf.upgrades),
    )
}

fn contacts_part(contacts: &crate::store::contacts::Contacts) -> String {
    format!(
        "follows={:?} tags={:?} welcome={:?} ways={:?}",
        sorted(&contacts.follows),
        contacts.tags[0].lock(),
        sorted(&contacts.welcome_codes),
        sorted(&contacts.ways),
    )
}

/// A map's entries, each as debug text, in a stable order.
fn sorted<K: Debug + Eq + Hash, V: Debug, H: BuildHasher + Clone>(
    map: &DashMap<K, V, H>,
) -> Vec<String> {
    let mut entries: Vec<String> = map
        .iter()
        .map(|x| format!("{:?}{:?}", x.key(), x.value()))
        .collect();
    entries.sort();
    entries
}

/// The directory as a refused call could change it: members, departments, tags, and whom each app can see.
fn directory(c: &Corp) -> String {
    let users: Vec<_> = c
        .users
        .iter()
        .map(|u| {
            let who = (&u.userid, &u.name, &u.departments, &u.mobile, &u.email);
            (who, u.deleted, u.status, &u.leader_in)
        })
        .collect();
    let visible: Vec<Vec<usize>> = c
        .apps
        .iter()
        .map(|a| (0..c.users.len()).filter(|&i| a.can_see(i)).collect())
        .collect();
    format!("{users:?}{:?}{:?}{visible:?}", c.departments, c.tags)
}

#[cfg(test)]
mod tests {
    use tower::ServiceExt;

    #[tokio::test]
    async fn an_accepted_call_changes_it() {
        let st = crate::State::demo(crate::Config::default()).unwrap_or_else(|e| panic!("{e}"));
        let now = st.clock.now_ms();
        st.tokens.issue(0, 1_000_002, now, || "t".into());
        let before = st.fingerprint();
        assert_eq!(
            st.fingerprint(),
            before,
            "the same store, the same fingerprint"
        );
        let body =
            r#"{"touser":"zhangsan","msgtype":"text","agentid":1000002,"text":{"content":"hi"}}"#;
        let req = axum::http::Request::post("/cgi-bin/message/send?access_token=t")
            .body(axum::body::Body::from(body))
            .unwrap_or_else(|e| panic!("{e}"));
        let resp = crate::app(st.clone()).oneshot(req).await;
        assert!(resp.is_ok_and(|r| r.status() == 200));
        assert_ne!(st.fingerprint(), before, "a delivered message shows");
    }
}
