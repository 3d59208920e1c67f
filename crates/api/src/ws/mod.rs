//! The WebSocket API (`/api/v1/ws`): the endpoint, one task pair per connection, and
//! the handling of client messages (typed in [`protocol`]).
//!
//! Topics: `ticker:SYM`, `trades:SYM`, `book:SYM` (a snapshot, then deltas whose
//! `seq` goes up by one; a gap means resubscribe), `candles:SYM:INTERVAL`, and with
//! authentication `orders` and `balances`.
//!
//! Every client has a bounded queue (`ws.queue_len_max` messages). A client whose
//! queue is full is a slow consumer: it is sent a close frame with code 1008 and the
//! reason `slow consumer: queue full` (written within `ws.close_timeout_ms`, after
//! what its socket already holds; past that the connection is dropped), rather than
//! buffered without limit. A client message over `ws.message_bytes_max` closes the
//! connection with 1009; a venue at `ws.connections_max` answers 1013; shutdown and
//! the idle timeout close with 1000. The server sends `{"type": "heartbeat"}` every
//! `ws.heartbeat`, and disconnects a client silent for `ws.idle_timeout`.

pub mod hub;
pub mod protocol;

pub use hub::{Close, Closer, Hub};

use crate::dto::PlaceOrder;
use crate::error::ApiError;
use crate::routes::orders::{order_dto, placed_dto};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bourse_service::{Actor, Code, ServiceError};
use futures_util::{SinkExt, StreamExt};
use hub::ClientId;
use protocol::{BookMessage, ClientMessage, MESSAGE_ID_LEN_MAX, MessageId, ServerMessage};
use serde::Deserialize;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WsQuery {
    token: Option<String>,
}

/// Messages written to a socket before it is flushed, when several are queued.
const WRITE_BATCH_MAX: usize = 64;

/// The read buffer is zeroed up to this size before every read: keep it near the
/// size of the messages clients send, not the 128 KiB default.
const READ_BUFFER_BYTES: usize = 4 * 1024;

/// Frames up to this many times `ws.message_bytes_max` are read whole and then
/// refused with 1009; larger ones fail in the protocol layer (also answered 1009).
const FRAME_READ_FACTOR: usize = 4;

/// `GET /api/v1/ws`: upgrades to a WebSocket. Without the upgrade headers it answers
/// 426 `UPGRADE_REQUIRED` in the envelope.
pub async fn upgrade(
    State(state): State<AppState>,
    query: Result<Query<WsQuery>, QueryRejection>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => {
            let mut response = ApiError::new(
                Code::UpgradeRequired,
                format!(
                    "this route speaks the WebSocket protocol: {}",
                    rejection.body_text()
                ),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::UPGRADE, HeaderValue::from_static("websocket"));
            return response;
        }
    };
    let query = match query {
        Ok(Query(query)) => query,
        Err(rejection) => {
            return ApiError(ServiceError::validation(format!(
                "query string: {}",
                rejection.body_text()
            )))
            .into_response();
        }
    };
    let actor = match query.token {
        Some(token) => match authenticate(&state, &token).await {
            Ok(actor) => Some(actor),
            Err(error) => return error.into_response(),
        },
        None => None,
    };
    let message_max = state.config.ws.message_bytes_max;
    upgrade
        .max_message_size(message_max.saturating_mul(FRAME_READ_FACTOR))
        .max_frame_size(message_max.saturating_mul(FRAME_READ_FACTOR))
        .read_buffer_size(READ_BUFFER_BYTES)
        .on_upgrade(move |socket| connection(socket, state, actor))
}

async fn authenticate(state: &AppState, credential: &str) -> Result<Actor, ApiError> {
    if credential.starts_with("bk_") {
        state.authenticate_api_key(credential).await
    } else {
        state.authenticate_token(credential)
    }
}

fn error_reply(id: Option<MessageId>, error: &ApiError) -> Utf8Bytes {
    ServerMessage::error(id, error.code(), error.message()).text()
}

