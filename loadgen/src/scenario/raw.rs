//! The scenario file as written: serde types that mirror the YAML key for key (unknown keys are errors), with
//! the source location of every value that is checked later. [`super::plan`] turns this into a validated plan.
//! The JSON Schema in `scenarios/scenario.schema.json` is generated from these types.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

/// A scalar written as a string or a number (`rate: 50` and `rate: 50/s` both read), kept as text to be parsed
/// with its location.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_owned()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Scalar {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Scalar".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": ["string", "number"] })
    }
}

#[cfg(feature = "embedded")]
pub type InlineFixture = mock_server::Fixture;
#[cfg(not(feature = "embedded"))]
pub type InlineFixture = serde::de::IgnoredAny;

/// A loadgen scenario: what to run against which target, and what counts as passing.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Names the run in reports; letters, digits, `-`, `_`, `.`.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: String,
    /// Seeds every random choice: the same seed gives the same calls in the same order. Default 0.
    #[serde(default)]
    pub seed: u64,
    /// `embedded` (default: mock-server in-process on an ephemeral port, with `fixture`) or the base URL of a
    /// running mock-server, e.g. `http://127.0.0.1:8080`.
    #[schemars(with = "Option<String>")]
    pub target: Option<Spanned<String>>,
    /// `reference` (default: the reference bot in-process, its URL registered with the mock), `none`, or an
    /// external bot's callback URL, which the mock verifies and pushes to.
    #[schemars(with = "Option<String>")]
    pub bot: Option<Spanned<String>>,
    /// Makes the reference bot flaky: it answers this share (0–100) of pushes with HTTP 503, the same ones for
    /// the same seed, so the mock's retries are exercised.
    #[schemars(with = "Option<u8>")]
    pub bot_fail_percent: Option<Spanned<u8>>,
    /// The reference bot's AI-bot mode (started when steps talk to `/mock/aibots/`): stream frames per answer,
    /// each the whole text so far (default 3).
    #[schemars(with = "Option<u64>")]
    pub bot_chunks: Option<Spanned<u64>>,
    /// The reference AI bot's spacing between one chunk and the next, in milliseconds (default 50).
    #[schemars(with = "Option<u64>")]
    pub bot_chunk_ms: Option<Spanned<u64>>,
    /// The app whose callbacks the bot takes (default: the kf app, else the first app with callback keys).
    pub bot_app: Option<i64>,
    /// The world the embedded target starts with (default: the demo company).
    #[schemars(with = "Option<FixtureSource>")]
    pub fixture: Option<Spanned<FixtureSource>>,
    /// The app (agentid) `call` steps use by default; its token is fetched and refreshed as an SDK does.
    pub app: Option<i64>,
    /// Variables picked anew for each iteration, from the target's world or from a list.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Pool>")]
    pub data: BTreeMap<String, Spanned<Pool>>,
    /// Variables every iteration starts with (templates may use them).
    #[serde(default)]
    pub vars: BTreeMap<String, serde_json::Value>,
    /// The phases, run one after the other.
    #[schemars(with = "Vec<Phase>")]
    pub workload: Spanned<Vec<Spanned<Phase>>>,
    /// What one iteration does (a phase may have its own).
    #[serde(default)]
    #[schemars(with = "Vec<Step>")]
    pub steps: Vec<Spanned<Step>>,
    /// Pass/fail conditions: `<metric>.<stat> <op> <value>`, e.g. `roundtrip.p99 < 50ms`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub thresholds: Vec<Spanned<String>>,
}

/// Where the embedded target's world comes from: exactly one key.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FixtureSource {
    /// The demo company, grown by generated members and customers.
    pub demo: Option<DemoSize>,
    /// A fixture file (mock-server/FIXTURE.md), relative to the scenario file.
    pub file: Option<String>,
    /// A fixture written out here, in the fixture format.
    #[schemars(with = "Option<serde_json::Value>")]
    pub inline: Option<Box<InlineFixture>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DemoSize {
    /// Generated members (`member00001`, …) added to the demo's.
    #[serde(default)]
    pub users: usize,
    /// Generated customers added to the demo's; they follow the members in turn.
    #[serde(default)]
    pub customers: usize,
}

/// A variable's values: exactly one of `from` and `values`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pool {
    /// `customers` (external_userid), `members` (userid), `kf_accounts` (open_kfid), `robots` (webhook key),
    /// `apps` (agentid) of the target's first corp.
    #[schemars(with = "Option<String>")]
    pub from: Option<Spanned<String>>,
    pub values: Option<Vec<serde_json::Value>>,
    /// `sequential` (default: value `(iteration + offset) mod n`) or `random` (seeded per iteration).
    #[schemars(with = "Option<String>")]
    pub pick: Option<Spanned<String>>,
    #[serde(default)]
    pub offset: usize,
}

