//! The server's shared state: the world and its store (swapped whole on reset), tokens, the clock, settings,
//! faults, the journal and metrics. Handlers take it as `Arc<State>`.

use arc_swap::ArcSwap;
use std::path::Path;
use std::sync::Arc;

use crate::clock::Clock;
use crate::faults::Faults;
use crate::ids::Ids;
use crate::journal::Journal;
use crate::metrics::Metrics;
use crate::settings::{Settings, SettingsError};
use crate::store::Store;
use crate::tokens::Tokens;
use crate::world::{FixtureError, World};

/// The world and what calls changed in it. One `Arc` so a reset swaps both at once.
#[derive(Debug)]
pub struct Sim {
    pub world: Arc<World>,
    pub store: Store,
}

#[derive(Debug)]
pub struct State {
    sim: ArcSwap<Sim>,
    pub tokens: Tokens,
    pub trusted_ips: crate::trusted::TrustedIps,
    pub clock: Clock,
    pub settings: Settings,
    pub faults: Faults,
    pub journal: Journal,
    pub metrics: Metrics,
    pub ids: Ids,
    pub callbacks: crate::callback::Callbacks,
    pub events: crate::events::Events,
    /// When set, the control API wants it as `Authorization: Bearer <token>`.
    pub admin_token: Option<String>,
}

/// How the server starts.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub admin_token: Option<String>,
}

impl State {
    pub fn new(
        world: World,
        fixture: &crate::world::Fixture,
        config: Config,
    ) -> Result<Arc<State>, StartError> {
        let settings = Settings::default();
        if let Some(p) = &fixture.settings {
            settings.apply(p)?;
        }
        let ids = Ids::new(world.seed);
        let store = Store::new(&world, settings.inbox_capacity());
        let callbacks = crate::callback::Callbacks::new(settings.callback_log_capacity());
        let trusted_ips = crate::trusted::TrustedIps::from_world(&world);
        Ok(Arc::new(State {
            sim: ArcSwap::from_pointee(Sim {
                world: Arc::new(world),
                store,
            }),
            tokens: Tokens::default(),
            trusted_ips,
            clock: Clock::new(),
            journal: Journal::new(settings.journal_capacity()),
            settings,
            faults: Faults::default(),
            metrics: Metrics::default(),
            ids,
            callbacks,
            events: crate::events::Events::default(),
            admin_token: config.admin_token,
        }))
    }

    /// The built-in demo company, for tests and the no-flag start.
    pub fn demo(config: Config) -> Result<Arc<State>, StartError> {
        let (world, fixture) = World::demo()?;
        State::new(world, &fixture, config)
    }

    pub fn from_file(path: &Path, config: Config) -> Result<Arc<State>, StartError> {
        let (world, fixture) = World::load(path)?;
        State::new(world, &fixture, config)
    }

    pub fn sim(&self) -> arc_swap::Guard<Arc<Sim>> {
        self.sim.load()
    }

    pub fn world(&self) -> Arc<World> {
        self.sim.load().world.clone()
    }

    /// Back to the fixture: inboxes, media, chats and sent messages are emptied, callback URLs and trusted IPs are
    /// the fixture's again. Tokens, the clock, settings and faults stay.
    pub fn reset(&self) {
        self.callbacks.clear_urls();
        let world = self.world();
        self.trusted_ips.reset(&world);
        let store = Store::new(&world, self.settings.inbox_capacity());
        self.sim.store(Arc::new(Sim { world, store }));
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    #[error("fixture settings: {0}")]
    Settings(#[from] SettingsError),
}
