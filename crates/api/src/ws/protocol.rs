//! The WebSocket protocol, typed at the edge: what clients send ([`ClientMessage`])
//! and what the venue sends ([`ServerMessage`]), both in the OpenAPI document's
//! schemas. A message that does not fit a variant (a `place` without an order, an
//! unknown field, an unknown `op`) cannot be represented and is refused by the parser.

use crate::dto::{CandleDto, HaltScopeDto, OrderDto, PlaceOrder, RiskDto, SideDto, TickerDto};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The longest text id a client may give a message.
pub const MESSAGE_ID_LEN_MAX: usize = 64;

/// A client's name for one of its messages, echoed in the answer: a number or a
/// string of up to 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum MessageId {
    Number(u64),
    Text(String),
}

/// A message from a client.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// Answered by `pong`.
    Ping { id: Option<MessageId> },
    /// Authenticates the connection with an access token or an API key, so that the
    /// private topics and trading become available.
    Auth {
        id: Option<MessageId>,
        #[schema(max_length = 4096)]
        token: String,
    },
    /// Subscribes to topics: `ticker:SYM`, `trades:SYM`, `book:SYM`,
    /// `candles:SYM:INTERVAL`, and once authenticated `orders`, `balances`,
    /// `positions` and `risk`.
    Subscribe {
        id: Option<MessageId>,
        #[schema(min_items = 1, max_items = 64)]
        topics: Vec<String>,
    },
    Unsubscribe {
        id: Option<MessageId>,
        #[schema(min_items = 1, max_items = 64)]
        topics: Vec<String>,
    },
    /// Places an order (the body of `POST /api/v1/orders`); answered by `result`.
    Place {
        id: Option<MessageId>,
        order: PlaceOrder,
    },
    /// Cancels an order; answered by `result`.
    Cancel {
        id: Option<MessageId>,
        order_id: String,
    },
    /// Amends an order's price and/or remaining quantity; answered by `result`.
    Amend {
        id: Option<MessageId>,
        order_id: String,
        price: Option<String>,
        quantity: Option<String>,
    },
}

impl ClientMessage {
    pub fn id(&self) -> Option<&MessageId> {
        match self {
            ClientMessage::Ping { id }
            | ClientMessage::Auth { id, .. }
            | ClientMessage::Subscribe { id, .. }
            | ClientMessage::Unsubscribe { id, .. }
            | ClientMessage::Place { id, .. }
            | ClientMessage::Cancel { id, .. }
            | ClientMessage::Amend { id, .. } => id.as_ref(),
        }
    }
}

/// A public trade, on `trades:SYM`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TradeMessage {
    pub symbol: String,
    pub id: String,
    pub price: String,
    pub quantity: String,
    /// The taker's side.
    pub side: SideDto,
    pub time: String,
    /// When the venue published it, in nanoseconds since the epoch (for latency
    /// measurements).
    pub published_ns: u64,
}

/// The whole book (`book_snapshot`, first on `book:SYM`) or the levels that changed
/// (`book_delta`), each level `[price, quantity]`; quantity `0` removes a level.
/// Deltas' `seq` goes up by one: on a gap, resubscribe.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BookMessage {
    pub symbol: String,
    pub seq: u64,
    pub bids: Vec<[String; 2]>,
    pub asks: Vec<[String; 2]>,
}

/// A candle as it forms, on `candles:SYM:INTERVAL`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandleMessage {
    pub symbol: String,
    pub interval: String,
    pub candle: CandleDto,
}

/// What happened to one of the caller's orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderEventKind {
    Accepted,
    Fill,
    Amended,
    Cancelled,
    Expired,
}

/// A change to one of the caller's orders, on `orders`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderMessage {
    pub event: OrderEventKind,
    pub order_id: String,
    pub symbol: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_order_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<SideDto>,
    /// The limit price (accepted, amended) or the fill's price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<String>,
    /// The order's quantity (accepted) or the fill's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining_quantity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee: Option<String>,
    /// `maker` or `taker`, for fills.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liquidity: Option<String>,
    /// The cancel reason (docs/errors.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub time: String,
}

/// One of the caller's balances after a change, on `balances`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BalanceMessage {
    pub asset: String,
    pub available: String,
    pub held: String,
    pub total: String,
    pub time: String,
}

/// One of the caller's positions after a change, on `positions`. The mark is the
/// last trade price as the market data has it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PositionMessage {
    pub symbol: String,
    pub quantity: String,
    pub entry_price: Option<String>,
    pub cost: String,
    pub mark_price: Option<String>,
    pub unrealized_pnl: String,
    pub realized_pnl: String,
    pub fees: String,
    pub opened_at: Option<String>,
    pub time: String,
}