/// One phase: exactly one of `open` and `closed`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub name: Option<String>,
    pub open: Option<Open>,
    pub closed: Option<Closed>,
    /// At most this many iterations at once (open workloads; default 1000). Past it, iterations start late and
    /// the corrected latencies show it.
    pub max_in_flight: Option<usize>,
    /// A pause after each iteration of a virtual user (closed workloads): `100ms`, or a range `50ms..150ms`
    /// drawn from uniformly.
    #[schemars(with = "Option<Scalar>")]
    pub think: Option<Spanned<Scalar>>,
    /// This phase's own steps, instead of the scenario's.
    #[schemars(with = "Option<Vec<Step>>")]
    pub steps: Option<Vec<Spanned<Step>>>,
}

/// An arrival rate: `rate` for a constant one, or `from` and `to` for a linear ramp.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Open {
    #[schemars(with = "Option<Scalar>")]
    pub rate: Option<Spanned<Scalar>>,
    #[schemars(with = "Option<Scalar>")]
    pub from: Option<Spanned<Scalar>>,
    #[schemars(with = "Option<Scalar>")]
    pub to: Option<Spanned<Scalar>>,
    #[schemars(with = "Scalar")]
    pub duration: Spanned<Scalar>,
}

/// `vus` virtual users, each running iterations back to back, until `iterations` in all or `duration`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Closed {
    #[schemars(with = "usize")]
    pub vus: Spanned<usize>,
    pub iterations: Option<u64>,
    #[schemars(with = "Option<Scalar>")]
    pub duration: Option<Spanned<Scalar>>,
}

/// One step of an iteration: exactly one of `call`, `control`, `request`, `expect`, `think`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Names the step: its latency is also recorded as `step.<name>`, and `since:` refers to it.
    pub name: Option<String>,
    /// A WeCom API call: `METHOD /cgi-bin/<path>`; `access_token` is added (except for `gettoken` and
    /// `webhook/*`), fetched and refreshed as an SDK does. Recorded as `api.<path>`.
    #[schemars(with = "Option<String>")]
    pub call: Option<Spanned<String>>,
    /// A control-API call: `METHOD /mock/<path>`, e.g. a customer writing. Recorded as `api.mock/<path>`.
    #[schemars(with = "Option<String>")]
    pub control: Option<Spanned<String>>,
    /// Any HTTP request to the target: `METHOD /path`, judged by HTTP status like `control` (e.g. a bare
    /// baseline server, or an endpoint of your own). Recorded as `api.<path>`.
    #[schemars(with = "Option<String>")]
    pub request: Option<Spanned<String>>,
    /// Wait for an event on the mock's event stream.
    pub expect: Option<Expect>,
    /// Pause for this long: `100ms`.
    #[schemars(with = "Option<Scalar>")]
    pub think: Option<Spanned<Scalar>>,
    /// The app (agentid) whose token a `call` uses, instead of the scenario's `app`.
    pub app: Option<i64>,
    /// Query parameters (templated).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub query: BTreeMap<String, Spanned<serde_json::Value>>,
    /// The JSON body (templated: `${name}` in a string is replaced; a string that is only `${name}` becomes the
    /// variable's value, whatever its type).
    #[schemars(with = "Option<serde_json::Value>")]
    pub body: Option<Spanned<serde_json::Value>>,
    /// The errcode a `call` must answer (default 0).
    pub errcode: Option<i64>,
    /// The HTTP status a `control` or `request` step must answer (default: any 2xx).
    pub status: Option<u16>,
    /// Variables taken from the response: `name: path` (`msgid`, `customer[0].status`, `follow_user[*].userid`).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub capture: BTreeMap<String, Spanned<String>>,
    /// Checks on the response.
    #[serde(default, rename = "assert")]
    pub asserts: Vec<Assert>,
    /// How long the call or the wait may take (default 10s).
    #[schemars(with = "Option<Scalar>")]
    pub timeout: Option<Spanned<Scalar>>,
    /// The metric this step's latency goes to, instead of `api.<path>` or `route.<route>`.
    pub metric: Option<String>,
    /// For `expect`: the step whose start the latency is measured from (default: the step before).
    #[schemars(with = "Option<String>")]
    pub since: Option<Spanned<String>>,
}

/// What event to wait for. `kind` and `route` as on `/mock/events`; one of the ids says which message.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `accepted`, `attempt`, `acknowledged`, `failed`, `delivered` (default), `dropped`
    /// (`wecom_wire::mock::events::EventKind`).
    pub kind: Option<String>,
    /// `app_message`, `appchat`, `robot`, `callback`, `kf`, `customer_message`, `contact`, `contact_sync`
    /// (`wecom_wire::mock::events::Route`).
    pub route: Option<String>,
    pub msgid: Option<String>,
    /// The event answers this message (`detail.in_reply_to`: the bot's kf reply to a customer's message).
    pub in_reply_to: Option<String>,
    pub customer: Option<String>,
    pub receiver: Option<String>,
}

/// A check on a response: `path` and exactly one condition. With `[*]` in the path, every element must pass.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assert {
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    pub equals: Option<serde_json::Value>,
    pub not_equals: Option<serde_json::Value>,
    pub exists: Option<bool>,
    /// The array or string has this many elements (characters).
    pub length: Option<usize>,
    pub at_least: Option<f64>,
    pub at_most: Option<f64>,
}