/// Whether a read error is a message over the size limit.
fn too_big(error: &axum::Error) -> bool {
    use std::error::Error as _;
    let mut source: Option<&(dyn std::error::Error + 'static)> = error.source();
    while let Some(cause) = source {
        if let Some(tungstenite::Error::Capacity(_)) = cause.downcast_ref::<tungstenite::Error>() {
            return true;
        }
        source = cause.source();
    }
    false
}

async fn connection(socket: WebSocket, state: AppState, mut actor: Option<Actor>) {
    let config = state.config.ws.clone();
    let (mut sink, mut stream) = socket.split();
    let (tx, rx) = mpsc::channel::<Utf8Bytes>(config.queue_len_max);
    let closer = Arc::new(Closer::default());
    let Some(id) = state.hub.register(tx.clone(), closer.clone()) else {
        let frame = CloseFrame {
            code: Close::FULL.code,
            reason: Utf8Bytes::from_static(Close::FULL.reason),
        };
        let _ = tokio::time::timeout(config.close_timeout, sink.send(Message::Close(Some(frame))))
            .await;
        return;
    };
    // Outgoing messages have a task of their own: a publication wakes only the writer,
    // which does nothing but write, and this task wakes only for what the client sends
    // and for heartbeats.
    let mut writer = tokio::spawn(write_loop(sink, rx, closer.clone(), config.close_timeout));
    let mut heartbeat = tokio::time::interval(config.heartbeat);
    heartbeat.tick().await;
    let mut last_heard = Instant::now();
    let enqueue = |message: Utf8Bytes| {
        if tx.try_send(message).is_err() && !closer.is_closed() {
            state.hub.metrics().slow_consumers.inc();
            closer.close(Close::SLOW_CONSUMER);
        }
    };
    let mut writer_done = false;
    loop {
        tokio::select! {
            // The writer ends when the socket fails or once it has sent a close frame.
            _ = &mut writer => {
                writer_done = true;
                break;
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > config.idle_timeout {
                    closer.close(Close::IDLE);
                } else {
                    enqueue(ServerMessage::Heartbeat { time: crate::now_rfc3339() }.text());
                }
            }
            incoming = stream.next() => {
                let message = match incoming {
                    Some(Ok(message)) => message,
                    Some(Err(error)) if too_big(&error) => {
                        // Past the protocol layer's limit: the frame was not read, so the
                        // stream cannot go on; say why, then let the close finish.
                        closer.close(Close::TOO_BIG);
                        break;
                    }
                    // The socket failed, or the client went: nothing more to say.
                    Some(Err(_)) | None => break,
                };
                last_heard = Instant::now();
                if closer.is_closed() {
                    // Closing: what the client still sends is read and dropped.
                    continue;
                }
                match message {
                    Message::Text(body) if body.len() > config.message_bytes_max => {
                        closer.close(Close::TOO_BIG);
                    }
                    Message::Text(body) => {
                        if let Some(reply) = handle(&state, id, &mut actor, body.as_str(), &tx).await {
                            enqueue(reply);
                        }
                    }
                    Message::Close(_) => {
                        closer.close(Close::NORMAL);
                    }
                    Message::Binary(_) => enqueue(error_reply(
                        None,
                        &ApiError::validation("send JSON text messages"),
                    )),
                    Message::Ping(_) | Message::Pong(_) => {}
                }
            }
        }
    }
    state.hub.unregister(id);
    if closer.is_closed() {
        // The closing handshake: the writer sends the close frame, then the client
        // answers with its own; what it sends meanwhile is dropped. Both waits are
        // bounded, and a stream that cannot be read any more is given the same time
        // before the socket goes, so that the client can read the frame first.
        let linger = tokio::time::sleep(config.close_timeout);
        tokio::pin!(linger);
        if !writer_done {
            tokio::select! {
                _ = &mut writer => {}
                () = &mut linger => {}
            }
        }
        loop {
            tokio::select! {
                () = &mut linger => break,
                incoming = stream.next() => match incoming {
                    Some(Ok(Message::Close(_))) | None => break,
                    Some(Ok(_)) => {}
                    Some(Err(_)) => {
                        (&mut linger).await;
                        break;
                    }
                },
            }
        }
    }
    writer.abort();
}

/// Writes a client's queue to its socket until the socket fails or the connection is
/// told to close; then it sends the close frame with its code and reason. A close
/// that arrives while a write is stuck (the client stopped reading) still gets its
/// frame, after what the socket holds, if the client reads within `close_timeout`;
/// otherwise the connection is dropped.
async fn write_loop<S>(
    mut sink: S,
    mut rx: mpsc::Receiver<Utf8Bytes>,
    closer: Arc<Closer>,
    close_timeout: Duration,
) where
    S: futures_util::Sink<Message> + Unpin,
{
    loop {
        // Checked before every message too, so that a busy queue cannot put off a close.
        if closer.is_closed() {
            send_close(&mut sink, &closer, close_timeout).await;
            return;
        }
        tokio::select! {
            biased;
            outgoing = rx.recv() => {
                let Some(message) = outgoing else {
                    if closer.is_closed() {
                        send_close(&mut sink, &closer, close_timeout).await;
                    }
                    return;
                };
                let write = async {
                    // Whatever else is queued goes out in the same write.
                    let mut written = sink.feed(Message::Text(message)).await.is_ok();
                    let mut batched = 1;
                    while written && batched < WRITE_BATCH_MAX {
                        let Ok(message) = rx.try_recv() else { break };
                        written = sink.feed(Message::Text(message)).await.is_ok();
                        batched += 1;
                    }
                    written && sink.flush().await.is_ok()
                };
                let outcome = tokio::select! {
                    biased;
                    written = write => Some(written),
                    () = closer.closed() => None,
                };
                match outcome {
                    Some(true) => {}
                    Some(false) => return,
                    None => {
                        send_close(&mut sink, &closer, close_timeout).await;
                        return;
                    }
                }
            }
            () = closer.closed() => {
                send_close(&mut sink, &closer, close_timeout).await;
                return;
            }
        }
    }
}

/// Sends the close frame of the connection's reason, within `timeout`.
async fn send_close<S>(sink: &mut S, closer: &Closer, timeout: Duration)
where
    S: futures_util::Sink<Message> + Unpin,
{
    let close = closer.reason();
    let frame = CloseFrame {
        code: close.code,
        reason: Utf8Bytes::from_static(close.reason),
    };
    let _ = tokio::time::timeout(timeout, sink.send(Message::Close(Some(frame)))).await;
}

/// Handles one client message; returns the immediate reply, if any. Trading replies
/// come later, from a task, through the client's queue.
async fn handle(
    state: &AppState,
    client: ClientId,
    actor: &mut Option<Actor>,
    body: &str,
    tx: &mpsc::Sender<Utf8Bytes>,
) -> Option<Utf8Bytes> {
    let message: ClientMessage = match serde_json::from_str(body) {
        Ok(message) => message,
        Err(error) => {
            return Some(error_reply(
                None,
                &ApiError::validation(format!("not a message of this protocol: {error}")),
            ));
        }
    };
    let id = message.id().cloned();
    if let Some(MessageId::Text(text)) = &id
        && text.chars().count() > MESSAGE_ID_LEN_MAX
    {
        return Some(error_reply(
            None,
            &ApiError::validation(format!("an id has at most {MESSAGE_ID_LEN_MAX} characters")),
        ));
    }
    match message {
        ClientMessage::Ping { .. } => Some(ServerMessage::Pong { id }.text()),
        ClientMessage::Auth { token, .. } => match authenticate(state, &token).await {
            Ok(authenticated) => {
                *actor = Some(authenticated);
                Some(
                    ServerMessage::Authenticated {
                        id,
                        user_id: authenticated.user_id.to_string(),
                    }
                    .text(),
                )
            }
            Err(error) => Some(error_reply(id, &error)),
        },
        ClientMessage::Subscribe { topics, .. } => {
            Some(subscribe(state, client, actor.as_ref(), id, topics, true))
        }
        ClientMessage::Unsubscribe { topics, .. } => {
            Some(subscribe(state, client, actor.as_ref(), id, topics, false))
        }
        trade @ (ClientMessage::Place { .. }
        | ClientMessage::Cancel { .. }
        | ClientMessage::Amend { .. }) => {
            let Some(trader) = *actor else {
                return Some(error_reply(
                    id,
                    &ApiError::new(
                        Code::Unauthorized,
                        "authenticate first (op auth, or ?token=)",
                    ),
                ));
            };
            if let Err(error) = trader
                .require_trade()
                .map_err(ApiError)
                .and_then(|()| state.limit_user(trader.user_id))
            {
                return Some(error_reply(id, &error));
            }
            let state = state.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                let reply = match trade_op(&state, &trader, trade).await {
                    Ok(data) => ServerMessage::Result { id, data }.text(),
                    Err(error) => error_reply(id, &error),
                };
                let _ = tx.try_send(reply);
            });
            None
        }
    }
}

