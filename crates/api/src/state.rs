//! The API's shared state and the operations every route needs: authentication, rate
//! limits, submitting commands and waiting for the read models.

use crate::auth::{self, Jwt, Principal, Scopes};
use crate::catalog::Catalog;
use crate::error::{ApiError, Result};
use crate::ratelimit::{Key, Limit, RateLimiter};
use crate::ws::Hub;
use bourse_engine::{Command, Engine, EngineLimits, Event};
use bourse_journal::{Released, SubmitError, Venue};
use bourse_market::MarketData;
use bourse_store::{Role, Store, UserRow};
use bourse_types::OwnerId;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, oneshot, watch};

/// Faucet limits: the largest amount per request, per asset code.
#[derive(Debug, Clone, Default)]
pub struct FaucetConfig {
    pub enabled: bool,
    pub max_per_request: HashMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// `demo` or `production`.
    pub profile: String,
    pub registration_open: bool,
    pub faucet: FaucetConfig,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub user_limit: Limit,
    pub address_limit: Limit,
    pub rate_limit_entries_max: usize,
    /// Origins allowed to call the API from a browser (exact matches).
    pub cors_origins: Vec<String>,
    pub body_limit_bytes: usize,
    /// How long a read waits for the read models to catch up with the caller's writes.
    pub read_wait: Duration,
    /// How long a command may wait for its acknowledgement.
    pub command_timeout: Duration,
    pub ws: WsConfig,
}

#[derive(Debug, Clone)]
pub struct WsConfig {
    /// Messages queued for one client before it counts as a slow consumer and is
    /// disconnected.
    pub queue_len_max: usize,
    pub heartbeat: Duration,
    /// A client silent for this long (no message, no pong) is disconnected.
    pub idle_timeout: Duration,
    pub subscriptions_max: usize,
    pub connections_max: usize,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            profile: "demo".to_string(),
            registration_open: true,
            faucet: FaucetConfig {
                enabled: true,
                max_per_request: HashMap::new(),
            },
            access_token_ttl: Duration::from_secs(900),
            refresh_token_ttl: Duration::from_secs(7 * 24 * 3600),
            user_limit: Limit {
                per_second: 50,
                burst: 100,
            },
            address_limit: Limit {
                per_second: 100,
                burst: 200,
            },
            rate_limit_entries_max: 100_000,
            cors_origins: Vec::new(),
            body_limit_bytes: 64 * 1024,
            read_wait: Duration::from_secs(2),
            command_timeout: Duration::from_secs(10),
            ws: WsConfig {
                queue_len_max: 1_024,
                heartbeat: Duration::from_secs(15),
                idle_timeout: Duration::from_secs(60),
                subscriptions_max: 64,
                connections_max: 10_000,
            },
        }
    }
}

#[derive(Debug, Clone)]
struct CachedKey {
    user_id: u64,
    scopes: Scopes,
    secret_hash: String,
}

