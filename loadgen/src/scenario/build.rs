//! Raw scenario → [`Plan`]: every duration, rate, template, path and threshold parsed, every variable and
//! metric name resolved, each problem reported at the place in the file it comes from.

use serde_json::Value;
use serde_saphyr::{Location, Spanned};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::Duration;

use super::plan::*;
use super::{raw, threshold, units};
use crate::select;
use crate::template::{self, Json, Text};

pub(super) type Fail = (Location, String);

/// Bounds that keep a typo from spawning more tasks than memory holds.
const MAX_IN_FLIGHT: usize = 1_000_000;
const MAX_VUS: usize = 100_000;
pub(super) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_MAX_IN_FLIGHT: usize = 1000;

pub(super) fn at<T>(loc: Location, message: impl Into<String>) -> Result<T, Fail> {
    Err((loc, message.into()))
}

/// Metric names, each given an id once.
#[derive(Default)]
pub(super) struct Metrics {
    names: Vec<String>,
    ids: HashMap<String, MetricId>,
}

impl Metrics {
    pub(super) fn id(&mut self, name: &str) -> MetricId {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        self.names.push(name.to_owned());
        self.ids.insert(name.to_owned(), self.names.len() - 1);
        self.names.len() - 1
    }
}

pub fn plan(r: raw::Scenario, dir: &Path) -> Result<Plan, Fail> {
    let name = r.name.value.trim().to_owned();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return at(
            r.name.referenced,
            "name: letters, digits, -, _ and . (it names the run's files)",
        );
    }
    let target = match r.target {
        None => Target::Embedded(fixture(r.fixture, dir)?),
        Some(t) if t.value == "embedded" => Target::Embedded(fixture(r.fixture, dir)?),
        Some(t) => {
            let url = http_url(&t)?;
            if let Some(f) = r.fixture {
                return at(
                    f.referenced,
                    "a fixture is for the embedded target; a running mock-server has its own",
                );
            }
            Target::Url(url)
        }
    };
    let bot = match r.bot {
        None => Bot::Reference,
        Some(b) if b.value == "reference" => Bot::Reference,
        Some(b) if b.value == "none" => Bot::None,
        Some(b) => Bot::Url(http_url(&b)?),
    };
    let bot_fail_percent = match r.bot_fail_percent {
        None => 0,
        Some(p) if p.value > 100 => return at(p.referenced, "bot_fail_percent: 0 to 100"),
        Some(p) if bot != Bot::Reference => {
            return at(
                p.referenced,
                "bot_fail_percent makes the reference bot flaky; this scenario has another",
            )
        }
        Some(p) => p.value,
    };
    let mut metrics = Metrics::default();
    metrics.id("iterations");
    metrics.id("api.gettoken");

    let mut known: BTreeSet<String> = template::BUILTINS.iter().map(|s| s.to_string()).collect();
    let mut pools = Vec::new();
    for (pname, p) in r.data {
        pools.push(pool(&pname, p)?);
        known.insert(pname);
    }
    let vars: Vec<(String, Value)> = r.vars.into_iter().collect();
    known.extend(vars.iter().map(|(k, _)| k.clone()));

    let default_steps = steps(&r.steps, &known, &mut metrics)?;
    let workload_at = r.workload.referenced;
    if r.workload.value.is_empty() {
        return at(workload_at, "the workload has no phase");
    }
    let mut phases = Vec::new();
    for (i, p) in r.workload.value.into_iter().enumerate() {
        let loc = p.referenced;
        let p = p.value;
        let own = match &p.steps {
            Some(s) => Some(steps(s, &known, &mut metrics)?),
            None => None,
        };
        let steps = own.unwrap_or_else(|| default_steps.clone());
        if steps.is_empty() {
            return at(
                loc,
                "this phase has no steps (give `steps:` here or at the top level)",
            );
        }
        phases.push(Phase {
            name: p.name.clone().unwrap_or_else(|| format!("phase {}", i + 1)),
            load: load(&p, loc)?,
            max_in_flight: match p.max_in_flight {
                Some(n) if !(1..=MAX_IN_FLIGHT).contains(&n) => {
                    return at(loc, format!("max_in_flight: 1 to {MAX_IN_FLIGHT}"))
                }
                Some(n) => n,
                None => DEFAULT_MAX_IN_FLIGHT,
            },
            think: match (&p.think, &p.open) {
                (Some(t), Some(_)) => {
                    return at(
                        t.referenced,
                        "think is for closed phases: an open phase's arrivals keep their own time",
                    )
                }
                (t, _) => t.as_ref().map(think).transpose()?,
            },
            steps: steps.into(),
        });
    }
    let mut thresholds = Vec::new();
    for t in &r.thresholds {
        let th = threshold::parse(&t.value).or_else(|e| at(t.referenced, e))?;
        if !metrics.ids.contains_key(&th.metric) {
            return at(
                t.referenced,
                format!(
                    "no step records {:?}; the metrics are: {}",
                    th.metric,
                    metrics.names.join(", ")
                ),
            );
        }
        thresholds.push(th);
    }
    Ok(Plan {
        name,
        description: r.description,
        seed: r.seed,
        file: String::new(),
        text: String::new(),
        hash: String::new(),
        target,
        bot,
        bot_app: r.bot_app,
        bot_fail_percent,
        app: r.app,
        pools,
        vars,
        phases,
        thresholds,
        metrics: metrics.names,
    })
}

