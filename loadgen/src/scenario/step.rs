//! One raw step → a planned [`Step`]: the request line, templates, captures, assertions, or what to expect.

use serde_json::Value;
use serde_saphyr::{Location, Spanned};
use std::collections::BTreeSet;

use super::build::{at, dur, json, path, text, Fail, Metrics, DEFAULT_TIMEOUT};
use super::plan::*;
use super::raw;
use crate::template::Json;
use wecom_wire::mock::events::{EventKind, Route};

/// One raw step → a planned [`Step`]; `before` are the steps ahead of it in its list.
pub(super) fn plan(
    s: &raw::Step,
    loc: Location,
    index: usize,
    before: &[Step],
    known: &BTreeSet<String>,
    metrics: &mut Metrics,
) -> Result<Step, Fail> {
    let n_actions = [
        s.call.is_some(),
        s.control.is_some(),
        s.request.is_some(),
        s.expect.is_some(),
        s.think.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if n_actions != 1 {
        return at(
            loc,
            "a step is exactly one of `call`, `control`, `request`, `expect`, `think`",
        );
    }
    let line = s
        .call
        .as_ref()
        .or(s.control.as_ref())
        .or(s.request.as_ref());
    let (action, default_metric) = if let Some(line) = line {
        http(s, line, loc, known)?
    } else if let Some(e) = &s.expect {
        expect(s, e, loc, index, before, known)?
    } else {
        think(s, loc)?
    };
    let metric = match (&s.metric, &action) {
        (Some(m), _) if m.trim().is_empty() => return at(loc, "metric: an empty name"),
        (Some(m), _) => Some(metrics.id(m.trim())),
        (None, Action::Think(_)) => None,
        (None, _) => Some(metrics.id(&default_metric)),
    };
    if let Some(n) = &s.name {
        if before.iter().any(|b| b.name.as_ref() == Some(n)) {
            return at(loc, format!("two steps are named {n:?}"));
        }
    }
    Ok(Step {
        name: s.name.clone(),
        step_metric: s.name.as_ref().map(|n| metrics.id(&format!("step.{n}"))),
        action,
        metric,
        timeout: s
            .timeout
            .as_ref()
            .map(dur)
            .transpose()?
            .unwrap_or(DEFAULT_TIMEOUT),
    })
}

/// Whether the step has something only a request takes.
fn http_only(s: &raw::Step) -> bool {
    !s.query.is_empty() || s.body.is_some() || !s.capture.is_empty() || !s.asserts.is_empty()
}

/// A `call`, `control` or `request` step, whose request `line` is: its request and its default metric.
fn http(
    s: &raw::Step,
    line: &Spanned<String>,
    loc: Location,
    known: &BTreeSet<String>,
) -> Result<(Action, String), Fail> {
    let is_call = s.call.is_some();
    let (method, path_text) = request_line(&line.value).or_else(|e| at(line.referenced, e))?;
    let prefix = match (is_call, s.control.is_some()) {
        (true, _) => "/cgi-bin/",
        (false, true) => "/mock/",
        (false, false) => "/",
    };
    let Some(rest) = path_text.strip_prefix(prefix) else {
        return at(
            line.referenced,
            format!("this step's path starts with {prefix}"),
        );
    };
    let bare = rest.split('?').next().unwrap_or(rest);
    let kind = request_kind(s, bare, loc)?;
    let metric = match (is_call, s.control.is_some()) {
        (true, _) => format!("api.{bare}"),
        (false, true) => format!("api.mock/{bare}"),
        (false, false) => format!("api.{bare}"),
    };
    let mut query = Vec::new();
    for (k, v) in &s.query {
        query.push((k.clone(), json(&v.value, known, v.referenced)?));
    }
    let mut captures = Vec::new();
    for (k, p) in &s.capture {
        if crate::template::BUILTINS.contains(&k.as_str()) {
            return at(p.referenced, format!("{k:?} is a built-in variable"));
        }
        captures.push((k.clone(), path(p)?));
    }
    let asserts = s
        .asserts
        .iter()
        .map(|a| assert(a, known))
        .collect::<Result<_, _>>()?;
    let req = Request {
        method,
        path: text(path_text, known, line.referenced)?,
        query,
        body: s
            .body
            .as_ref()
            .map(|b| json(&b.value, known, b.referenced).map(body))
            .transpose()?,
        kind,
        captures,
        asserts,
    };
    Ok((Action::Http(req), metric))
}

/// How the answer is judged: a WeCom call by errcode (with a token, unless `bare` is a path that takes none),
/// anything else by HTTP status.
fn request_kind(s: &raw::Step, bare: &str, loc: Location) -> Result<RequestKind, Fail> {
    if s.call.is_some() {
        if s.status.is_some() {
            return at(
                loc,
                "`status` is for control and request steps; a WeCom call is judged by `errcode`",
            );
        }
        Ok(RequestKind::Call {
            app: s.app,
            with_token: bare != "gettoken" && !bare.starts_with("webhook/"),
            errcode: s.errcode.unwrap_or(0),
        })
    } else {
        if s.errcode.is_some() || s.app.is_some() {
            return at(loc, "`errcode` and `app` are for WeCom calls (`call:`)");
        }
        Ok(RequestKind::Control { status: s.status })
    }
}

/// An `expect` step: the event it waits for, and its default metric `route.<route or kind>`.
fn expect(
    s: &raw::Step,
    e: &raw::Expect,
    loc: Location,
    index: usize,
    before: &[Step],
    known: &BTreeSet<String>,
) -> Result<(Action, String), Fail> {
    if http_only(s) || s.errcode.is_some() || s.status.is_some() {
        return at(
            loc,
            "an expect step takes no query, body, capture, assert, errcode or status",
        );
    }
    let ids = [
        (Key::Msgid, &e.msgid),
        (Key::InReplyTo, &e.in_reply_to),
        (Key::Customer, &e.customer),
        (Key::Receiver, &e.receiver),
    ];
    let given: Vec<(Key, &String)> = ids
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (*k, v)))
        .collect();
    let [(key, value)] = given.as_slice() else {
        return at(
            loc,
            "expect: give exactly one of `msgid`, `in_reply_to`, `customer`, `receiver`",
        );
    };
    let kind = match e.kind.as_deref() {
        None => EventKind::Delivered,
        Some(k) => EventKind::parse(k).map_or_else(
            || {
                at(
                    loc,
                    format!("expect kind {k:?}: one of {}", names(EventKind::ALL)),
                )
            },
            Ok,
        )?,
    };
    let route = match e.route.as_deref() {
        None => None,
        Some(r) => Some(Route::parse(r).map_or_else(
            || {
                at(
                    loc,
                    format!("expect route {r:?}: one of {}", names(Route::ALL)),
                )
            },
            Ok,
        )?),
    };
    let since = since(s, loc, index, before)?;
    let metric = format!("route.{}", route.map_or(kind.as_str(), Route::as_str));
    let exp = Expect {
        kind,
        route,
        key: *key,
        value: text(value, known, loc)?,
        since,
    };
    Ok((Action::Expect(exp), metric))
}