/// Places, cancels or amends through the same use cases as REST.
async fn trade_op(
    state: &AppState,
    actor: &Actor,
    message: ClientMessage,
) -> Result<crate::dto::OrderDto, ApiError> {
    let service = &state.service;
    let order_id =
        |text: &str| crate::routes::parse_id(text, "order id").map(bourse_types::OrderId);
    match message {
        ClientMessage::Place { order, .. } => {
            order.check()?;
            let placed = service
                .place_order(actor, &PlaceOrder::to_request(&order))
                .await?;
            Ok(placed_dto(&service.catalog(), &placed))
        }
        ClientMessage::Cancel { order_id: id, .. } => {
            let order = service.cancel_order(actor, order_id(&id)?).await?;
            Ok(order_dto(&service.catalog(), &order))
        }
        ClientMessage::Amend {
            order_id: id,
            price,
            quantity,
            ..
        } => {
            let placed = service
                .amend_order(actor, order_id(&id)?, price.as_deref(), quantity.as_deref())
                .await?;
            Ok(placed_dto(&service.catalog(), &placed))
        }
        _ => Err(ApiError::internal("not a trading message")),
    }
}

fn subscribe(
    state: &AppState,
    client: ClientId,
    actor: Option<&Actor>,
    id: Option<MessageId>,
    topics: Vec<String>,
    subscribe: bool,
) -> Utf8Bytes {
    if topics.is_empty() {
        return error_reply(id, &ApiError::validation("give one or more topics"));
    }
    let subscriptions_max = state.config.ws.subscriptions_max;
    if topics.len() > subscriptions_max {
        return error_reply(
            id,
            &ApiError::validation(format!("at most {subscriptions_max} topics at once")),
        );
    }
    for topic in &topics {
        let resolved = match resolve_topic(state, topic, actor) {
            Ok(resolved) => resolved,
            Err(error) => return error_reply(id, &error),
        };
        if !subscribe {
            state.hub.unsubscribe(client, &resolved.key);
            if let Some(also) = &resolved.also {
                state.hub.unsubscribe(client, also);
            }
            continue;
        }
        if let Some(also) = &resolved.also
            && let Err(why) = state
                .hub
                .subscribe(client, also, subscriptions_max + 1, None)
        {
            return error_reply(id, &ApiError::validation(why));
        }
        let result = if let Some(symbol) = resolved.book {
            // The snapshot is taken and queued under the market data lock, so no
            // delta can slip between it and the subscription.
            let market = state.service.market();
            let snapshot = book_snapshot(state, &market, &symbol);
            state
                .hub
                .subscribe(client, &resolved.key, subscriptions_max, snapshot)
        } else {
            state
                .hub
                .subscribe(client, &resolved.key, subscriptions_max, None)
        };
        if let Err(why) = result {
            return error_reply(id, &ApiError::validation(why));
        }
    }
    if subscribe {
        ServerMessage::Subscribed { id, topics }.text()
    } else {
        ServerMessage::Unsubscribed { id, topics }.text()
    }
}