fn http_url(s: &Spanned<String>) -> Result<String, Fail> {
    let u = s.value.trim().trim_end_matches('/');
    match u.strip_prefix("http://") {
        Some(rest) if !rest.is_empty() => match crate::http::Base::parse(u) {
            Ok(_) if !rest.split('/').next().unwrap_or_default().ends_with(':') => Ok(u.to_owned()),
            _ => at(
                s.referenced,
                format!("{u:?} is not an http://host:port URL"),
            ),
        },
        _ if u.starts_with("https://") => at(
            s.referenced,
            "https is not supported: the mock speaks plain HTTP",
        ),
        _ => at(
            s.referenced,
            format!("{u:?}: expected `embedded`, `reference`/`none` (bot) or an http:// URL"),
        ),
    }
}

fn fixture(f: Option<Spanned<raw::FixtureSource>>, dir: &Path) -> Result<Fixture, Fail> {
    let Some(f) = f else {
        return Ok(Fixture::Demo {
            users: 0,
            customers: 0,
        });
    };
    let loc = f.referenced;
    match (f.value.demo, f.value.file, f.value.inline) {
        (Some(d), None, None) => Ok(Fixture::Demo {
            users: d.users,
            customers: d.customers,
        }),
        (None, Some(file), None) => {
            let path = dir.join(file);
            // Checked now, so a bad fixture is a scenario error (exit 2, located), not a failed run.
            #[cfg(feature = "embedded")]
            if let Err(e) = mock_server::world::World::load(&path) {
                return at(loc, format!("fixture: {e}"));
            }
            #[cfg(not(feature = "embedded"))]
            if !path.is_file() {
                return at(loc, format!("fixture: no file {}", path.display()));
            }
            Ok(Fixture::File(path))
        }
        #[cfg(feature = "embedded")]
        (None, None, Some(inline)) => {
            match mock_server::world::World::from_parsed(&inline, "inline fixture") {
                // The inline fixture's places are places in this file.
                Ok(_) => Ok(Fixture::Inline(inline)),
                Err(e) => Err((
                    loc,
                    format!(
                        "fixture: line {}, column {}: {}",
                        e.line, e.column, e.message
                    ),
                )),
            }
        }
        #[cfg(not(feature = "embedded"))]
        (None, None, Some(_)) => at(
            loc,
            "this loadgen was built without the embedded mock-server",
        ),
        _ => at(loc, "fixture: give exactly one of `demo`, `file`, `inline`"),
    }
}

fn pool(name: &str, p: Spanned<raw::Pool>) -> Result<Pool, Fail> {
    let loc = p.referenced;
    let p = p.value;
    if template::BUILTINS.contains(&name) {
        return at(loc, format!("{name:?} is a built-in variable"));
    }
    let source = match (p.from, p.values) {
        (Some(f), None) => Source::World(match f.value.as_str() {
            "customers" => WorldPool::Customers,
            "members" => WorldPool::Members,
            "kf_accounts" => WorldPool::KfAccounts,
            "robots" => WorldPool::Robots,
            "apps" => WorldPool::Apps,
            other => {
                return at(
                    f.referenced,
                    format!(
                        "unknown pool {other:?}: customers, members, kf_accounts, robots or apps"
                    ),
                )
            }
        }),
        (None, Some(v)) if !v.is_empty() => Source::Values(v),
        (None, Some(_)) => return at(loc, format!("data {name:?}: `values` is empty")),
        _ => {
            return at(
                loc,
                format!("data {name:?}: give exactly one of `from` and `values`"),
            )
        }
    };
    let pick = match p.pick.as_ref().map(|s| (s.value.as_str(), s.referenced)) {
        None | Some(("sequential", _)) => Pick::Sequential,
        Some(("random", _)) => Pick::Random,
        Some((other, l)) => return at(l, format!("pick {other:?}: sequential or random")),
    };
    Ok(Pool {
        name: name.to_owned(),
        source,
        pick,
        offset: p.offset,
    })
}