/// `a, b, c`: the names an expect may give.
fn names<T: std::fmt::Display>(all: &[T]) -> String {
    all.iter().map(T::to_string).collect::<Vec<_>>().join(", ")
}

/// The index of the step an expect's latency is timed from: the one `since:` names, else the one before.
fn since(s: &raw::Step, loc: Location, index: usize, before: &[Step]) -> Result<usize, Fail> {
    match &s.since {
        Some(name) => match before
            .iter()
            .position(|b| b.name.as_deref() == Some(name.value.as_str()))
        {
            Some(i) => Ok(i),
            None => at(
                name.referenced,
                format!("since: no step named {:?} before this one", name.value),
            ),
        },
        None if index == 0 => at(
            loc,
            "an expect needs a step before it to time from (or `since:`)",
        ),
        None => Ok(index - 1),
    }
}

/// A `think` step: a pause, recorded nowhere by default.
fn think(s: &raw::Step, loc: Location) -> Result<(Action, String), Fail> {
    if http_only(s) || s.since.is_some() {
        return at(loc, "a think step takes only a duration");
    }
    let d = s.think.as_ref().map(dur).transpose()?.unwrap_or_default();
    Ok((Action::Think(d), String::new()))
}

fn body(j: Json) -> Body {
    match j {
        Json::Lit(v) => Body::Fixed(bytes::Bytes::from(v.to_string())),
        j if j.vars().is_empty() => match j.render(&NoVars) {
            Ok(v) => Body::Fixed(bytes::Bytes::from(v.to_string())),
            Err(_) => Body::Templated(j),
        },
        j => Body::Templated(j),
    }
}

/// Lookups for a template that uses no variable.
struct NoVars;

impl crate::template::Lookup for NoVars {
    fn get(&self, _: &str) -> Option<&Value> {
        None
    }
}

fn request_line(line: &str) -> Result<(Method, &str), String> {
    let (m, p) = line.trim().split_once(char::is_whitespace).ok_or_else(|| {
        format!("{line:?}: expected `METHOD /path`, e.g. `POST /cgi-bin/message/send`")
    })?;
    let method = match m {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "PATCH" => Method::Patch,
        "DELETE" => Method::Delete,
        other => {
            return Err(format!(
                "unknown method {other:?}: GET, POST, PUT, PATCH or DELETE"
            ))
        }
    };
    Ok((method, p.trim()))
}

fn assert(a: &raw::Assert, known: &BTreeSet<String>) -> Result<Assert, Fail> {
    let loc = a.path.referenced;
    let checks: Vec<Check> = [
        a.equals
            .as_ref()
            .map(|v| json(v, known, loc).map(Check::Equals))
            .transpose()?,
        a.not_equals
            .as_ref()
            .map(|v| json(v, known, loc).map(Check::NotEquals))
            .transpose()?,
        a.exists.map(Check::Exists),
        a.length.map(Check::Length),
        a.at_least.map(Check::AtLeast),
        a.at_most.map(Check::AtMost),
    ]
    .into_iter()
    .flatten()
    .collect();
    let [check] = <[Check; 1]>::try_from(checks).or_else(|_| {
        at(
            a.path.referenced,
            "an assertion has exactly one of equals, not_equals, exists, length, at_least, at_most",
        )
    })?;
    if matches!(check, Check::Equals(Json::Lit(Value::Null))) {
        return at(
            a.path.referenced,
            "equals: null cannot be told from a missing field; use exists: false",
        );
    }
    Ok(Assert {
        path: path(&a.path)?,
        text: a.path.value.clone(),
        check,
    })
}
