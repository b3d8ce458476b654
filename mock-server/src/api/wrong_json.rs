//! A body that is not quite JSON, read the way WeCom reads it: the top-level fields up to the first one that is
//! unreadable (a syntax error) or of the wrong type, the rest ignored, and a warning in the answer's errmsg.
//!
//! The warning travels in a task-local flag that [`super::layer`] scopes around each call, so handlers keep
//! calling [`super::json`] and nothing on the success path pays for it.

use serde::de::{DeserializeOwned, MapAccess, Visitor};
use std::cell::Cell;
use std::fmt;

tokio::task_local! {
    static WARNED: Cell<bool>;
}

/// Runs one call with its own warning flag; answers whether a body of it was read leniently.
pub(super) async fn scope<F: std::future::Future>(call: F) -> (F::Output, bool) {
    WARNED
        .scope(Cell::new(false), async {
            let out = call.await;
            (out, WARNED.with(Cell::get))
        })
        .await
}

fn warn() {
    // Outside a call's scope (unit tests) there is no answer to warn in.
    let _ = WARNED.try_with(|w| w.set(true));
}

/// Collects an object's entries in document order, keeping those read before a syntax error.
struct Entries<'a>(&'a mut Vec<(String, serde_json::Value)>);

impl<'de> Visitor<'de> for Entries<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
            self.0.push((k, v));
        }
        Ok(())
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Entries<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

/// The request as WeCom would read `body`, which strict parsing refused; the call's answer gets the warning.
pub(super) fn lenient<T: DeserializeOwned + Default>(body: &[u8]) -> T {
    warn();
    let mut entries = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(body);
    let _ = serde::de::DeserializeSeed::deserialize(Entries(&mut entries), &mut de);
    // Cut at the first field T cannot take. serde visits a Map in key order, not document order, so the field it
    // names may come after an earlier bad one: cut again until what is left reads.
    loop {
        let map: serde_json::Map<_, _> = entries.iter().cloned().collect();
        match serde_path_to_error::deserialize::<_, T>(serde_json::Value::Object(map)) {
            Ok(v) => return v,
            Err(e) => {
                let top = e.path().iter().next().map(|s| s.to_string());
                let at = top.and_then(|k| entries.iter().position(|(key, _)| *key == k));
                match at {
                    Some(i) => entries.truncate(i),
                    // Nothing to name (a bug in a request type): read it as empty.
                    None => return T::default(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, serde::Deserialize)]
    struct Req {
        #[serde(default)]
        r#type: Option<i64>,
        #[serde(default)]
        user: Option<Vec<String>>,
        #[serde(default)]
        is_temp: Option<bool>,
    }

    fn read(body: &str) -> Req {
        lenient(body.as_bytes())
    }

    #[test]
    fn fields_after_the_first_bad_one_are_lost() {
        // The three orders of a body seen on WeCom's forum, with is_temp a string instead of a bool.
        let full = Req {
            r#type: Some(1),
            user: Some(vec!["SanWan".into()]),
            is_temp: None,
        };
        assert_eq!(
            read(r#"{"is_temp":"true","type":1,"user":["SanWan"]}"#),
            Req::default()
        );
        assert_eq!(
            read(r#"{"type":1,"is_temp":"true","user":["SanWan"]}"#),
            Req {
                r#type: Some(1),
                ..Req::default()
            }
        );
        assert_eq!(
            read(r#"{"type":1,"user":["SanWan"],"is_temp":"true"}"#),
            full
        );
    }

    #[test]
    fn a_syntax_error_keeps_what_came_before_it() {
        assert_eq!(
            read(r#"{"type":2,"user":["a"] "is_temp":true}"#),
            Req {
                r#type: Some(2),
                user: Some(vec!["a".into()]),
                is_temp: None
            }
        );
        assert_eq!(read("{"), Req::default());
        assert_eq!(read("[1]"), Req::default());
        assert_eq!(read("null"), Req::default());
        // Invalid UTF-8 is a syntax error where it stands.
        let bad: Req = lenient(b"{\"type\":3,\"user\":[\"\xff\"]}");
        assert_eq!(
            bad,
            Req {
                r#type: Some(3),
                ..Req::default()
            }
        );
    }

    #[test]
    fn a_later_bad_field_that_sorts_first_is_cut_too() {
        // "user" sorts after "is_temp" but comes first: both are wrong, and cutting at user leaves nothing.
        assert_eq!(read(r#"{"user":5,"type":1,"is_temp":"x"}"#), Req::default());
    }
}