pub struct Inner {
    pub config: ApiConfig,
    pub store: Store,
    pub venue: Arc<Venue>,
    pub catalog: RwLock<Catalog>,
    pub market: RwLock<MarketData>,
    pub hub: Hub,
    pub projected: watch::Receiver<u64>,
    /// Asks the projector to write what it has gathered at once: a reader waits for it.
    pub read_flush: Arc<Notify>,
    pub jwt: Jwt,
    limiter: RateLimiter,
    /// Owners the engine knows, so that a first order opens the account first.
    known_owners: Mutex<HashSet<u64>>,
    /// Users who are disabled, or whose role changed, since their tokens were issued.
    user_overrides: Mutex<HashMap<u64, (Role, bool)>>,
    api_keys: Mutex<HashMap<String, CachedKey>>,
    /// The engine's limits as last set, to tell whether the configuration changes them.
    limits: Mutex<Option<EngineLimits>>,
    pub started: Instant,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The state every handler gets. Cheap to clone.
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

pub fn now_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

impl AppState {
    /// State for a venue recovered from `engine`, before the venue takes the engine.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        config: ApiConfig,
        store: Store,
        venue: Arc<Venue>,
        engine: &Engine,
        market: MarketData,
        projected: watch::Receiver<u64>,
        read_flush: Arc<Notify>,
        jwt_secret: &[u8],
        known_owners: impl IntoIterator<Item = u64>,
    ) -> AppState {
        let ws_connections_max = config.ws.connections_max;
        let limiter = RateLimiter::new(config.rate_limit_entries_max);
        AppState(Arc::new(Inner {
            catalog: RwLock::new(Catalog::from_engine(engine)),
            market: RwLock::new(market),
            hub: Hub::new(ws_connections_max),
            projected,
            read_flush,
            jwt: Jwt::new(jwt_secret),
            limiter,
            known_owners: Mutex::new(known_owners.into_iter().collect()),
            user_overrides: Mutex::new(HashMap::new()),
            api_keys: Mutex::new(HashMap::new()),
            limits: Mutex::new(None),
            started: Instant::now(),
            config,
            store,
            venue,
        }))
    }

