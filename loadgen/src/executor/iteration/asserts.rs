//! A step's assertions on the JSON an answer carried.

use serde_json::Value;

use super::vars::Vars;
use crate::scenario::plan::{Assert, Check};

/// Equal as numbers when both are numbers (`1` and `1.0`), else as JSON.
fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Checks one assertion; with `[*]` every element must pass.
pub(super) fn check(a: &Assert, v: &Value, vars: &Vars<'_>) -> Result<(), String> {
    let found = a.path.select(v);
    let want = match &a.check {
        Check::Equals(j) | Check::NotEquals(j) => Some(j.render(vars)?),
        _ => None,
    };
    if let Check::Exists(want) = a.check {
        return if found.is_empty() != want {
            Ok(())
        } else {
            Err(format!(
                "{}: expected {}",
                a.text,
                if want { "a value" } else { "nothing" }
            ))
        };
    }
    if found.is_empty() {
        return Err(format!("{}: nothing there", a.text));
    }
    for x in found {
        let ok = match &a.check {
            Check::Equals(_) => want.as_ref().is_some_and(|w| same(x, w)),
            Check::NotEquals(_) => want.as_ref().is_some_and(|w| !same(x, w)),
            Check::Length(n) => {
                x.as_array()
                    .map(Vec::len)
                    .or(x.as_str().map(|s| s.chars().count()))
                    == Some(*n)
            }
            Check::AtLeast(n) => x.as_f64().is_some_and(|x| x >= *n),
            Check::AtMost(n) => x.as_f64().is_some_and(|x| x <= *n),
            Check::Exists(_) => true,
        };
        if !ok {
            let what = match (&a.check, &want) {
                (Check::Equals(_), Some(w)) => format!("expected {w}"),
                (Check::NotEquals(_), Some(w)) => format!("expected anything but {w}"),
                (other, _) => format!("fails {other:?}"),
            };
            return Err(format!("{}: {x}, {what}", a.text));
        }
    }
    Ok(())
}
