//! Order enums shared by the engine, the API and the read models.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    pub const fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
        }
    }

    pub fn parse(text: &str) -> Option<Side> {
        [Side::Buy, Side::Sell]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// How long an order may stay on the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TimeInForce {
    /// Good till cancelled: rests until filled or cancelled.
    Gtc,
    /// Immediate or cancel: trades what it can at once; the rest is cancelled.
    Ioc,
    /// Fill or kill: trades in full at once, or is rejected without trading.
    Fok,
    /// Good till date: rests until its expiry time, compared with command timestamps.
    Gtd,
    /// Good for the trading day: rests until the day ends (the engine sets its expiry
    /// from the trading day's start, a journaled setting).
    Day,
}

impl TimeInForce {
    pub const fn as_str(self) -> &'static str {
        match self {
            TimeInForce::Gtc => "GTC",
            TimeInForce::Ioc => "IOC",
            TimeInForce::Fok => "FOK",
            TimeInForce::Gtd => "GTD",
            TimeInForce::Day => "DAY",
        }
    }

    pub const ALL: [TimeInForce; 5] = [
        TimeInForce::Gtc,
        TimeInForce::Ioc,
        TimeInForce::Fok,
        TimeInForce::Gtd,
        TimeInForce::Day,
    ];

    pub fn parse(text: &str) -> Option<TimeInForce> {
        TimeInForce::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// Whether an order with this time in force may rest on the book.
    pub const fn rests(self) -> bool {
        matches!(self, TimeInForce::Gtc | TimeInForce::Gtd | TimeInForce::Day)
    }
}

/// Self-trade prevention: what happens when an incoming order would trade against a
/// resting order of the same owner. The incoming order's mode decides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StpMode {
    /// The incoming order's remaining quantity is cancelled; the resting order stays.
    #[default]
    CancelNewest,
    /// The resting order is cancelled and matching continues.
    CancelOldest,
    /// Both are cancelled.
    CancelBoth,
}

impl StpMode {
    pub const fn as_str(self) -> &'static str {
        match self {
            StpMode::CancelNewest => "cancel_newest",
            StpMode::CancelOldest => "cancel_oldest",
            StpMode::CancelBoth => "cancel_both",
        }
    }

    pub const ALL: [StpMode; 3] = [
        StpMode::CancelNewest,
        StpMode::CancelOldest,
        StpMode::CancelBoth,
    ];

    pub fn parse(text: &str) -> Option<StpMode> {
        StpMode::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

/// Why an accepted order left the book without being filled. Stable codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CancelReason {
    /// The owner asked (cancel or cancel-all).
    Requested,
    /// The unfilled rest of an immediate-or-cancel or market order.
    Unfilled,
    /// Self-trade prevention.
    SelfTrade,
    /// An operator cancelled it (cancel-all across owners, instrument closed).
    Admin,
    /// A market order would have traded beyond its protection price.
    PriceProtection,
    /// A quote-budget market buy spent what it could.
    BudgetExhausted,
    /// The other leg of its one-cancels-the-other pair triggered or filled.
    OcoSibling,
    /// The bracket entry it was attached to was cancelled.
    ParentCancelled,
    /// A halt (the kill switch) of its account, instrument or the venue.
    Halted,
    /// Its owner panicked: every order cancelled.
    Panic,
    /// It triggered, but the order it became was refused (its event says why).
    TriggerRefused,
}

impl CancelReason {
    pub const fn code(self) -> &'static str {
        match self {
            CancelReason::Requested => "REQUESTED",
            CancelReason::Unfilled => "UNFILLED",
            CancelReason::SelfTrade => "SELF_TRADE",
            CancelReason::Admin => "ADMIN",
            CancelReason::PriceProtection => "PRICE_PROTECTION",
            CancelReason::BudgetExhausted => "BUDGET_EXHAUSTED",
            CancelReason::OcoSibling => "OCO_SIBLING",
            CancelReason::ParentCancelled => "PARENT_CANCELLED",
            CancelReason::Halted => "HALTED",
            CancelReason::Panic => "PANIC",
            CancelReason::TriggerRefused => "TRIGGER_REFUSED",
        }
    }

    pub const ALL: [CancelReason; 11] = [
        CancelReason::Requested,
        CancelReason::Unfilled,
        CancelReason::SelfTrade,
        CancelReason::Admin,
        CancelReason::PriceProtection,
        CancelReason::BudgetExhausted,
        CancelReason::OcoSibling,
        CancelReason::ParentCancelled,
        CancelReason::Halted,
        CancelReason::Panic,
        CancelReason::TriggerRefused,
    ];

    pub fn parse(code: &str) -> Option<CancelReason> {
        CancelReason::ALL.into_iter().find(|r| r.code() == code)
    }
}
