//! The `bourse` binary's library: configuration, the composition root that starts a
//! venue, and the subcommands. `main.rs` only parses arguments and picks one.

pub mod bench;
pub mod cli;
pub mod client;
pub mod config;
pub mod describe;
pub mod http;
pub mod journal_cmd;
pub mod serve;
pub mod user_cmd;
pub mod web;