struct Topic {
    /// The hub's key: public topics by name, private ones per user.
    key: String,
    /// For a book topic, the symbol whose snapshot comes first.
    book: Option<String>,
    /// A second key subscribed with it: `risk` also hears what concerns everyone
    /// (venue and instrument halts, default limits), on [`RISK_EVERYONE`].
    also: Option<String>,
}

/// The hub key of the live statistics.
pub const STATS_TOPIC: &str = "stats";

/// The hub key of risk messages for every `risk` subscriber.
pub const RISK_EVERYONE: &str = "risk:*";

fn resolve_topic(state: &AppState, topic: &str, actor: Option<&Actor>) -> Result<Topic, ApiError> {
    let parts: Vec<&str> = topic.split(':').collect();
    let private = |name: &str, account: Option<&str>| match actor {
        Some(a) if a.scopes.read => Ok(Topic {
            key: format!(
                "{name}:{}",
                crate::routes::in_account(state, a, account)?.owner.0
            ),
            book: None,
            also: (name == "risk").then(|| RISK_EVERYONE.to_string()),
        }),
        Some(_) => Err(ApiError::new(
            Code::InsufficientScope,
            "this key lacks the `read` scope",
        )),
        None => Err(ApiError::new(
            Code::Unauthorized,
            "authenticate to subscribe to private topics",
        )),
    };
    match parts.as_slice() {
        [name @ ("orders" | "balances" | "positions" | "risk")] => private(name, None),
        // One of the caller's sub-accounts: `orders:3`.
        [
            name @ ("orders" | "balances" | "positions" | "risk"),
            account,
        ] => private(name, Some(account)),
        ["stats"] => match actor {
            Some(a) if a.role == bourse_store::Role::Admin => Ok(Topic {
                key: STATS_TOPIC.to_string(),
                book: None,
                also: None,
            }),
            Some(_) => Err(ApiError::new(
                Code::Forbidden,
                "the stats topic is for administrators",
            )),
            None => Err(ApiError::new(
                Code::Unauthorized,
                "authenticate to subscribe to private topics",
            )),
        },
        [name @ ("strategies" | "signals" | "backtests")] => match actor {
            Some(a) if a.scopes.read => Ok(Topic {
                key: format!("{name}:{}", a.user_id),
                book: None,
                also: None,
            }),
            Some(_) => Err(ApiError::new(
                Code::InsufficientScope,
                "this key lacks the `read` scope",
            )),
            None => Err(ApiError::new(
                Code::Unauthorized,
                "authenticate to subscribe to private topics",
            )),
        },
        ["transfers" | "security"] => Err(ApiError::new(
            Code::NotFound,
            format!("the {topic} topic is not available in this version"),
        )),
        [kind @ ("ticker" | "trades" | "book"), symbol] => {
            let instrument = state.service.catalog().symbol(symbol)?;
            let symbol = instrument.symbol().to_string();
            Ok(Topic {
                key: format!("{kind}:{symbol}"),
                book: (*kind == "book").then_some(symbol),
                also: None,
            })
        }
        ["candles", symbol, interval] => {
            let instrument = state.service.catalog().symbol(symbol)?;
            let interval = bourse_market::Interval::parse(interval).ok_or_else(|| {
                ApiError::validation(format!(
                    "unknown interval {interval:?}: 1m, 5m, 15m, 1h, 4h or 1d"
                ))
            })?;
            Ok(Topic {
                key: format!("candles:{}:{}", instrument.symbol(), interval.as_str()),
                book: None,
                also: None,
            })
        }
        _ => Err(ApiError::validation(format!("unknown topic {topic:?}"))),
    }
}

