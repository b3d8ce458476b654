//! Bringing up what a scenario runs against: the embedded mock-server (in-process, on an ephemeral loopback
//! port, with the scenario's fixture) or a running one; the bot behind it; and what loadgen needs to know of
//! the world (credentials, and the values of the data pools), read through the control API either way. A
//! running one is checked for what would skew a run ([`checks`]), and what loadgen changes on it is put back
//! at the end ([`restore`]).

pub mod checks;
mod embedded;
mod pools;
pub mod restore;

use embedded::{embedded, reference_aibots, reference_bot};
use pools::pools;

pub use restore::{Previous, Restore, Restorer};

use bytes::Bytes;
use serde_json::Value;
use std::time::Duration;

use crate::http::{Base, Conn, HttpError};
use crate::scenario::plan::{self, Method, Plan, Source};

const SETUP_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("the fixture cannot be used: {0}")]
    Fixture(String),
    #[error("cannot start the embedded mock-server: {0}")]
    Start(String),
    #[error("the target at {url} does not answer: {source}")]
    Down { url: String, source: HttpError },
    #[error("the target at {url} answered {what} — is it a mock-server?")]
    Garbage { url: String, what: String },
    #[error("the world has no app {0} (agentid)")]
    NoApp(i64),
    #[error("no app with callback keys for the bot; set `bot_app` or `bot: none`")]
    NoBotApp,
    #[error("the reference bot: {0}")]
    Bot(String),
    #[error("the mock refused the bot's callback URL {url}: {answer}")]
    Callback { url: String, answer: String },
    #[error("this loadgen was built without the embedded mock-server and reference bot; give --target and `bot: none` or a URL")]
    NotBuiltIn,
}

use wecom_wire::mock::control::{AiBot, Corp, World};
pub use wecom_wire::mock::control::{App, Callback};

/// What to put back after the run: a URL set at run time, else the fixture's.
trait Previously {
    fn previous(&self) -> Previous;
}

impl Previously for Callback {
    fn previous(&self) -> Previous {
        match self
            .url
            .clone()
            .filter(|u| Some(u) != self.fixture_url.as_ref())
        {
            Some(u) => Previous::Url(u),
            None => Previous::Fixture(self.fixture_url.clone()),
        }
    }
}

/// The target, up and known.
pub struct Target {
    pub base: Base,
    pub corpid: String,
    pub apps: Vec<App>,
    /// The 智能机器人 of the corp, with their secrets.
    pub aibots: Vec<AiBot>,
    /// The app `call` steps use when they name none.
    pub default_app: i64,
    /// Each data pool's values, in [`Plan::pools`] order.
    pub pools: Vec<Vec<Value>>,
    /// `embedded` or the URL.
    pub describe: String,
    /// `reference`, `none`, or the bot's URL.
    pub bot: String,
    /// What a running target holds that may skew the run (faults, changed settings), a sentence each.
    pub warnings: Vec<String>,
    /// The callback URL to put back when the run ends, when loadgen replaced one on a running target.
    pub restore: Option<Restore>,
    /// A mock started here dies with the run: nothing on it needs putting back or warning about.
    embedded: bool,
    /// Stops what was started in-process when dropped.
    _guards: Vec<tokio::sync::oneshot::Sender<()>>,
    #[cfg(feature = "embedded")]
    pub reference_bot: Option<std::sync::Arc<bot::Bot>>,
    /// The reference bot's AI-bot mode, one per AI bot of the corp, when steps talk to them.
    #[cfg(feature = "embedded")]
    pub reference_aibots: Vec<std::sync::Arc<bot::AiBot>>,
}

impl Target {
    pub fn secret(&self, agentid: i64) -> Option<&str> {
        self.apps
            .iter()
            .find(|a| a.agentid == agentid)
            .map(|a| a.secret.as_str())
    }
}

