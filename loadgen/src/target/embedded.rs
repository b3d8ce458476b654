//! What the embedded target starts in-process, each on an ephemeral loopback port (`mock_server::spawn`,
//! `bot::spawn`): the mock-server with the scenario's fixture, and the reference bot with the keys of the app it
//! serves; and, for scenarios that talk to AI bots, the reference bot's AI-bot mode on each one's long
//! connection (`bot::spawn_aibot`). Without the `embedded` feature each is an error that says so.

use super::{Target, TargetError};
use crate::http::Base;
use crate::scenario::plan::{self, Plan};

#[cfg(feature = "embedded")]
pub(super) async fn reference_bot(
    t: &mut Target,
    bot_app: Option<i64>,
    plan: &Plan,
) -> Result<String, TargetError> {
    let agentid = bot_app.ok_or(TargetError::NoBotApp)?;
    let app = t
        .apps
        .iter()
        .find(|a| a.agentid == agentid)
        .ok_or(TargetError::NoApp(agentid))?;
    let keys = app.callback.clone().ok_or(TargetError::NoBotApp)?;
    let b = bot::Bot::new(bot::Config {
        api_base: t.base.url(),
        corpid: t.corpid.clone(),
        secret: app.secret.clone(),
        token: keys.token,
        encoding_aes_key: keys.encoding_aes_key,
        fail_percent: plan.bot_fail_percent,
        fail_seed: plan.seed,
        ..bot::Config::demo()
    })
    .map_err(|e| TargetError::Bot(e.to_string()))?;
    let (addr, tx) = bot::spawn(b.clone())
        .await
        .map_err(|e| TargetError::Bot(e.to_string()))?;
    let url = format!("http://{addr}/callback");
    t._guards.push(tx);
    t.reference_bot = Some(b);
    Ok(url)
}

/// The reference AI bot for each AI bot of the corp, on the target's long connection (its port as `ws://`),
/// each subscribed before this returns: a member's message to a bot with no connection is refused.
#[cfg(feature = "embedded")]
pub(super) async fn reference_aibots(t: &mut Target, plan: &Plan) -> Result<(), TargetError> {
    let demo = bot::AibotConfig::demo();
    for a in &t.aibots {
        let b = bot::AiBot::new(bot::AibotConfig {
            ws_url: t.base.url().replacen("http://", "ws://", 1),
            botid: a.botid.clone(),
            secret: a.secret.clone(),
            chunks: plan.bot_stream.chunks.unwrap_or(demo.chunks),
            chunk_ms: plan.bot_stream.chunk_ms.unwrap_or(demo.chunk_ms),
            ..demo.clone()
        })
        .map_err(|e| TargetError::Bot(e.to_string()))?;
        let (mut task, stop) = bot::spawn_aibot(b.clone());
        let mut subscribed = b.subscribed();
        let ready = tokio::time::timeout(super::SETUP_TIMEOUT, async {
            tokio::select! {
                ended = &mut task => Err(format!("{ended:?}")),
                _ = subscribed.wait_for(|n| *n >= 1) => Ok(()),
            }
        });
        match ready.await {
            Ok(Ok(())) => {}
            Ok(Err(ended)) => {
                return Err(TargetError::Bot(format!(
                    "AI bot {} did not connect: {ended}",
                    a.botid
                )))
            }
            Err(_) => {
                return Err(TargetError::Bot(format!(
                    "AI bot {} did not subscribe within {:?}: {:?}",
                    a.botid,
                    super::SETUP_TIMEOUT,
                    b.stats()
                )))
            }
        }
        t._guards.push(stop);
        t.reference_aibots.push(b);
    }
    Ok(())
}

#[cfg(not(feature = "embedded"))]
pub(super) async fn reference_aibots(_: &mut Target, _: &Plan) -> Result<(), TargetError> {
    Err(TargetError::NotBuiltIn)
}

#[cfg(not(feature = "embedded"))]
pub(super) async fn reference_bot(
    _: &mut Target,
    _: Option<i64>,
    _: &Plan,
) -> Result<String, TargetError> {
    Err(TargetError::NotBuiltIn)
}

#[cfg(feature = "embedded")]
pub(super) async fn embedded(
    f: &plan::Fixture,
) -> Result<(Base, tokio::sync::oneshot::Sender<()>), TargetError> {
    use mock_server::World;
    let fixture_err = |e: mock_server::FixtureError| TargetError::Fixture(e.to_string());
    let config = mock_server::Config::default();
    let state = match f {
        plan::Fixture::Demo { users, customers } => {
            let (world, fixture) = World::demo_scaled(*users, *customers).map_err(fixture_err)?;
            mock_server::State::new(world, &fixture, config)
        }
        plan::Fixture::File(path) => mock_server::State::from_file(path, config),
        plan::Fixture::Inline(fixture) => {
            let world = World::from_parsed(fixture, "inline fixture").map_err(fixture_err)?;
            mock_server::State::new(world, fixture, config)
        }
    }
    .map_err(|e| TargetError::Fixture(e.to_string()))?;
    let (addr, tx) = mock_server::spawn(state, mock_server::Limits::default())
        .await
        .map_err(|e| TargetError::Start(e.to_string()))?;
    let base =
        Base::from_authority(addr.to_string()).map_err(|e| TargetError::Start(e.to_string()))?;
    Ok((base, tx))
}

#[cfg(not(feature = "embedded"))]
pub(super) async fn embedded(
    _: &plan::Fixture,
) -> Result<(Base, tokio::sync::oneshot::Sender<()>), TargetError> {
    Err(TargetError::NotBuiltIn)
}
