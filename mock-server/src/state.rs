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

/// The world and what calls changed in it. One `Arc` so a reset swaps both at once; a directory write swaps
/// in a new world with the same store.
#[derive(Debug)]
pub struct Sim {
    pub world: Arc<World>,
    pub store: Arc<Store>,
}

/// The server's shared state. Outside the crate it is built (`new`, `demo`, `from_file`), reset, read as
/// `/mock/world` shows it, subscribed to, and fingerprinted; its parts are the crate's.
#[derive(Debug)]
pub struct State {
    sim: ArcSwap<Sim>,
    /// The world as the fixture declares it, for reset.
    fixture_world: Arc<World>,
    /// Directory writes and resets one at a time, so no write is lost to another's swap.
    swap_lock: parking_lot::Mutex<()>,
    n_resets: std::sync::atomic::AtomicU64,
    /// JS-SDK tickets and OAuth codes.
    pub(crate) jsapi: crate::jsapi::Jsapi,
    pub(crate) tokens: Tokens,
    pub(crate) trusted_ips: crate::trusted::TrustedIps,
    pub(crate) clock: Clock,
    pub(crate) settings: Settings,
    pub(crate) faults: Faults,
    pub(crate) journal: Journal,
    /// Request bodies being read and handled, under one byte budget.
    pub(crate) inflight: crate::inflight::InFlight,
    pub(crate) metrics: Metrics,
    pub(crate) ids: Ids,
    pub(crate) callbacks: crate::callback::Callbacks,
    pub(crate) events: crate::events::Events,
    /// AI bots' long connections and the messages waiting for their answers.
    pub(crate) aibots: crate::aibot::Hub,
    /// AI bots' unfinished streams in callback mode, refreshed.
    pub(crate) aibot_refreshes: crate::aibot::callback_mode::Refreshes,
    /// When set, the control API wants it as `Authorization: Bearer <token>`.
    pub(crate) admin_token: Option<String>,
    ca: crate::tls::CaSource,
    /// The CA and its leaves, opened on first use (see [`State::leaves`]).
    leaves: std::sync::OnceLock<Result<Arc<crate::tls::Leaves>, String>>,
}

/// How the server starts.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Guards the control API with this bearer token; none: loopback callers only.
    pub admin_token: Option<String>,
    /// Timeouts and the connection cap, for [`crate::run_with`] (the state itself does not use them).
    pub connections: crate::Limits,
    /// Where the CA for HTTPS as WeCom's hosts comes from.
    pub ca: crate::tls::CaSource,
}