/// What a `risk` message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RiskEventKind {
    /// A conditional order's trigger fired (`price`: the last price).
    Triggered,
    /// The order a trigger made was refused (`code`); it is cancelled.
    TriggerRefused,
    /// A trailing stop followed the price (`price`: its new stop).
    TrailingMoved,
    /// The daily loss limit in `asset` was reached (`pnl`, `limit`).
    DailyLossBreached,
    /// A limit of the caller's, or a default, changed; a `usage` follows.
    LimitChanged,
    /// A halt that concerns the caller (`scope`, `symbol` or `user_id`, `by`, `reason`).
    Halted,
    Resumed,
    /// The caller's limits and their use now (`usage`), at most about once a second
    /// while they change.
    Usage,
}

/// The caller's triggers, limit use, breaches and halts, on `risk`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RiskMessage {
    pub event: RiskEventKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<String>,
    /// An engine code (docs/errors.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pnl: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<HaltScopeDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<RiskDto>,
    pub time: String,
}

impl RiskMessage {
    pub fn new(event: RiskEventKind, time: &str) -> RiskMessage {
        RiskMessage {
            event,
            order_id: None,
            symbol: None,
            price: None,
            code: None,
            asset: None,
            pnl: None,
            limit: None,
            scope: None,
            user_id: None,
            by: None,
            reason: None,
            usage: None,
            time: time.to_string(),
        }
    }
}

/// A message from the venue.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    Pong {
        id: Option<MessageId>,
    },
    Authenticated {
        id: Option<MessageId>,
        user_id: String,
    },
    Subscribed {
        id: Option<MessageId>,
        topics: Vec<String>,
    },
    Unsubscribed {
        id: Option<MessageId>,
        topics: Vec<String>,
    },
    /// The answer to `place`, `cancel` or `amend`: the order.
    Result {
        id: Option<MessageId>,
        data: OrderDto,
    },
    /// A refusal, with a code from docs/errors.md.
    Error {
        id: Option<MessageId>,
        code: String,
        message: String,
    },
    /// Every `ws.heartbeat_secs`.
    Heartbeat {
        time: String,
    },
    Ticker(TickerDto),
    Trade(TradeMessage),
    BookSnapshot(BookMessage),
    BookDelta(BookMessage),
    Candle(CandleMessage),
    Order(OrderMessage),
    Balance(BalanceMessage),
    Position(PositionMessage),
    Risk(RiskMessage),
    /// A live statistics sample, every second, on `stats` (administrators).
    Stats(crate::dto::StatsSampleDto),
    /// One of the caller's strategies after a change of status or a step, on
    /// `strategies` (as `GET /api/v1/strategies/{id}`, without the equity curve).
    Strategy(crate::dto::StrategyDto),
    /// A signal of one of the caller's strategies, on `signals`.
    Signal(crate::dto::SignalDto),
    /// One of the caller's backtests (or sweeps) changed status or progressed, on
    /// `backtests`.
    Backtest(crate::dto::BacktestProgressMessage),
}

impl ServerMessage {
    pub fn error(id: Option<MessageId>, code: &str, message: &str) -> ServerMessage {
        ServerMessage::Error {
            id,
            code: code.to_string(),
            message: message.to_string(),
        }
    }

    /// The message as a frame's text, shared so that one publication to many
    /// subscribers is one allocation.
    pub fn text(&self) -> axum::extract::ws::Utf8Bytes {
        axum::extract::ws::Utf8Bytes::from(
            serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ClientMessage, serde_json::Error> {
        serde_json::from_str(text)
    }

    #[test]
    fn client_messages_parse_only_in_their_shapes() {
        assert!(matches!(
            parse(r#"{"op":"ping","id":3}"#),
            Ok(ClientMessage::Ping {
                id: Some(MessageId::Number(3))
            })
        ));
        assert!(matches!(
            parse(r#"{"op":"subscribe","topics":["trades:BTC-USD"],"id":"a"}"#),
            Ok(ClientMessage::Subscribe { .. })
        ));
        // A place without an order cannot be represented.
        assert!(parse(r#"{"op":"place","id":1}"#).is_err());
        assert!(parse(r#"{"op":"cancel","id":1}"#).is_err());
        assert!(parse(r#"{"op":"teleport"}"#).is_err());
        assert!(parse(r#"{"topics":[]}"#).is_err(), "no op");
        assert!(
            parse(r#"{"op":"ping","extra":1}"#).is_err(),
            "unknown fields are refused"
        );
        assert!(matches!(
            parse(
                r#"{"op":"place","order":{"symbol":"BTC-USD","side":"buy","type":"market","quantity":"1"}}"#
            ),
            Ok(ClientMessage::Place { .. })
        ));
    }

    #[test]
    fn server_messages_carry_their_type() {
        let text = ServerMessage::Heartbeat { time: "t".into() }.text();
        assert_eq!(text.as_str(), r#"{"type":"heartbeat","time":"t"}"#);
        let text = ServerMessage::error(Some(MessageId::Number(1)), "UNAUTHORIZED", "no").text();
        assert_eq!(
            text.as_str(),
            r#"{"type":"error","id":1,"code":"UNAUTHORIZED","message":"no"}"#
        );
    }
}
