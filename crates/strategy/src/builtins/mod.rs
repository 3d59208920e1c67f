//! The strategies that ship, each with its typed parameters.

mod bollinger_breakout;
mod common;
mod crossover;
mod grid;
mod macd_trend;
mod rsi_reversion;

use crate::params::{ParamError, ParamSpec, Params, Resolved};
use crate::strategy::Strategy;
use serde::Serialize;

/// A built-in strategy: its name, what it does, its parameters, and how to make it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Builtin {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub params: &'static [ParamSpec],
    #[serde(skip)]
    make: fn(&Resolved) -> Result<Box<dyn Strategy>, ParamError>,
}

impl Builtin {
    /// Checks `params` and makes the strategy; answers it with the parameters in
    /// force (defaults filled in).
    pub fn build(&self, params: &Params) -> Result<(Box<dyn Strategy>, Resolved), ParamError> {
        let resolved = Resolved::check(self.params, params)?;
        let strategy = (self.make)(&resolved)?;
        Ok((strategy, resolved))
    }
}

/// Every built-in, in the order the dashboard lists them.
pub const BUILTINS: &[Builtin] = &[
    crossover::BUILTIN,
    rsi_reversion::BUILTIN,
    bollinger_breakout::BUILTIN,
    macd_trend::BUILTIN,
    grid::BUILTIN,
];

/// The built-in called `name`.
pub fn find(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}
