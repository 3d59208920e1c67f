//! The API's shared state: the use cases ([`Service`]), the WebSocket hub, and what
//! authentication keeps in memory (the token key, ended sessions, API keys, users'
//! current roles).

use crate::auth::{self, Jwt};
use crate::error::{ApiError, Result};
use crate::metrics::ApiMetrics;
use crate::ratelimit::{Key, Limit, RateLimiter};
use crate::ws::Hub;
use bourse_service::{Actor, Code, Scopes, Service};
use bourse_store::{Role, UserRow};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// `demo` or `production`.
    pub profile: String,
    pub registration_open: bool,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub user_limit: Limit,
    pub address_limit: Limit,
    /// Buckets kept per table (users, addresses) by the rate limiter.
    pub rate_limit_entries_max: usize,
    /// Origins allowed to call the API from a browser (exact matches).
    pub cors_origins: Vec<String>,
    pub body_limit_bytes: usize,
    /// The largest request header block (all names and values) answered normally.
    pub header_bytes_max: usize,
    /// The most headers a request may have.
    pub headers_max: usize,
    /// API keys kept verified in memory, at most.
    pub api_key_cache_max: usize,
    /// Ended sessions remembered in memory, at most (each for an access token's
    /// lifetime).
    pub revoked_sessions_max: usize,
    /// Whether access tokens of ended sessions are refused at once (on by default;
    /// off only to measure what the check costs, when they live until they expire).
    pub session_revocation: bool,
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
    /// The largest client message; a larger one closes the connection with 1009.
    pub message_bytes_max: usize,
    /// How long a close frame may take to write before the connection is dropped.
    pub close_timeout: Duration,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            profile: "demo".to_string(),
            registration_open: true,
            access_token_ttl: Duration::from_secs(900),
            refresh_token_ttl: Duration::from_secs(7 * 24 * 3600),
            user_limit: Limit {
                per_second: 50,
                burst: 100,
            },
            address_limit: Limit {
                per_second: 200,
                burst: 400,
            },
            rate_limit_entries_max: 100_000,
            cors_origins: Vec::new(),
            body_limit_bytes: 64 * 1024,
            header_bytes_max: 16 * 1024,
            headers_max: 100,
            api_key_cache_max: 10_000,
            revoked_sessions_max: 100_000,
            session_revocation: true,
            ws: WsConfig::default(),
        }
    }
}

impl Default for WsConfig {
    fn default() -> Self {
        WsConfig {
            queue_len_max: 1_024,
            heartbeat: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(60),
            subscriptions_max: 64,
            connections_max: 10_000,
            message_bytes_max: 64 * 1024,
            close_timeout: Duration::from_secs(1),
        }
    }
}

#[derive(Debug, Clone)]
struct CachedKey {
    user_id: u64,
    scopes: Scopes,
    secret_hash: String,
}

/// Sessions that have ended, kept for as long as an access token of theirs could
/// still be alive. Bounded: when full, the entry closest to its end is dropped early
/// (and a warning logged); the store keeps every one, so a restart still knows them.
#[derive(Debug)]
struct RevokedSessions {
    /// Session id to the second its last access token expires.
    ends: HashMap<String, u64>,
    max: usize,
}

impl RevokedSessions {
    fn insert(&mut self, session: String, until_secs: u64, now_secs: u64) {
        if !self.ends.contains_key(&session) && self.ends.len() >= self.max {
            self.ends.retain(|_, until| *until > now_secs);
            if self.ends.len() >= self.max
                && let Some(soonest) = self
                    .ends
                    .iter()
                    .min_by_key(|(_, until)| **until)
                    .map(|(s, _)| s.clone())
            {
                tracing::warn!(
                    max = self.max,
                    "the table of ended sessions is full; the one closest to expiry is forgotten early"
                );
                self.ends.remove(&soonest);
            }
        }
        self.ends.insert(session, until_secs);
    }

    fn is_revoked(&self, session: &str, now_secs: u64) -> bool {
        self.ends
            .get(session)
            .is_some_and(|until| *until > now_secs)
    }
}

