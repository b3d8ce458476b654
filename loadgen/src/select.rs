//! Paths into JSON responses, for captures and assertions: `msgid`, `customer[0].status`,
//! `follow_user[*].userid` (`[*]` fans out over an array).

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
    All,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    segs: Vec<Seg>,
    fans_out: bool,
}

impl Path {
    pub fn parse(text: &str) -> Result<Path, String> {
        let mut segs = Vec::new();
        let bad = |why: &str| format!("bad path {text:?}: {why} (e.g. a.b[0].c or items[*].id)");
        for (n, part) in text.split('.').enumerate() {
            let (key, mut rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            // Only a leading index may come without a name: `[0].id`.
            if key.is_empty() && (n != 0 || rest.is_empty()) {
                return Err(bad("an empty name"));
            }
            if !key.is_empty() {
                segs.push(Seg::Key(key.to_owned()));
            }
            while !rest.is_empty() {
                let close = rest.find(']').ok_or_else(|| bad("a [ without ]"))?;
                let inner = &rest[1..close];
                segs.push(match inner {
                    "*" => Seg::All,
                    n => Seg::Index(
                        n.parse()
                            .map_err(|_| bad("an index that is not a number"))?,
                    ),
                });
                rest = &rest[close + 1..];
                if !rest.is_empty() && !rest.starts_with('[') {
                    return Err(bad("text after ]"));
                }
            }
        }
        if segs.is_empty() {
            return Err(bad("nothing to select"));
        }
        let fans_out = segs.contains(&Seg::All);
        Ok(Path { segs, fans_out })
    }

    /// Every value the path reaches (one at most without `[*]`).
    pub fn select<'a>(&self, v: &'a Value) -> Vec<&'a Value> {
        let mut cur = vec![v];
        for seg in &self.segs {
            let mut next = Vec::with_capacity(cur.len());
            for v in cur {
                match seg {
                    Seg::Key(k) => next.extend(v.get(k)),
                    Seg::Index(i) => next.extend(v.get(i)),
                    Seg::All => next.extend(v.as_array().into_iter().flatten()),
                }
            }
            cur = next;
        }
        cur
    }

    /// The capture: the value, or with `[*]` the array of every match; `None` when nothing matches.
    pub fn capture(&self, v: &Value) -> Option<Value> {
        let found = self.select(v);
        if self.fans_out {
            Some(Value::Array(found.into_iter().cloned().collect()))
        } else {
            found.first().map(|v| (*v).clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn selects() {
        let v = json!({"msgid": "m1", "customer": [{"status": 1, "id": "a"}, {"status": 3, "id": "b"}]});
        let p = |s| Path::parse(s).unwrap();
        assert_eq!(p("msgid").capture(&v), Some(json!("m1")));
        assert_eq!(p("customer[1].status").capture(&v), Some(json!(3)));
        assert_eq!(p("customer[*].id").capture(&v), Some(json!(["a", "b"])));
        assert_eq!(p("customer[5].id").capture(&v), None);
        assert_eq!(p("nothing").capture(&v), None);
        assert_eq!(p("[0]").capture(&json!([7])), Some(json!(7)));
    }

    #[test]
    fn bad_paths_are_refused() {
        for bad in ["", "a..b", "a[", "a[x]", "a[0]b", "."] {
            assert!(Path::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "[a-z.\\[\\]*0-9]{0,16}") {
            if let Ok(p) = Path::parse(&s) {
                let _ = p.capture(&json!({"a": [1, {"b": 2}]}));
            }
        }
    }
}