impl State {
    /// The state of a world made from `fixture` (the fixture's `settings:` applied).
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
        let store = Store::new(&world, settings.store_limits(), 0);
        let callbacks = crate::callback::Callbacks::new(
            settings.callback_log_capacity(),
            settings.callback_log_max_bytes(),
        );
        let trusted_ips = crate::trusted::TrustedIps::from_world(&world);
        let world = Arc::new(world);
        Ok(Arc::new(State {
            sim: ArcSwap::from_pointee(Sim {
                world: world.clone(),
                store: Arc::new(store),
            }),
            fixture_world: world,
            swap_lock: parking_lot::Mutex::new(()),
            n_resets: Default::default(),
            jsapi: crate::jsapi::Jsapi::default(),
            tokens: Tokens::default(),
            trusted_ips,
            clock: Clock::new(),
            journal: Journal::new(settings.journal_capacity(), settings.journal_max_bytes()),
            inflight: crate::inflight::InFlight::new(settings.max_body_bytes_in_flight()),
            settings,
            faults: Faults::default(),
            metrics: Metrics::default(),
            ids,
            callbacks,
            events: crate::events::Events::default(),
            aibots: crate::aibot::Hub::default(),
            aibot_refreshes: Default::default(),
            admin_token: config.admin_token,
            ca: config.ca,
            leaves: std::sync::OnceLock::new(),
        }))
    }

    /// The built-in demo company, for tests and the no-flag start.
    pub fn demo(config: Config) -> Result<Arc<State>, StartError> {
        let (world, fixture) = World::demo()?;
        State::new(world, &fixture, config)
    }

    /// The state of the fixture file at `path`.
    pub fn from_file(path: &Path, config: Config) -> Result<Arc<State>, StartError> {
        let (world, fixture) = World::load(path)?;
        State::new(world, &fixture, config)
    }

    /// The CA and the leaves it signs, opened (or made) on first use: the binary opens it at start to print
    /// where it is; an in-process mock only once a client asks for HTTPS or for the CA. A CA that cannot be
    /// opened stays an error, said each time.
    pub(crate) fn leaves(&self) -> Result<Arc<crate::tls::Leaves>, String> {
        self.leaves
            .get_or_init(|| {
                self.ca
                    .open()
                    .map(|ca| Arc::new(crate::tls::Leaves::new(ca)))
                    .map_err(|e| e.to_string())
            })
            .clone()
    }

    /// Where the certificate of the mock's CA is (the file clients are told to trust), the CA opened or made
    /// now if it was not yet; why not, if it cannot be.
    pub fn ca_cert_path(&self) -> Result<std::path::PathBuf, String> {
        self.leaves().map(|l| l.ca().cert_path().to_owned())
    }

    pub(crate) fn sim(&self) -> arc_swap::Guard<Arc<Sim>> {
        self.sim.load()
    }

    pub(crate) fn world(&self) -> Arc<World> {
        self.sim.load().world.clone()
    }

    /// The world as `GET /mock/world` answers it: credentials, live callback URLs, members, the first customers
    /// (`n_customers` counts them all; `GET /mock/customers` lists every id).
    pub fn world_view(&self) -> wecom_wire::mock::control::World {
        crate::control::world_view(self)
    }

    /// The lifecycle stream `GET /mock/events` serves, from now on: every event, unfiltered. A receiver that
    /// falls behind the stream's bound misses the oldest (`RecvError::Lagged`).
    pub fn subscribe(
        &self,
    ) -> tokio::sync::broadcast::Receiver<Arc<wecom_wire::mock::events::Event>> {
        self.events.subscribe()
    }

    /// Back to the fixture: the directory is the fixture's again, inboxes, media, chats and sent messages are
    /// emptied, callback URLs and trusted IPs are the fixture's again, faults are cleared (a fault left from an
    /// earlier run would fail the next one without a word). Tokens, the clock, settings and the journal stay;
    /// kf cursors from before are refused as invalid, so a bot that pulls with one learns to start over.
    pub fn reset(&self) {
        let _one_at_a_time = self.swap_lock.lock();
        self.callbacks.clear_urls();
        self.faults.clear();
        self.jsapi.clear_codes();
        self.aibots.clear();
        self.aibot_refreshes.clear();
        let world = self.fixture_world.clone();
        self.trusted_ips.reset(&world);
        let epoch = self
            .n_resets
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        let store = Arc::new(Store::new(&world, self.settings.store_limits(), epoch));
        self.sim.store(Arc::new(Sim { world, store }));
    }

    /// Applies a directory write to a copy of corp `corp` and swaps the result in with the same store; when
    /// `edit` refuses, nothing is swapped. Writes are rare: the world is cloned whole.
    pub(crate) fn edit_corp<T, E: From<wecom_wire::Errcode>>(
        &self,
        corp: usize,
        edit: impl FnOnce(&mut crate::world::Corp) -> Result<T, E>,
    ) -> Result<T, E> {
        let _one_at_a_time = self.swap_lock.lock();
        let sim = self.sim.load_full();
        let mut world = (*sim.world).clone();
        let Some(c) = world.corps.get_mut(corp) else {
            // Callers take `corp` from a token; the list of corps never changes, so this is not reached.
            return Err(wecom_wire::Errcode::INVALID_CORPID.into());
        };
        let out = edit(c)?;
        self.sim.store(Arc::new(Sim {
            world: Arc::new(world),
            store: sim.store.clone(),
        }));
        Ok(out)
    }
}

/// Why a state could not be built.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    #[error("fixture settings: {0}")]
    Settings(#[from] SettingsError),
}
