//! Compliance as code: a set of Rego v1 policies and their data, compiled once and
//! shared, that decides whether an action (placing or amending an order, creating an
//! API key, an administrator's command) may go ahead; the Rego tests shipped beside
//! the policies, run like `opa test`; and the rolling statistics the policies read.
//!
//! A decision is the set `deny` of every package under `data.bourse.policies`: empty
//! allows, each message is a reason to deny. An evaluation that fails (an error in a
//! policy, or longer than the time limit) denies, with the error as its reason.
//! docs/compliance.md is the reference.

pub mod policy;
pub mod stats;
pub mod testing;

pub use policy::{
    DATA_FILE, DECISION_RULE, Decision, EVALUATION_LIMIT, Gate, POLICY_DATA_MAX, POLICY_FILES_MAX,
    POLICY_NAMESPACE, POLICY_SOURCE_MAX, Policies, PolicyError, PolicyFile, PolicySet,
};
pub use stats::{
    CANCEL_WINDOW_MS, ORDER_WINDOW_MS, RollingStats, STATS_EVENTS_PER_USER_MAX, StatsSnapshot,
};
pub use testing::{TestOutcome, TestResult, checked, report, run_tests};