fn book_snapshot(
    state: &AppState,
    market: &bourse_market::MarketData,
    symbol: &str,
) -> Option<Utf8Bytes> {
    let catalog = state.service.catalog();
    let instrument = catalog.symbol(symbol).ok()?;
    let depth = market.depth(instrument.id(), usize::MAX)?;
    let levels = |levels: &[(bourse_types::Price, bourse_types::Qty, u32)]| -> Vec<[String; 2]> {
        levels
            .iter()
            .map(|(p, q, _)| [instrument.format_price(*p), instrument.format_qty(*q)])
            .collect()
    };
    Some(
        ServerMessage::BookSnapshot(BookMessage {
            symbol: symbol.to_string(),
            seq: depth.seq,
            bids: levels(&depth.bids),
            asks: levels(&depth.asks),
        })
        .text(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Poll;

    const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

    /// A socket that records what is written to it, or, `stuck`, whose peer has stopped
    /// reading: then nothing can be written, ever.
    #[derive(Default)]
    struct Recorder {
        sent: Vec<Message>,
        stuck: bool,
    }

    impl Recorder {
        fn ready(&self) -> Poll<Result<(), std::io::Error>> {
            if self.stuck {
                Poll::Pending
            } else {
                Poll::Ready(Ok(()))
            }
        }
    }

    impl futures_util::Sink<Message> for Recorder {
        type Error = std::io::Error;
        fn poll_ready(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> Poll<Result<(), Self::Error>> {
            self.ready()
        }
        fn start_send(
            mut self: std::pin::Pin<&mut Self>,
            item: Message,
        ) -> Result<(), Self::Error> {
            self.sent.push(item);
            Ok(())
        }
        fn poll_flush(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> Poll<Result<(), Self::Error>> {
            self.ready()
        }
        fn poll_close(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> Poll<Result<(), Self::Error>> {
            self.ready()
        }
    }

    #[tokio::test]
    async fn a_writer_stuck_on_a_client_that_stopped_reading_ends_when_told_to_close() {
        let (tx, rx) = mpsc::channel(4);
        let closer = Arc::new(Closer::default());
        let writer = tokio::spawn(write_loop(
            Recorder {
                sent: Vec::new(),
                stuck: true,
            },
            rx,
            closer.clone(),
            CLOSE_TIMEOUT,
        ));
        tx.send(Utf8Bytes::from_static("{}")).await.unwrap();
        tokio::task::yield_now().await;
        assert!(!writer.is_finished(), "the write cannot finish");
        closer.close(Close::SLOW_CONSUMER);
        tokio::time::timeout(Duration::from_secs(5), writer)
            .await
            .expect("the writer gives up on the stuck client")
            .unwrap();
    }

    #[tokio::test]
    async fn a_writer_writes_what_is_queued_then_the_close_frame_with_its_reason() {
        let (tx, rx) = mpsc::channel(4);
        let closer = Arc::new(Closer::default());
        tx.send(Utf8Bytes::from_static("a")).await.unwrap();
        tx.send(Utf8Bytes::from_static("b")).await.unwrap();
        let mut sink = Recorder::default();
        let queued = tokio::spawn({
            let closer = closer.clone();
            async move {
                // Told to close once both messages are out (the queue is empty).
                while tx.capacity() < 4 {
                    tokio::task::yield_now().await;
                }
                closer.close(Close::SLOW_CONSUMER);
            }
        });
        write_loop(&mut sink, rx, closer, CLOSE_TIMEOUT).await;
        queued.await.unwrap();
        let texts: Vec<String> = sink
            .sent
            .iter()
            .filter_map(|m| match m {
                Message::Text(t) => Some(t.to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(texts, ["a", "b"]);
        match sink.sent.last() {
            Some(Message::Close(Some(frame))) => {
                assert_eq!(frame.code, 1008);
                assert_eq!(frame.reason.as_str(), "slow consumer: queue full");
            }
            other => panic!("expected a close frame last, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_close_is_not_put_off_by_a_busy_queue() {
        let (tx, rx) = mpsc::channel(4);
        let closer = Arc::new(Closer::default());
        for message in ["a", "b", "c", "d"] {
            tx.send(Utf8Bytes::from_static(message)).await.unwrap();
        }
        closer.close(Close::SHUTDOWN);
        let mut sink = Recorder::default();
        write_loop(&mut sink, rx, closer, CLOSE_TIMEOUT).await;
        match sink.sent.as_slice() {
            [Message::Close(Some(frame))] => {
                assert_eq!(frame.code, 1000);
                assert_eq!(frame.reason.as_str(), "server shutting down");
            }
            other => panic!("expected only the close frame, got {other:?}"),
        }
        drop(tx);
    }
}
