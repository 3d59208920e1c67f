//! The venue's status and health.

use super::*;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SequenceDto {
    /// Last command applied by the engine.
    pub applied: u64,
    /// Last command made durable by the journal.
    pub durable: u64,
    /// Last command acknowledged and published.
    pub released: u64,
    /// Last command in the read models.
    pub projected: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DependencyState {
    /// Working.
    Ok,
    /// Not working, but the venue trades on without it (the read-model database).
    Degraded,
    /// Not working, and the venue cannot acknowledge commands (the journal).
    Unavailable,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusDto {
    pub version: String,
    /// `demo` or `production`.
    pub profile: String,
    pub uptime_secs: u64,
    pub journal: DependencyState,
    pub journal_error: Option<String>,
    pub database: DependencyState,
    pub sequence: SequenceDto,
    pub last_snapshot: Option<u64>,
    pub instruments: usize,
    pub websocket_connections: usize,
    pub registration_open: bool,
    pub faucet_enabled: bool,
    pub time: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HealthDto {
    /// `ok`, or why not.
    pub status: String,
}

/// One dependency of the venue, as readiness sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DependencyDto {
    pub state: DependencyState,
    /// What is wrong, when something is.
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadinessDto {
    /// `ok` when the venue takes orders, else why not.
    pub status: String,
    /// The journal: `ok` or `unavailable`.
    pub journal: DependencyDto,
    /// The read-model database: `ok`, or `degraded` while it does not answer.
    pub database: DependencyDto,
    /// The read models: `ok`, or `degraded` while they lag far behind.
    pub read_models: DependencyDto,
}