pub(super) fn dur(s: &Spanned<raw::Scalar>) -> Result<Duration, Fail> {
    units::duration(&s.value.0).or_else(|e| at(s.referenced, e))
}

fn rate(s: &Spanned<raw::Scalar>) -> Result<f64, Fail> {
    units::rate(&s.value.0).or_else(|e| at(s.referenced, e))
}

fn load(p: &raw::Phase, loc: Location) -> Result<Load, Fail> {
    match (&p.open, &p.closed) {
        (Some(o), None) => {
            let (from, to) = match (&o.rate, &o.from, &o.to) {
                (Some(r), None, None) => (rate(r)?, rate(r)?),
                (None, Some(f), Some(t)) => (rate(f)?, rate(t)?),
                _ => return at(loc, "open: give `rate`, or `from` and `to` for a ramp"),
            };
            if from == 0.0 && to == 0.0 {
                return at(loc, "open: the rate is 0");
            }
            Ok(Load::Open {
                from_per_s: from,
                to_per_s: to,
                duration: dur(&o.duration)?,
            })
        }
        (None, Some(c)) => {
            if !(1..=MAX_VUS).contains(&c.vus.value) {
                return at(c.vus.referenced, format!("vus: 1 to {MAX_VUS}"));
            }
            let duration = c.duration.as_ref().map(dur).transpose()?;
            if c.iterations.is_none() && duration.is_none() {
                return at(loc, "closed: give `iterations`, `duration` or both");
            }
            Ok(Load::Closed {
                vus: c.vus.value,
                iterations: c.iterations,
                duration,
            })
        }
        _ => at(loc, "a phase is exactly one of `open` and `closed`"),
    }
}

fn think(t: &Spanned<raw::Scalar>) -> Result<(Duration, Duration), Fail> {
    let (lo, hi) = t
        .value
        .0
        .split_once("..")
        .unwrap_or((&t.value.0, &t.value.0));
    let parse = |s: &str| units::duration(s).or_else(|e| at(t.referenced, e));
    let (a, b) = (parse(lo)?, parse(hi)?);
    if a > b {
        return at(t.referenced, "think: the range's start is above its end");
    }
    Ok((a, b))
}

fn steps(
    raw: &[Spanned<raw::Step>],
    known: &BTreeSet<String>,
    metrics: &mut Metrics,
) -> Result<Vec<Step>, Fail> {
    let mut known = known.clone();
    let mut out: Vec<Step> = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        let loc = s.referenced;
        let st = super::step::plan(&s.value, loc, i, &out, &known, metrics)?;
        if let Action::Http(r) = &st.action {
            known.extend(r.captures.iter().map(|(k, _)| k.clone()));
        }
        out.push(st);
    }
    Ok(out)
}

/// Every variable a template uses is one the iteration will have.
pub(super) fn check_vars<'a>(
    names: impl IntoIterator<Item = &'a str>,
    known: &BTreeSet<String>,
    loc: Location,
) -> Result<(), Fail> {
    for n in names {
        if !known.contains(n) {
            let list: Vec<&str> = known.iter().map(String::as_str).collect();
            return at(
                loc,
                format!("${{{n}}} is not defined here; known: {}", list.join(", ")),
            );
        }
    }
    Ok(())
}

pub(super) fn text(s: &str, known: &BTreeSet<String>, loc: Location) -> Result<Text, Fail> {
    let t = Text::parse(s).or_else(|e| at(loc, e))?;
    check_vars(t.vars(), known, loc)?;
    Ok(t)
}

pub(super) fn json(v: &Value, known: &BTreeSet<String>, loc: Location) -> Result<Json, Fail> {
    let j = Json::parse(v).or_else(|e| at(loc, e))?;
    check_vars(j.vars(), known, loc)?;
    Ok(j)
}

pub(super) fn path(s: &Spanned<String>) -> Result<select::Path, Fail> {
    select::Path::parse(&s.value).or_else(|e| at(s.referenced, e))
}