/// Starts or reaches the target, sets up the bot, reads the world. `url` overrides the scenario's target;
/// `admin_token` opens a running target's control API.
pub async fn up(
    plan: &Plan,
    url: Option<&str>,
    admin_token: Option<&str>,
) -> Result<Target, TargetError> {
    let (base, describe, guards) = reach(plan, url, admin_token).await?;
    let is_embedded = !guards.is_empty();
    let mut conn = Conn::new(base.clone());
    let corp = first_corp(plan, &mut conn, &base).await?;
    let (bot_app, default_app) = apps(plan, &corp)?;
    let pools = pools(plan, &corp, &mut conn, &base).await?;
    let mut target = Target {
        base: base.clone(),
        corpid: corp.corpid.clone(),
        apps: corp.apps,
        aibots: corp.aibots,
        default_app,
        pools,
        describe,
        bot: String::new(),
        warnings: Vec::new(),
        restore: None,
        embedded: is_embedded,
        _guards: guards,
        #[cfg(feature = "embedded")]
        reference_bot: None,
        #[cfg(feature = "embedded")]
        reference_aibots: Vec::new(),
    };
    if !is_embedded {
        target.warnings = checks::warnings(&mut conn, &base).await;
    }
    bot(plan, &mut target, &mut conn, bot_app).await?;
    Ok(target)
}

/// The target's base URL, how the summary names it, and the stop handles of what was started for it (none for
/// a target reached by URL).
async fn reach(
    plan: &Plan,
    url: Option<&str>,
    admin_token: Option<&str>,
) -> Result<(Base, String, Vec<tokio::sync::oneshot::Sender<()>>), TargetError> {
    let remote = |u: &str| {
        Base::parse(u)
            .and_then(|b| match admin_token {
                Some(t) => b.with_admin_token(t),
                None => Ok(b),
            })
            .map(|b| (b, u.to_owned(), Vec::new()))
            .map_err(|source| TargetError::Down {
                url: u.to_owned(),
                source,
            })
    };
    match (url, &plan.target) {
        (Some(u), _) => remote(u),
        (None, plan::Target::Url(u)) => remote(u),
        (None, plan::Target::Embedded(f)) => {
            let (base, guard) = embedded(f).await?;
            Ok((base, "embedded".to_owned(), vec![guard]))
        }
    }
}

/// The world's first corp, the one scenarios run against.
async fn first_corp(plan: &Plan, conn: &mut Conn, base: &Base) -> Result<Corp, TargetError> {
    let world: World = match get_json(conn, base, "/mock/world").await {
        Ok(w) => w,
        // A target that is not a mock-server (a bare baseline server) serves scenarios that need no world.
        Err(TargetError::Garbage { .. }) if !needs_world(plan) => World {
            corps: vec![Default::default()],
            seed: 0,
        },
        Err(e) => return Err(e),
    };
    world
        .corps
        .into_iter()
        .next()
        .ok_or_else(|| TargetError::Garbage {
            url: base.url(),
            what: "a world with no corp".into(),
        })
}

/// The app the bot answers for (the scenario's, else the kf app, else the first with a callback) and the app
/// calls use by default.
fn apps(plan: &Plan, corp: &Corp) -> Result<(Option<i64>, i64), TargetError> {
    let bot_app = match plan.bot_app {
        Some(a) => Some(a),
        None => corp.kf.as_ref().map(|k| k.agentid).or_else(|| {
            corp.apps
                .iter()
                .find(|a| a.callback.is_some())
                .map(|a| a.agentid)
        }),
    };
    let default_app = match plan
        .app
        .or(bot_app)
        .or(corp.apps.first().map(|a| a.agentid))
    {
        Some(a) if corp.apps.iter().any(|x| x.agentid == a) => a,
        Some(a) => return Err(TargetError::NoApp(a)),
        // Only a world-less target has no app, and then no step uses one.
        None => 0,
    };
    Ok((bot_app, default_app))
}

