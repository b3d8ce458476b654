//! The validated plan: what [`super::build`] makes of a scenario file once every value has been parsed and
//! checked. The executor runs only plans, so it never meets a malformed duration, template or path.

use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::raw::InlineFixture;
use super::threshold::Threshold;
use crate::select;
use crate::template::{Json, Text};
use wecom_wire::mock::events::{EventKind, Route};

/// Index of a metric in [`Plan::metrics`].
pub type MetricId = usize;
/// Every iteration, start to end.
pub const ITERATIONS: MetricId = 0;
/// Token fetches and refreshes.
pub const GETTOKEN: MetricId = 1;

#[derive(Debug)]
pub struct Plan {
    pub name: String,
    pub description: String,
    pub seed: u64,
    /// The file as given, its text and `sha256:` hash.
    pub file: String,
    pub text: String,
    pub hash: String,
    pub target: Target,
    pub bot: Bot,
    pub bot_app: Option<i64>,
    /// The reference bot's share of refused pushes.
    pub bot_fail_percent: u8,
    /// The reference AI bot's chunks per answer and their spacing, when the scenario sets them.
    pub bot_stream: BotStream,
    pub app: Option<i64>,
    pub pools: Vec<Pool>,
    pub vars: Vec<(String, Value)>,
    pub phases: Vec<Phase>,
    pub thresholds: Vec<Threshold>,
    /// Metric names by [`MetricId`].
    pub metrics: Vec<String>,
}

#[derive(Debug)]
pub enum Target {
    Embedded(Fixture),
    Url(String),
}

#[derive(Debug)]
pub enum Fixture {
    Demo { users: usize, customers: usize },
    File(PathBuf),
    Inline(Box<InlineFixture>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Bot {
    Reference,
    None,
    Url(String),
}

/// How the reference bot's AI-bot mode streams; `None` leaves the bot's default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BotStream {
    pub chunks: Option<usize>,
    pub chunk_ms: Option<u64>,
}

impl Plan {
    /// Whether a step talks to an AI bot (`/mock/aibots/…`): the reference bot then holds their long
    /// connections too.
    pub fn uses_aibots(&self) -> bool {
        self.phases
            .iter()
            .flat_map(|p| p.steps.iter())
            .any(|s| match &s.action {
                Action::Http(r) => r.path.starts_with("/mock/aibots/"),
                _ => false,
            })
    }
}

#[derive(Debug, Clone)]
pub struct Pool {
    pub name: String,
    pub source: Source,
    pub pick: Pick,
    pub offset: usize,
}

#[derive(Debug, Clone)]
pub enum Source {
    World(WorldPool),
    Values(Vec<Value>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorldPool {
    Customers,
    Members,
    KfAccounts,
    Robots,
    Apps,
    /// 智能机器人: their botids.
    Aibots,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    Sequential,
    Random,
}

#[derive(Debug, Clone)]
pub struct Phase {
    pub name: String,
    pub load: Load,
    pub max_in_flight: usize,
    /// A pause after each iteration (closed workloads), drawn uniformly from the range.
    pub think: Option<(Duration, Duration)>,
    pub steps: Arc<[Step]>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Load {
    /// Arrivals at a rate going linearly from `from_per_s` to `to_per_s` over `duration`.
    Open {
        from_per_s: f64,
        to_per_s: f64,
        duration: Duration,
    },
    Closed {
        vus: usize,
        iterations: Option<u64>,
        duration: Option<Duration>,
    },
}

impl Load {
    /// "200/s for 10s", "4 users × 100 iterations".
    pub fn describe(&self) -> String {
        match self {
            Load::Open {
                from_per_s,
                to_per_s,
                duration,
            } if from_per_s == to_per_s => {
                format!(
                    "{from_per_s}/s for {}",
                    humantime::format_duration(*duration)
                )
            }
            Load::Open {
                from_per_s,
                to_per_s,
                duration,
            } => format!(
                "{from_per_s}/s → {to_per_s}/s over {}",
                humantime::format_duration(*duration)
            ),
            Load::Closed {
                vus,
                iterations,
                duration,
            } => {
                let mut s = format!("{vus} users");
                if let Some(n) = iterations {
                    s += &format!(" × {n} iterations");
                }
                if let Some(d) = duration {
                    s += &format!(" for {}", humantime::format_duration(*d));
                }
                s
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Step {
    pub name: Option<String>,
    pub action: Action,
    /// Where the step's latency goes: `api.<path>`, `route.<route>`, or the step's `metric:`.
    pub metric: Option<MetricId>,
    /// `step.<name>` for a named step.
    pub step_metric: Option<MetricId>,
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub enum Action {
    Http(Request),
    Expect(Expect),
    Think(Duration),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    /// Starts with `/cgi-bin/` or `/mock/`.
    pub path: Text,
    pub query: Vec<(String, Json)>,
    pub body: Option<Body>,
    pub kind: RequestKind,
    pub captures: Vec<(String, select::Path)>,
    pub asserts: Vec<Assert>,
}

/// A request body: serialized once when it has no variables, filled per iteration when it has.
#[derive(Debug, Clone)]
pub enum Body {
    Fixed(bytes::Bytes),
    Templated(Json),
}

#[derive(Debug, Clone, PartialEq)]
pub enum RequestKind {
    /// A WeCom API call: answered with `errcode`.
    Call {
        app: Option<i64>,
        with_token: bool,
        errcode: i64,
    },
    /// A control-API call: judged by HTTP status.
    Control { status: Option<u16> },
}

#[derive(Debug, Clone)]
pub struct Expect {
    pub kind: EventKind,
    pub route: Option<Route>,
    pub key: Key,
    pub value: Text,
    /// The step whose start the latency counts from.
    pub since: usize,
}

/// Which of an event's ids an expect matches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Msgid,
    InReplyTo,
    Customer,
    Receiver,
}

#[derive(Debug, Clone)]
pub struct Assert {
    pub path: select::Path,
    /// As written, for messages.
    pub text: String,
    pub check: Check,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    Equals(Json),
    NotEquals(Json),
    Exists(bool),
    Length(usize),
    AtLeast(f64),
    AtMost(f64),
}
