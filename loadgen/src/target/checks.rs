//! What a running target holds that would skew a run without a word: faults in force (they survive
//! `/mock/reset`) and settings that are not the defaults. Said at start, a sentence each; a target that does
//! not answer these (a bare baseline server, an older mock) is not warned about.

use serde_json::{Map, Value};
use wecom_wire::mock::control::{Fault, FaultList};

use super::get_json;
use crate::http::{Base, Conn};

/// The warnings for the target at `base`, none when all is as a fresh mock has it.
pub async fn warnings(conn: &mut Conn, base: &Base) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(f) = get_json::<FaultList>(conn, base, "/mock/faults").await {
        out.extend(faults(&f.faults));
    }
    if let (Ok(Value::Object(theirs)), Some(Value::Object(ours))) = (
        get_json::<Value>(conn, base, "/mock/settings").await,
        default_settings(),
    ) {
        out.extend(settings(&theirs, &ours));
    }
    out
}

/// One sentence naming every fault, or none.
pub fn faults(list: &[Fault]) -> Option<String> {
    if list.is_empty() {
        return None;
    }
    let each: Vec<String> = list.iter().map(fault).collect();
    let n = list.len();
    let s = if n == 1 { "" } else { "s" };
    Some(format!(
        "the target has {n} fault{s} in force, which will fail or slow calls: {} (DELETE /mock/faults clears them)",
        each.join("; ")
    ))
}

/// `/cgi-bin/message/send (errcode -1, ratio 0.1)`: what the fault does, its defaults left unsaid.
fn fault(f: &Fault) -> String {
    let mut what = Vec::new();
    if let Some(code) = f.errcode {
        what.push(format!("errcode {code}"));
    }
    if f.delay_ms > 0 {
        what.push(format!("delay {} ms", f.delay_ms));
    }
    if f.drop {
        what.push("drop".to_owned());
    }
    if f.ratio < 1.0 {
        what.push(format!("ratio {}", f.ratio));
    }
    if what.is_empty() {
        f.path.clone()
    } else {
        format!("{} ({})", f.path, what.join(", "))
    }
}

/// One sentence naming every setting whose value is not the default, or none. A setting this loadgen does
/// not know (a newer mock) has no default to compare with and is left out.
pub fn settings(theirs: &Map<String, Value>, defaults: &Map<String, Value>) -> Option<String> {
    let changed: Vec<String> = theirs
        .iter()
        .filter_map(|(k, v)| {
            let d = defaults.get(k)?;
            (d != v).then(|| format!("{k} = {v} (default {d})"))
        })
        .collect();
    (!changed.is_empty()).then(|| {
        format!(
            "the target's settings differ from the defaults: {} (PATCH /mock/settings changes them)",
            changed.join(", ")
        )
    })
}

/// The settings of a fresh mock, from the mock-server this loadgen was built with.
#[cfg(feature = "embedded")]
fn default_settings() -> Option<Value> {
    serde_json::to_value(mock_server::Settings::default()).ok()
}

/// Built for remote targets only, loadgen knows no mock's defaults and compares nothing.
#[cfg(not(feature = "embedded"))]
fn default_settings() -> Option<Value> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn faults_are_named_with_what_they_do() {
        assert_eq!(faults(&[]), None);
        let fault = |path: &str, errcode, delay_ms, ratio| Fault {
            path: path.into(),
            errcode,
            delay_ms,
            ratio,
            drop: false,
        };
        let one = faults(&[
            fault("/cgi-bin/message/send", Some(-1), 0, 0.1),
            fault("/cgi-bin/user/get", None, 800, 1.0),
            Fault {
                drop: true,
                ..fault("aibot:ping", None, 0, 1.0)
            },
        ])
        .expect("a warning");
        assert!(one.contains("3 faults"), "{one}");
        assert!(
            one.contains(
                "/cgi-bin/message/send (errcode -1, ratio 0.1); /cgi-bin/user/get (delay 800 ms); aibot:ping (drop)"
            ),
            "{one}"
        );
    }

    #[test]
    fn only_known_settings_that_changed_are_named() {
        let defaults = json!({"inbox_capacity": 1000, "webhook_per_minute": 20});
        let same = json!({"inbox_capacity": 1000, "webhook_per_minute": 20, "newer_knob": 3});
        let changed = json!({"inbox_capacity": 10, "webhook_per_minute": 20, "newer_knob": 3});
        let (Value::Object(d), Value::Object(s), Value::Object(c)) = (defaults, same, changed)
        else {
            unreachable!("objects")
        };
        assert_eq!(settings(&s, &d), None);
        let w = settings(&c, &d).expect("a warning");
        assert!(w.contains("inbox_capacity = 10 (default 1000)"), "{w}");
        assert!(
            !w.contains("webhook_per_minute") && !w.contains("newer_knob"),
            "{w}"
        );
    }

    #[cfg(feature = "embedded")]
    #[test]
    fn the_defaults_are_the_mock_servers() {
        let Some(Value::Object(d)) = default_settings() else {
            panic!("the defaults serialize to an object")
        };
        // Its values are the mock's to change; that it is the settings object is what matters here.
        assert!(d.get("inbox_capacity").is_some_and(Value::is_u64), "{d:?}");
    }
}