/// Whether the plan needs to know the target's world: pools from it, tokens, or a bot to register.
fn needs_world(plan: &Plan) -> bool {
    let tokens = plan.phases.iter().flat_map(|p| p.steps.iter()).any(|s| {
        matches!(
            &s.action,
            plan::Action::Http(plan::Request {
                kind: plan::RequestKind::Call {
                    with_token: true,
                    ..
                },
                ..
            })
        )
    });
    tokens
        || plan.bot != plan::Bot::None
        || plan
            .pools
            .iter()
            .any(|p| matches!(p.source, Source::World(_)))
}

pub(crate) async fn get_json<T: serde::de::DeserializeOwned>(
    conn: &mut Conn,
    base: &Base,
    path: &str,
) -> Result<T, TargetError> {
    let r = conn
        .send(Method::Get, path, None, SETUP_TIMEOUT)
        .await
        .map_err(|source| TargetError::Down {
            url: base.url(),
            source,
        })?;
    if r.status != 200 {
        return Err(TargetError::Garbage {
            url: base.url(),
            what: format!("HTTP {} to GET {path}", r.status),
        });
    }
    serde_json::from_slice(&r.body).map_err(|e| TargetError::Garbage {
        url: base.url(),
        what: format!("unexpected JSON to GET {path} ({e})"),
    })
}

async fn bot(
    plan: &Plan,
    t: &mut Target,
    conn: &mut Conn,
    bot_app: Option<i64>,
) -> Result<(), TargetError> {
    let url = match &plan.bot {
        plan::Bot::None => {
            t.bot = "none".into();
            return Ok(());
        }
        plan::Bot::Url(u) => {
            t.bot = u.clone();
            u.clone()
        }
        plan::Bot::Reference => {
            t.bot = "reference".into();
            if plan.uses_aibots() {
                reference_aibots(t, plan).await?;
                // A world of AI bots alone has no app for the kf and app bot; it is not needed then.
                if bot_app.is_none() {
                    return Ok(());
                }
            }
            reference_bot(t, bot_app, plan).await?
        }
    };
    let agentid = bot_app.ok_or(TargetError::NoBotApp)?;
    // Read before it is replaced: what the app's pushes went to is what they go to again after the run.
    let previous = t
        .apps
        .iter()
        .find(|a| a.agentid == agentid)
        .and_then(|a| a.callback.as_ref())
        .map_or(Previous::Fixture(None), Callback::previous);
    let body = Bytes::from(serde_json::json!({ "url": url }).to_string());
    let path = format!("/mock/apps/{agentid}/callback");
    let r = conn
        .send(Method::Put, &path, Some(body), SETUP_TIMEOUT)
        .await
        .map_err(|source| TargetError::Down {
            url: t.base.url(),
            source,
        })?;
    if r.status != 200 {
        return Err(TargetError::Callback {
            url,
            answer: String::from_utf8_lossy(&r.body).into_owned(),
        });
    }
    if !t.embedded && previous != Previous::Url(url.clone()) {
        t.restore = Some(Restore::new(t.base.clone(), agentid, previous, url));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(url: Option<&str>, fixture_url: Option<&str>) -> Callback {
        Callback {
            token: "t".into(),
            encoding_aes_key: "k".into(),
            url: url.map(str::to_owned),
            fixture_url: fixture_url.map(str::to_owned),
        }
    }

    #[test]
    fn a_url_set_at_run_time_is_set_again_and_the_fixtures_is_given_back() {
        let fixture = "http://127.0.0.1:9000/callback";
        let f = Some(fixture);
        assert_eq!(
            keys(Some("http://b/cb"), f).previous(),
            Previous::Url("http://b/cb".into())
        );
        assert_eq!(
            keys(f, f).previous(),
            Previous::Fixture(f.map(str::to_owned))
        );
        assert_eq!(keys(None, None).previous(), Previous::Fixture(None));
        // An older mock shows only its fixture's URL, as `url`: it is set again.
        assert_eq!(keys(f, None).previous(), Previous::Url(fixture.into()));
    }
}
