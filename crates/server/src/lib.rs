//! The `bourse` binary's library: configuration, the composition root that starts a
//! venue, and the subcommands. `main.rs` only parses arguments and picks one.

pub mod backtest_cmd;
pub mod backup;
pub mod bench;
pub mod cli;
pub mod client;
pub mod config;
pub mod describe;
pub mod healthcheck;
pub mod history;
pub mod http;
pub mod journal_cmd;
pub mod logging;
pub mod metrics;
pub mod policy_cmd;
pub mod serve;
pub mod user_cmd;
pub mod web;
