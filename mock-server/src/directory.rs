//! The directory route: a contacts-sync write is applied to a copy of the corp and swapped in with the same
//! store (so every reader sees it at once), then each change becomes a `change_contact` push to the corp's
//! contacts-sync receiver, when it has callback keys, and an event on the stream.

use std::sync::Arc;

use wecom_wire::directory::change::ContactChange;
use wecom_wire::WireError;

use crate::callback::{Push, CONTACT_SYNC};
use crate::events::{Event, EventKind, Now, Route};
use crate::state::State;
use crate::world::Corp;

/// Applies `edit` to corp `corp` (nothing changes if it refuses) and announces the changes it reports.
pub fn write<T>(
    st: &Arc<State>,
    corp: usize,
    edit: impl FnOnce(&mut Corp) -> Result<(T, Vec<ContactChange>), WireError>,
) -> Result<T, WireError> {
    let (out, changes) = st.edit_corp(corp, edit)?;
    for change in &changes {
        notify(st, corp, change);
    }
    Ok(out)
}

/// Pushes one change to the contacts-sync receiver; returns the msgid its events carry.
pub fn notify(st: &Arc<State>, corp: usize, change: &ContactChange) -> String {
    let world = st.world();
    let Some(c) = world.corps.get(corp) else {
        return String::new();
    };
    let msgid = st.ids.msgid(st.ids.next_seq());
    st.events.emit(|| {
        Event::now(
            &st.clock,
            EventKind::Accepted,
            Route::ContactSync,
            &msgid,
            "contact_sync".to_owned(),
        )
        .with(serde_json::json!({ "change_type": change.change_type() }))
    });
    let has_keys = c
        .contact_sync
        .as_ref()
        .is_some_and(|s| s.callback.is_some());
    if has_keys {
        let push = Push {
            receiver: (corp, CONTACT_SYNC),
            msgid: msgid.clone(),
            plaintext: change.xml(&c.corpid, st.clock.now_s()),
            reply_to: None,
            customer: None,
        };
        st.callbacks.dispatch(st, push);
    }
    msgid
}
