//! The enumerations the API shares: sides, order types and statuses, roles, scopes.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SideDto {
    Buy,
    Sell,
}

impl From<SideDto> for Side {
    fn from(side: SideDto) -> Side {
        match side {
            SideDto::Buy => Side::Buy,
            SideDto::Sell => Side::Sell,
        }
    }
}

impl From<Side> for SideDto {
    fn from(side: Side) -> SideDto {
        match side {
            Side::Buy => SideDto::Buy,
            Side::Sell => SideDto::Sell,
        }
    }
}

/// What a client may place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderTypeDto {
    Limit,
    Market,
}

/// An order's type as accepted: a market buy by quote amount is `market_budget`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderKindDto {
    Limit,
    Market,
    MarketBudget,
    StopMarket,
    StopLimit,
    TakeProfitMarket,
    TakeProfitLimit,
    TrailingStop,
}

impl OrderKindDto {
    pub fn of(record: &bourse_engine::OrderRecord) -> OrderKindDto {
        use bourse_service::OrderType;
        if matches!(record.kind, bourse_engine::OrderKind::MarketBudget { .. }) {
            return OrderKindDto::MarketBudget;
        }
        match OrderType::of(record) {
            OrderType::Limit => OrderKindDto::Limit,
            OrderType::Market => OrderKindDto::Market,
            OrderType::StopMarket => OrderKindDto::StopMarket,
            OrderType::StopLimit => OrderKindDto::StopLimit,
            OrderType::TakeProfitMarket => OrderKindDto::TakeProfitMarket,
            OrderType::TakeProfitLimit => OrderKindDto::TakeProfitLimit,
            OrderType::TrailingStop => OrderKindDto::TrailingStop,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum TimeInForceDto {
    /// Good till cancelled (the default for limit orders).
    Gtc,
    /// Immediate or cancel (the default for market orders).
    Ioc,
    /// Fill or kill.
    Fok,
    /// Good till date: give `expire_at`.
    Gtd,
    /// Good for the trading day: expires when the next trading day starts.
    Day,
}

impl From<TimeInForceDto> for TimeInForce {
    fn from(tif: TimeInForceDto) -> TimeInForce {
        match tif {
            TimeInForceDto::Gtc => TimeInForce::Gtc,
            TimeInForceDto::Ioc => TimeInForce::Ioc,
            TimeInForceDto::Fok => TimeInForce::Fok,
            TimeInForceDto::Gtd => TimeInForce::Gtd,
            TimeInForceDto::Day => TimeInForce::Day,
        }
    }
}

impl From<TimeInForce> for TimeInForceDto {
    fn from(tif: TimeInForce) -> TimeInForceDto {
        match tif {
            TimeInForce::Gtc => TimeInForceDto::Gtc,
            TimeInForce::Ioc => TimeInForceDto::Ioc,
            TimeInForce::Fok => TimeInForceDto::Fok,
            TimeInForce::Gtd => TimeInForceDto::Gtd,
            TimeInForce::Day => TimeInForceDto::Day,
        }
    }
}

/// Self-trade prevention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StpDto {
    /// The incoming order's rest is cancelled (the default).
    CancelNewest,
    /// The resting order is cancelled and matching goes on.
    CancelOldest,
    /// Both are cancelled.
    CancelBoth,
}

impl From<StpDto> for StpMode {
    fn from(stp: StpDto) -> StpMode {
        match stp {
            StpDto::CancelNewest => StpMode::CancelNewest,
            StpDto::CancelOldest => StpMode::CancelOldest,
            StpDto::CancelBoth => StpMode::CancelBoth,
        }
    }
}

impl From<StpMode> for StpDto {
    fn from(stp: StpMode) -> StpDto {
        match stp {
            StpMode::CancelNewest => StpDto::CancelNewest,
            StpMode::CancelOldest => StpDto::CancelOldest,
            StpMode::CancelBoth => StpDto::CancelBoth,
        }
    }
}

/// Where an order is in its life (docs/orders.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatusDto {
    Open,
    PartiallyFilled,
    Filled,
    Cancelled,
    Expired,
    /// A conditional order waiting for its trigger.
    Untriggered,
}

impl From<OrderStatus> for OrderStatusDto {
    fn from(status: OrderStatus) -> OrderStatusDto {
        match status {
            OrderStatus::Open => OrderStatusDto::Open,
            OrderStatus::PartiallyFilled => OrderStatusDto::PartiallyFilled,
            OrderStatus::Filled => OrderStatusDto::Filled,
            OrderStatus::Cancelled => OrderStatusDto::Cancelled,
            OrderStatus::Expired => OrderStatusDto::Expired,
            OrderStatus::Untriggered => OrderStatusDto::Untriggered,
        }
    }
}

/// Which orders a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatusQueryDto {
    /// Open, partly filled and untriggered orders.
    Open,
    /// Filled, cancelled and expired orders.
    Closed,
    /// Both (the default).
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LiquidityDto {
    Maker,
    Taker,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleDto {
    /// Everything, including halting markets and managing users.
    Admin,
    /// Trades on their own account.
    Trader,
    /// Reads every account's orders and trades; cannot trade.
    Compliance,
    /// Reads every account's orders and trades; cannot trade.
    Auditor,
}

impl From<RoleDto> for Role {
    fn from(role: RoleDto) -> Role {
        match role {
            RoleDto::Admin => Role::Admin,
            RoleDto::Trader => Role::Trader,
            RoleDto::Compliance => Role::Compliance,
            RoleDto::Auditor => Role::Auditor,
        }
    }
}

impl From<Role> for RoleDto {
    fn from(role: Role) -> RoleDto {
        match role {
            Role::Admin => RoleDto::Admin,
            Role::Trader => RoleDto::Trader,
            Role::Compliance => RoleDto::Compliance,
            Role::Auditor => RoleDto::Auditor,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InstrumentStatusDto {
    Trading,
    Halted,
    Closed,
}

impl From<InstrumentStatusDto> for InstrumentStatus {
    fn from(status: InstrumentStatusDto) -> InstrumentStatus {
        match status {
            InstrumentStatusDto::Trading => InstrumentStatus::Trading,
            InstrumentStatusDto::Halted => InstrumentStatus::Halted,
            InstrumentStatusDto::Closed => InstrumentStatus::Closed,
        }
    }
}

impl From<InstrumentStatus> for InstrumentStatusDto {
    fn from(status: InstrumentStatus) -> InstrumentStatusDto {
        match status {
            InstrumentStatus::Trading => InstrumentStatusDto::Trading,
            InstrumentStatus::Halted => InstrumentStatusDto::Halted,
            InstrumentStatus::Closed => InstrumentStatusDto::Closed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScopeDto {
    /// Read the account: balances, orders, fills.
    Read,
    /// Place, amend and cancel orders.
    Trade,
}
