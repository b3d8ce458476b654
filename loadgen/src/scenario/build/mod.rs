//! Raw scenario → [`Plan`]: every duration, rate, template, path and threshold parsed, every variable and
//! metric name resolved, each problem reported at the place in the file it comes from.

mod data;
mod setup;
mod workload;

use serde_json::Value;
use serde_saphyr::{Location, Spanned};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::Duration;

use super::plan::*;
use super::threshold::Threshold;
use super::{raw, threshold, units};
use crate::select;
use crate::template::{self, Json, Text};

pub(super) type Fail = (Location, String);

pub(super) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

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

/// The whole scenario, section by section, in the order the file's problems are reported.
pub fn plan(r: raw::Scenario, dir: &Path) -> Result<Plan, Fail> {
    let name = name(&r.name)?;
    let target = setup::target(r.target, r.fixture, dir)?;
    let bot = setup::bot(r.bot)?;
    let bot_fail_percent = setup::bot_fail_percent(r.bot_fail_percent, &bot)?;
    let bot_stream = setup::bot_stream(r.bot_chunks, r.bot_chunk_ms, &bot)?;
    let mut metrics = Metrics::default();
    metrics.id("iterations");
    metrics.id("api.gettoken");

    let mut known: BTreeSet<String> = template::BUILTINS.iter().map(|s| s.to_string()).collect();
    let pools = data::pools(r.data, &mut known)?;
    let vars: Vec<(String, Value)> = r.vars.into_iter().collect();
    known.extend(vars.iter().map(|(k, _)| k.clone()));

    let phases = workload::phases(r.workload, &r.steps, &known, &mut metrics)?;
    let thresholds = thresholds(&r.thresholds, &metrics)?;
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
        bot_stream,
        app: r.app,
        pools,
        vars,
        phases,
        thresholds,
        metrics: metrics.names,
    })
}

/// The scenario's name, which names the run's files.
fn name(n: &Spanned<String>) -> Result<String, Fail> {
    let name = n.value.trim().to_owned();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return at(
            n.referenced,
            "name: letters, digits, -, _ and . (it names the run's files)",
        );
    }
    Ok(name)
}

/// Each threshold parsed, on a metric some step records.
fn thresholds(raw: &[Spanned<String>], metrics: &Metrics) -> Result<Vec<Threshold>, Fail> {
    let mut thresholds = Vec::new();
    for t in raw {
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
    Ok(thresholds)
}

pub(super) fn dur(s: &Spanned<raw::Scalar>) -> Result<Duration, Fail> {
    units::duration(&s.value.0).or_else(|e| at(s.referenced, e))
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