pub struct Inner {
    pub config: ApiConfig,
    pub service: Service,
    pub hub: Hub,
    pub jwt: Jwt,
    limiter: RateLimiter,
    revoked: RwLock<RevokedSessions>,
    /// How many sessions `revoked` holds, read without its lock: on most requests it
    /// is zero, and the check costs one atomic load.
    revoked_count: AtomicUsize,
    /// Users who are disabled, or whose role changed, since their tokens were issued.
    user_overrides: Mutex<HashMap<u64, (Role, bool)>>,
    api_keys: Mutex<HashMap<String, CachedKey>>,
    /// Owners listening on `risk` whose limit use may have changed since the last
    /// usage message (at most one entry per subscriber).
    pub risk_dirty: Mutex<std::collections::BTreeSet<u64>>,
    pub started: Instant,
    pub metrics: ApiMetrics,
    /// Renders `/metrics`: set by the binary, which holds the exposition library.
    exposition: OnceLock<Exposition>,
}

/// Renders the metrics exposition: the body and its content type.
pub type Exposition = Box<dyn Fn() -> (String, &'static str) + Send + Sync>;

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

pub fn now_secs() -> u64 {
    now_nanos() / 1_000_000_000
}

impl AppState {
    /// The API over `service`. `revoked_sessions` are the sessions the store knows
    /// have ended recently (session id, when, in nanoseconds).
    pub fn new(
        config: ApiConfig,
        service: Service,
        jwt_secret: &[u8],
        revoked_sessions: Vec<(String, u64)>,
    ) -> AppState {
        let limiter = RateLimiter::new(config.rate_limit_entries_max);
        let ttl = config.access_token_ttl.as_secs();
        let mut revoked = RevokedSessions {
            ends: HashMap::new(),
            max: config.revoked_sessions_max.max(1),
        };
        let now = now_secs();
        for (session, at_nanos) in revoked_sessions {
            revoked.insert(session, at_nanos / 1_000_000_000 + ttl, now);
        }
        let metrics = ApiMetrics::new(service.telemetry());
        AppState(Arc::new(Inner {
            hub: Hub::new(config.ws.connections_max, metrics.hub.clone()),
            metrics,
            exposition: OnceLock::new(),
            jwt: Jwt::new(jwt_secret),
            limiter,
            revoked_count: AtomicUsize::new(revoked.ends.len()),
            revoked: RwLock::new(revoked),
            user_overrides: Mutex::new(HashMap::new()),
            api_keys: Mutex::new(HashMap::new()),
            risk_dirty: Mutex::new(std::collections::BTreeSet::new()),
            started: Instant::now(),
            config,
            service,
        }))
    }

    pub fn store(&self) -> &bourse_store::Store {
        self.service.store()
    }

    /// Sets what renders `/metrics` (once; later calls are ignored).
    pub fn set_exposition(&self, render: Exposition) {
        let _ = self.exposition.set(render);
    }

    /// The metrics exposition, if the binary set one.
    pub fn exposition(&self) -> Option<(String, &'static str)> {
        self.exposition.get().map(|render| render())
    }

    // ------------------------------------------------------------ limits

    pub fn limit_user(&self, user_id: u64) -> Result<()> {
        self.limiter
            .check(Key::User(user_id), self.config.user_limit, Instant::now())
            .map_err(|wait| {
                self.metrics.refused("user");
                ApiError::rate_limited(wait)
            })
    }

    pub fn limit_address(&self, address: IpAddr) -> Result<()> {
        self.limiter
            .check(
                Key::address(address),
                self.config.address_limit,
                Instant::now(),
            )
            .map_err(|wait| {
                self.metrics.refused("address");
                ApiError::rate_limited(wait)
            })
    }

    // ------------------------------------------------------------ sessions

    /// Ends sessions at once: their access tokens are refused from now on. The caller
    /// has recorded them in the store first, so that a restart keeps them ended.
    pub fn end_sessions(&self, sessions: impl IntoIterator<Item = String>) {
        let now = now_secs();
        let until = now + self.config.access_token_ttl.as_secs();
        let mut revoked = self.revoked.write().unwrap_or_else(|e| e.into_inner());
        for session in sessions {
            revoked.insert(session, until, now);
        }
        self.revoked_count
            .store(revoked.ends.len(), Ordering::Release);
    }

    fn session_ended(&self, session: &str) -> bool {
        self.config.session_revocation
            && !session.is_empty()
            && self.revoked_count.load(Ordering::Acquire) > 0
            && self
                .revoked
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .is_revoked(session, now_secs())
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

    fn disabled() -> ApiError {
        ApiError::new(Code::Forbidden, "this account is disabled")
    }

    /// The caller behind an access token: signed by this venue, unexpired, of a
    /// session that has not ended, of a user who is not disabled.
    pub fn authenticate_token(&self, token: &str) -> Result<Actor> {
        let claims = self.jwt.verify(token, now_secs())?;
        let invalid = || ApiError::new(Code::TokenInvalid, "the access token is not valid");
        let user_id: u64 = claims.sub.parse().map_err(|_| invalid())?;
        let mut role = Role::parse(&claims.role).ok_or_else(invalid)?;
        // A disabled account says so, whether or not its sessions have ended.
        if let Some((current, disabled)) = self.override_of(user_id) {
            if disabled {
                return Err(Self::disabled());
            }
            role = current;
        }
        if self.session_ended(&claims.sid) {
            return Err(ApiError::new(
                Code::TokenInvalid,
                "this session has ended (logged out or revoked); log in again",
            ));
        }
        Ok(Actor::new(user_id, role, Scopes::ALL, false))
    }

    pub async fn authenticate_api_key(&self, key: &str) -> Result<Actor> {
        let invalid = || ApiError::new(Code::ApiKeyInvalid, "the API key is not valid");
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
                let row = self
                    .service
                    .query(self.store().api_key(id))
                    .await?
                    .ok_or_else(invalid)?;
                if row.revoked_at.is_some() {
                    return Err(invalid());
                }
                let cached = CachedKey {
                    user_id: row.user_id,
                    scopes: Scopes::parse(&row.scopes).ok_or_else(invalid)?,
                    secret_hash: row.key_hash,
                };
                let mut keys = self.api_keys.lock().unwrap_or_else(|e| e.into_inner());
                if keys.len() >= self.config.api_key_cache_max {
                    // Keys are looked up again from the store when needed; dropping
                    // them all keeps the cache bounded at the cost of one query each.
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
                let user = self
                    .service
                    .query(self.store().user(cached.user_id))
                    .await?
                    .ok_or_else(invalid)?;
                self.note_user(&user);
                (user.role, user.disabled)
            }
        };
        if disabled {
            return Err(Self::disabled());
        }
        Ok(Actor::new(cached.user_id, role, cached.scopes, true))
    }

    /// Forgets a revoked key at once.
    pub fn forget_api_key(&self, id: &str) {
        self.api_keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::RevokedSessions;
    use std::collections::HashMap;

    #[test]
    fn ended_sessions_are_remembered_for_a_token_lifetime_within_a_bound() {
        let mut revoked = RevokedSessions {
            ends: HashMap::new(),
            max: 2,
        };
        revoked.insert("a".into(), 100, 0);
        revoked.insert("b".into(), 200, 0);
        assert!(revoked.is_revoked("a", 50) && revoked.is_revoked("b", 50));
        assert!(
            !revoked.is_revoked("a", 100),
            "a token of it cannot be alive"
        );
        // Full: the one closest to expiry goes first.
        revoked.insert("c".into(), 300, 50);
        assert!(!revoked.is_revoked("a", 50));
        assert!(revoked.is_revoked("b", 50) && revoked.is_revoked("c", 50));
        // Expired entries make room before anything alive is dropped.
        revoked.insert("d".into(), 400, 250);
        assert!(revoked.is_revoked("c", 250) && revoked.is_revoked("d", 250));
        assert_eq!(revoked.ends.len(), 2);
    }
}
