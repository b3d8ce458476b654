//! `kf/sync_msg` as a client reads it: the page, and an item with the fields a bot acts on. The mock writes
//! items with [`super::SyncItem`]; a test here reads them back, so the two cannot name a field differently.

use serde::Deserialize;
use serde_json::{Map, Value};

/// One page of `kf/sync_msg`. Items stay JSON until read with [`Received::from_value`], so one odd item
/// cannot sink the page.
#[derive(Debug, Default, Deserialize)]
pub struct SyncPage {
    #[serde(default)]
    pub next_cursor: String,
    #[serde(default)]
    has_more: Value,
    #[serde(default)]
    pub msg_list: Vec<Value>,
}

impl SyncPage {
    /// WeCom sends a number; a boolean is accepted too.
    pub fn has_more(&self) -> bool {
        self.has_more.as_i64() == Some(1) || self.has_more.as_bool() == Some(true)
    }
}

/// A `sync_msg` item, read. Events keep their ids inside `event`, so every field defaults; the body is the
/// value under the key `msgtype` names ([`Received::body`]).
#[derive(Debug, Default, Deserialize)]
pub struct Received {
    #[serde(default)]
    pub msgid: String,
    #[serde(default)]
    pub open_kfid: String,
    #[serde(default)]
    pub external_userid: String,
    #[serde(default)]
    pub send_time: i64,
    /// [`super::ORIGIN_CUSTOMER`], [`super::ORIGIN_EVENT`] or [`super::ORIGIN_SERVICER`].
    #[serde(default)]
    pub origin: i64,
    #[serde(default)]
    pub servicer_userid: Option<String>,
    #[serde(default)]
    pub msgtype: String,
    #[serde(flatten)]
    bodies: Map<String, Value>,
}

impl Received {
    /// The item out of a page's `msg_list`.
    pub fn from_value(v: Value) -> Result<Received, serde_json::Error> {
        serde_json::from_value(v)
    }

    /// The body under the `msgtype` key (`text`, `image`, `event`, …), if the item has one.
    pub fn body(&self) -> Option<&Value> {
        self.bodies.get(&self.msgtype)
    }

    /// A text message's content.
    pub fn text_content(&self) -> Option<&str> {
        (self.msgtype == "text")
            .then(|| self.body()?.get("content")?.as_str())
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kf::{SyncItem, ORIGIN_CUSTOMER, ORIGIN_EVENT};
    use serde_json::json;

    fn read(item: &SyncItem) -> Received {
        let v: Value = serde_json::from_str(&item.to_json()).unwrap_or_else(|e| panic!("{e}"));
        Received::from_value(v).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_written_text_item_reads_back_field_for_field() {
        let body = json!({"content": "你好"});
        let item = SyncItem {
            msgid: "m1",
            open_kfid: "wkA",
            external_userid: "wmB",
            send_time: 1_700_000_000,
            origin: ORIGIN_CUSTOMER,
            servicer_userid: Some("zhangsan"),
            msgtype: "text",
            body: &body,
        };
        let r = read(&item);
        assert_eq!(
            (
                r.msgid.as_str(),
                r.open_kfid.as_str(),
                r.external_userid.as_str()
            ),
            ("m1", "wkA", "wmB")
        );
        assert_eq!((r.send_time, r.origin), (1_700_000_000, ORIGIN_CUSTOMER));
        assert_eq!(r.servicer_userid.as_deref(), Some("zhangsan"));
        assert_eq!(r.text_content(), Some("你好"));
    }

    #[test]
    fn an_event_has_its_ids_inside_and_no_text() {
        let body = json!({"event_type": "enter_session", "open_kfid": "wkA"});
        let item = SyncItem {
            msgid: "m2",
            open_kfid: "wkA",
            external_userid: "wmB",
            send_time: 1,
            origin: ORIGIN_EVENT,
            servicer_userid: None,
            msgtype: "event",
            body: &body,
        };
        let r = read(&item);
        assert_eq!(r.open_kfid, "", "events carry their ids in the body");
        assert_eq!(r.body(), Some(&body));
        assert_eq!(r.text_content(), None);
    }

    #[test]
    fn has_more_is_a_number_or_a_boolean() {
        for (page, want) in [
            (json!({"has_more": 1}), true),
            (json!({"has_more": true}), true),
            (json!({"has_more": 0}), false),
            (json!({}), false),
        ] {
            let p: SyncPage =
                serde_json::from_value(page.clone()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(p.has_more(), want, "{page}");
        }
    }
}
