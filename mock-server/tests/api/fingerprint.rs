//! What a refused call must not change, as one string: every part of the store and the directory, for the
//! proptests in `props.rs`.

use mock_server::State;

/// What a refused call must not change (frequency windows excepted: a call a limit refuses starts its block, as on
/// WeCom).
pub fn fingerprint(st: &State) -> String {
    let sim = st.sim();
    let s = &sim.store;
    let mut chats: Vec<String> = s
        .chats
        .iter()
        .map(|c| format!("{:?}{}", c.info, c.inbox.n_total))
        .collect();
    chats.sort();
    let mut accounts: Vec<String> =
        s.kf.accounts
            .iter()
            .map(|a| format!("{:?}{:?}", a.key(), a.value()))
            .collect();
    accounts.sort();
    let mut sessions: Vec<String> =
        s.kf.sessions
            .iter()
            .map(|x| format!("{:?}{:?}", x.key(), x.value()))
            .collect();
    sessions.sort();
    let mut follows: Vec<String> = s
        .contacts
        .follows
        .iter()
        .map(|x| format!("{:?}{:?}", x.key(), x.value()))
        .collect();
    follows.sort();
    let tags = format!("{:?}", s.contacts.tags[0].lock());
    let c = &sim.world.corps[0];
    let directory = format!(
        "{:?}{:?}{:?}{:?}",
        c.users
            .iter()
            .map(|u| (
                &u.userid,
                &u.name,
                &u.departments,
                &u.mobile,
                &u.email,
                u.deleted,
                u.status,
                &u.leader_in
            ))
            .collect::<Vec<_>>(),
        c.departments,
        c.tags,
        c.apps
            .iter()
            .map(|a| (0..c.users.len())
                .filter(|&i| a.can_see(i))
                .collect::<Vec<_>>())
            .collect::<Vec<_>>(),
    );
    let mut welcome: Vec<String> = s
        .contacts
        .welcome_codes
        .iter()
        .map(|x| format!("{:?}{:?}", x.key(), x.value()))
        .collect();
    welcome.sort();
    let mut ways: Vec<String> = s
        .contacts
        .ways
        .iter()
        .map(|x| format!("{:?}{:?}", x.key(), x.value()))
        .collect();
    ways.sort();
    let transfers = s.transfers.fingerprint();
    let groups = format!("{:?}", s.groups.corps[0].lock());
    let groupmsgs = format!("{:?}", s.groupmsgs.corps[0].lock());
    let mut windows: Vec<String> = s
        .member_windows
        .iter()
        .map(|x| format!("{:?}{:?}", x.key(), x.value()))
        .collect();
    windows.sort();
    let round2 = format!(
        "links={:?} acquisition={} apps={} cards={} moments={} kfstats={} upgrades={:?}",
        s.links.snapshot(),
        s.acquisition.snapshot(),
        s.apps.snapshot(),
        s.cards.snapshot(),
        s.moments.snapshot(),
        s.kfstats.snapshot(),
        {
            let mut u: Vec<String> =
                s.kf.upgrades
                    .iter()
                    .map(|x| format!("{:?}{:?}", x.key(), x.value()))
                    .collect();
            u.sort();
            u
        },
    );
    format!(
        "{:?} media={} images={} chats={:?} sent={} recent={} tokens={} kf={:?}{:?} log={} codes={} follows={:?} tags={} directory={} jobs={} oauth={} welcome={:?} ways={:?} transfers={} groups={} groupmsgs={} activity={} templates={} windows={windows:?} {round2}",
        s.inbox_totals(),
        s.media.len(),
        s.images.len(),
        chats,
        s.sent.n_pushed(),
        s.recent.len(),
        st.tokens.n_live(st.clock.now_ms()),
        accounts,
        sessions,
        s.kf.end(0),
        s.kf.codes.len(),
        follows,
        tags,
        directory,
        s.jobs.len(),
        st.jsapi.n_codes(),
        welcome,
        ways,
        transfers,
        groups,
        groupmsgs,
        s.activity.fingerprint(),
        s.templates.fingerprint(),
    )
}