    pub fn catalog(&self) -> std::sync::RwLockReadGuard<'_, Catalog> {
        self.catalog.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn market(&self) -> std::sync::RwLockReadGuard<'_, MarketData> {
        self.market.read().unwrap_or_else(|e| e.into_inner())
    }

    // ------------------------------------------------------------ limits

    /// Whether `limits` differ from the engine's limits as last set.
    pub fn limits_differ(&self, limits: &EngineLimits) -> bool {
        self.limits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            != Some(limits)
    }

    pub fn set_limits(&self, limits: EngineLimits) {
        *self.limits.lock().unwrap_or_else(|e| e.into_inner()) = Some(limits);
    }

    pub fn limit_user(&self, user_id: u64) -> Result<()> {
        self.limiter
            .check(Key::User(user_id), self.config.user_limit, Instant::now())
            .map_err(ApiError::rate_limited)
    }

    pub fn limit_address(&self, address: IpAddr) -> Result<()> {
        self.limiter
            .check(
                Key::Address(address),
                self.config.address_limit,
                Instant::now(),
            )
            .map_err(ApiError::rate_limited)
    }

    // ------------------------------------------------------------ authentication

    fn override_of(&self, user_id: u64) -> Option<(Role, bool)> {
        self.user_overrides
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&user_id)
            .copied()
    }

    /// Records a role change or a disabling, so that tokens issued before it stop
    /// carrying the old rights at once.
    pub fn note_user(&self, user: &UserRow) {
        self.user_overrides
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(user.id, (user.role, user.disabled));
        self.api_keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, key| key.user_id != user.id);
    }

    pub fn authenticate_token(&self, token: &str) -> Result<Principal> {
        let claims = self.jwt.verify(token, now_nanos() / 1_000_000_000)?;
        let invalid = || ApiError::unauthorized("TOKEN_INVALID", "the access token is not valid");
        let user_id: u64 = claims.sub.parse().map_err(|_| invalid())?;
        let mut role = Role::parse(&claims.role).ok_or_else(invalid)?;
        if let Some((current, disabled)) = self.override_of(user_id) {
            if disabled {
                return Err(ApiError::unauthorized(
                    "UNAUTHORIZED",
                    "this account is disabled",
                ));
            }
            role = current;
        }
        Ok(Principal {
            user_id,
            role,
            scopes: Scopes::ALL,
            via_api_key: false,
        })
    }

    pub async fn authenticate_api_key(&self, key: &str) -> Result<Principal> {
        let invalid = || ApiError::unauthorized("UNKNOWN_API_KEY", "the API key is not valid");
        let (id, secret) = auth::parse_api_key(key).ok_or_else(invalid)?;
        let secret_hash = auth::sha256_hex(secret);
        let cached = self
            .api_keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned();
        let cached = match cached {
            Some(cached) => cached,
            None => {
                let row = self.store.api_key(id).await?.ok_or_else(invalid)?;
                if row.revoked_at.is_some() {
                    return Err(invalid());
                }
                let cached = CachedKey {
                    user_id: row.user_id,
                    scopes: Scopes::parse(&row.scopes).ok_or_else(invalid)?,
                    secret_hash: row.key_hash,
                };
                let mut keys = self.api_keys.lock().unwrap_or_else(|e| e.into_inner());
                if keys.len() >= 10_000 {
                    keys.clear();
                }
                keys.insert(id.to_string(), cached.clone());
                cached
            }
        };
        if !auth::constant_time_eq(&cached.secret_hash, &secret_hash) {
            return Err(invalid());
        }
        let (role, disabled) = match self.override_of(cached.user_id) {
            Some(known) => known,
            None => {
                let user = self.store.user(cached.user_id).await?.ok_or_else(invalid)?;
                self.note_user(&user);
                (user.role, user.disabled)
            }
        };
        if disabled {
            return Err(ApiError::unauthorized(
                "UNAUTHORIZED",
                "this account is disabled",
            ));
        }
        Ok(Principal {
            user_id: cached.user_id,
            role,
            scopes: cached.scopes,
            via_api_key: true,
        })
    }

    /// Forgets a revoked key at once.
    pub fn forget_api_key(&self, id: &str) {
        self.api_keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }

    // ------------------------------------------------------------ commands

    /// Submits a command and waits for its durable outcome. Refuses at once when the
    /// venue's queue is full (`OVERLOADED`) or its journal has failed.
    pub async fn execute(&self, command: Command) -> Result<Released> {
        let (tx, rx) = oneshot::channel();
        let reply: bourse_journal::Reply = Box::new(move |result| {
            let _ = tx.send(result);
        });
        match self.venue.try_submit(command, reply) {
            Ok(()) => {}
            Err(SubmitError::Busy) => return Err(ApiError::overloaded()),
            Err(SubmitError::Unavailable(_)) => return Err(ApiError::journal_unavailable()),
        }
        match tokio::time::timeout(self.config.command_timeout, rx).await {
            Ok(Ok(Ok(released))) => Ok(released),
            Ok(Ok(Err(_))) | Ok(Err(_)) => Err(ApiError::journal_unavailable()),
            Err(_) => Err(ApiError::internal("a command was not acknowledged in time")),
        }
    }

    /// Opens the user's engine account if the engine does not know it yet.
    pub async fn ensure_account(&self, user_id: u64) -> Result<()> {
        if self
            .known_owners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&user_id)
        {
            return Ok(());
        }
        let released = self
            .execute(Command::OpenAccount {
                owner: OwnerId(user_id),
            })
            .await?;
        match released.events.first() {
            Some(Event::AccountOpened { .. }) => {}
            Some(Event::Rejected(r)) if r.code == bourse_engine::RejectCode::AccountExists => {}
            Some(Event::Rejected(r)) => return Err(ApiError::rejected(r.code)),
            _ => {}
        }
        self.note_owner(user_id);
        Ok(())
    }

    pub fn note_owner(&self, owner: u64) {
        self.known_owners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(owner);
    }

    /// Waits (briefly) until the read models include everything acknowledged so far,
    /// so that a read right after a write sees it. The projector is asked to write at
    /// once rather than at the end of its round.
    pub async fn wait_for_reads(&self) {
        let target = self.venue.health().released_seq;
        let mut projected = self.projected.clone();
        let deadline = tokio::time::sleep(self.config.read_wait);
        tokio::pin!(deadline);
        loop {
            if *projected.borrow_and_update() >= target {
                return;
            }
            self.read_flush.notify_one();
            tokio::select! {
                changed = projected.changed() => if changed.is_err() { return },
                () = &mut deadline => return,
            }
        }
    }
}
