//! The WebSocket API (`/api/v1/ws`) and the hub that fans released events out to it.
//!
//! Client messages: `{"op": "subscribe" | "unsubscribe", "topics": [...], "id": n}`,
//! `{"op": "auth", "token": "..."}` (an access token or an API key; `?token=` at
//! connection works too), `{"op": "place", "id": n, "order": {...}}`,
//! `{"op": "cancel", "id": n, "order_id": "..."}`,
//! `{"op": "amend", "id": n, "order_id": "...", "price": "...", "quantity": "..."}`,
//! `{"op": "ping"}`.
//!
//! Topics: `ticker:SYM`, `trades:SYM`, `book:SYM` (a snapshot, then deltas whose
//! `seq` goes up by one; a gap means resubscribe), `candles:SYM:INTERVAL`, and with
//! authentication `orders` and `balances`.
//!
//! Every client has a bounded queue (`ws.queue_len_max` messages). A client whose
//! queue is full is a slow consumer: it is disconnected with close code 1008 and the
//! reason `slow consumer: queue full`, rather than buffered without limit. The server
//! sends `{"type": "heartbeat"}` every `ws.heartbeat`, and disconnects a client silent
//! for `ws.idle_timeout`.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Query, State};
use axum::response::{IntoResponse, Response};
use futures_util::task::AtomicWaker;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

type ClientId = u64;

struct ClientEntry {
    tx: mpsc::Sender<Utf8Bytes>,
    close: Arc<Closer>,
    topics: HashSet<String>,
}

/// Tells a connection to close, and why. Only the connection's writer waits on it;
/// waiting costs two atomic operations, not a lock (it is checked on every idle turn).
#[derive(Default)]
pub struct Closer {
    reason: Mutex<Option<&'static str>>,
    closed: AtomicBool,
    waker: AtomicWaker,
}

impl Closer {
    fn close(&self, reason: &'static str) {
        let mut slot = self.reason.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some(reason);
        }
        drop(slot);
        self.closed.store(true, Ordering::Release);
        self.waker.wake();
    }

    fn reason(&self) -> &'static str {
        self.reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or("closing")
    }

    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Completes once [`Closer::close`] has been called.
    fn closed(&self) -> impl Future<Output = ()> + '_ {
        std::future::poll_fn(|cx| {
            if self.closed.load(Ordering::Acquire) {
                return Poll::Ready(());
            }
            self.waker.register(cx.waker());
            if self.closed.load(Ordering::Acquire) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    }
}

#[derive(Default)]
struct HubInner {
    next_id: ClientId,
    clients: HashMap<ClientId, ClientEntry>,
    topics: HashMap<String, HashSet<ClientId>>,
}

impl std::fmt::Debug for Closer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Closer").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("connections", &self.connections())
            .finish_non_exhaustive()
    }
}

/// Who listens to what. Publishing never blocks: each message is offered to each
/// subscriber's bounded queue, and a subscriber whose queue is full is cut off.
pub struct Hub {
    inner: Mutex<HubInner>,
    connections_max: usize,
    pub published: AtomicU64,
    pub slow_disconnects: AtomicU64,
}

impl Hub {
    pub fn new(connections_max: usize) -> Hub {
        Hub {
            inner: Mutex::new(HubInner::default()),
            connections_max,
            published: AtomicU64::new(0),
            slow_disconnects: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HubInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn connections(&self) -> usize {
        self.lock().clients.len()
    }

    fn register(&self, tx: mpsc::Sender<Utf8Bytes>, close: Arc<Closer>) -> Option<ClientId> {
        let mut inner = self.lock();
        if inner.clients.len() >= self.connections_max {
            return None;
        }
        inner.next_id += 1;
        let id = inner.next_id;
        inner.clients.insert(
            id,
            ClientEntry {
                tx,
                close,
                topics: HashSet::new(),
            },
        );
        Some(id)
    }

    fn unregister(&self, id: ClientId) {
        let mut inner = self.lock();
        if let Some(client) = inner.clients.remove(&id) {
            for topic in client.topics {
                if let Some(subscribers) = inner.topics.get_mut(&topic) {
                    subscribers.remove(&id);
                    if subscribers.is_empty() {
                        inner.topics.remove(&topic);
                    }
                }
            }
        }
    }

    /// Subscribes a client; `first` is queued before any later publication on the
    /// topic (a book snapshot), atomically with the subscription.
    fn subscribe(
        &self,
        id: ClientId,
        topic: &str,
        subscriptions_max: usize,
        first: Option<Utf8Bytes>,
    ) -> Result<(), &'static str> {
        let mut inner = self.lock();
        let Some(client) = inner.clients.get_mut(&id) else {
            return Err("not connected");
        };
        if !client.topics.contains(topic) && client.topics.len() >= subscriptions_max {
            return Err("too many subscriptions");
        }
        if let Some(message) = first
            && client.tx.try_send(message).is_err()
        {
            client.close.close("slow consumer: queue full");
            return Err("slow consumer");
        }
        client.topics.insert(topic.to_string());
        inner
            .topics
            .entry(topic.to_string())
            .or_default()
            .insert(id);
        Ok(())
    }

    fn unsubscribe(&self, id: ClientId, topic: &str) {
        let mut inner = self.lock();
        if let Some(client) = inner.clients.get_mut(&id) {
            client.topics.remove(topic);
        }
        if let Some(subscribers) = inner.topics.get_mut(topic) {
            subscribers.remove(&id);
            if subscribers.is_empty() {
                inner.topics.remove(topic);
            }
        }
    }

    /// Tells every client to go (on shutdown).
    pub fn close_all(&self, reason: &'static str) {
        for client in self.lock().clients.values() {
            client.close.close(reason);
        }
    }

    pub fn has_subscribers(&self, topic: &str) -> bool {
        self.lock().topics.contains_key(topic)
    }

    /// Offers a message to every subscriber of a topic.
    pub fn publish(&self, topic: &str, message: Utf8Bytes) {
        let mut inner = self.lock();
        let Some(subscribers) = inner.topics.get(topic) else {
            return;
        };
        let subscribers: Vec<ClientId> = subscribers.iter().copied().collect();
        let mut slow = Vec::new();
        for id in subscribers {
            if let Some(client) = inner.clients.get(&id) {
                match client.tx.try_send(message.clone()) {
                    Ok(()) => {}
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        client.close.close("slow consumer: queue full");
                        slow.push(id);
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => slow.push(id),
                }
            }
        }
        self.published.fetch_add(1, Ordering::Relaxed);
        // A slow client gets nothing more; it is gone once its task notices the close.
        for id in slow {
            self.slow_disconnects.fetch_add(1, Ordering::Relaxed);
            if let Some(client) = inner.clients.get_mut(&id) {
                let topics: Vec<String> = client.topics.drain().collect();
                for topic in topics {
                    if let Some(subscribers) = inner.topics.get_mut(&topic) {
                        subscribers.remove(&id);
                        if subscribers.is_empty() {
                            inner.topics.remove(&topic);
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct WsQuery {
    token: Option<String>,
}

/// `GET /api/v1/ws`: upgrades to a WebSocket.
pub async fn upgrade(
    State(state): State<AppState>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    Query(query): Query<WsQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let principal = match query.token {
        Some(token) => match authenticate(&state, &token).await {
            Ok(principal) => Some(principal),
            Err(error) => return error.into_response(),
        },
        None => None,
    };
    let _ = address;
    upgrade
        .max_message_size(64 * 1024)
        // The read buffer is zeroed up to this size before every read: keep it near
        // the size of the messages clients send, not the 128 KiB default.
        .read_buffer_size(4 * 1024)
        .on_upgrade(move |socket| connection(socket, state, principal))
}

async fn authenticate(state: &AppState, credential: &str) -> Result<Principal, ApiError> {
    if credential.starts_with("bk_") {
        state.authenticate_api_key(credential).await
    } else {
        state.authenticate_token(credential)
    }
}

/// A message for a client: shared, so one publication to many subscribers is one
/// allocation.
pub(crate) fn text(value: &Value) -> Utf8Bytes {
    Utf8Bytes::from(value.to_string())
}

fn error_message(id: &Value, code: &str, message: &str) -> Utf8Bytes {
    text(&json!({"type": "error", "id": id, "code": code, "message": message}))
}

/// Messages written to a socket before it is flushed, when several are queued.
const WRITE_BATCH_MAX: usize = 64;

/// How long a close frame may take to write before the connection is dropped anyway.
const CLOSE_WRITE_TIMEOUT: Duration = Duration::from_secs(2);

async fn connection(socket: WebSocket, state: AppState, mut principal: Option<Principal>) {
    let config = state.config.ws.clone();
    let (mut sink, mut stream) = socket.split();
    let (tx, rx) = mpsc::channel::<Utf8Bytes>(config.queue_len_max);
    let closer = Arc::new(Closer::default());
    let Some(id) = state.hub.register(tx.clone(), closer.clone()) else {
        let frame = CloseFrame {
            code: 1013,
            reason: Utf8Bytes::from_static("too many connections"),
        };
        let _ = sink.send(Message::Close(Some(frame))).await;
        return;
    };
    // Outgoing messages have a task of their own: a publication wakes only the writer,
    // which does nothing but write, and this task wakes only for what the client sends
    // and for heartbeats.
    let mut writer = tokio::spawn(write_loop(sink, rx, closer.clone()));
    let mut heartbeat = tokio::time::interval(config.heartbeat);
    heartbeat.tick().await;
    let mut last_heard = Instant::now();
    let enqueue = |message: Utf8Bytes| {
        if tx.try_send(message).is_err() {
            closer.close("slow consumer: queue full");
        }
    };
    loop {
        tokio::select! {
            // The writer ends when the socket fails or once it has sent a close frame.
            _ = &mut writer => break,
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > config.idle_timeout {
                    closer.close("idle timeout");
                } else {
                    enqueue(text(&json!({"type": "heartbeat", "time": crate::now_rfc3339()})));
                }
            }
            incoming = stream.next() => {
                let Some(Ok(message)) = incoming else { break };
                last_heard = Instant::now();
                match message {
                    Message::Text(body) => {
                        let reply = handle(&state, id, &mut principal, body.as_str(), &tx).await;
                        if let Some(reply) = reply {
                            enqueue(reply);
                        }
                    }
                    Message::Close(_) => break,
                    Message::Binary(_) => enqueue(error_message(&Value::Null, "VALIDATION_ERROR", "send JSON text messages")),
                    Message::Ping(_) | Message::Pong(_) => {}
                }
            }
        }
    }
    state.hub.unregister(id);
    writer.abort();
}

/// Writes a client's queue to its socket until the socket fails or the connection is
/// told to close; then it sends the close frame (1008 for a slow consumer, 1001
/// otherwise). A client that has stopped reading, so that a write cannot finish, is
/// dropped without one when told to close.
async fn write_loop<S>(mut sink: S, mut rx: mpsc::Receiver<Utf8Bytes>, closer: Arc<Closer>)
where
    S: futures_util::Sink<Message> + Unpin,
{
    loop {
        // Checked before every message too, so that a busy queue cannot put off a close.
        if closer.is_closed() {
            send_close(&mut sink, &closer).await;
            return;
        }
        tokio::select! {
            biased;
            outgoing = rx.recv() => {
                let Some(message) = outgoing else {
                    if closer.is_closed() {
                        send_close(&mut sink, &closer).await;
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
                let written = tokio::select! {
                    biased;
                    written = write => written,
                    () = closer.closed() => false,
                };
                if !written {
                    return;
                }
            }
            () = closer.closed() => {
                send_close(&mut sink, &closer).await;
                return;
            }
        }
    }
}

/// The close frame: 1008 (policy) for a slow consumer, 1001 (going away) otherwise.
async fn send_close<S>(sink: &mut S, closer: &Closer)
where
    S: futures_util::Sink<Message> + Unpin,
{
    let reason = closer.reason();
    let code = if reason.starts_with("slow") {
        1008
    } else {
        1001
    };
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from(reason),
    };
    let _ = tokio::time::timeout(CLOSE_WRITE_TIMEOUT, sink.send(Message::Close(Some(frame)))).await;
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientMessage {
    op: String,
    #[serde(default)]
    id: Value,
    #[serde(default)]
    topics: Vec<String>,
    token: Option<String>,
    order: Option<crate::dto::PlaceOrder>,
    order_id: Option<String>,
    price: Option<String>,
    quantity: Option<String>,
}

/// Handles one client message; returns the immediate reply, if any. Trading replies
/// come later, from a task, through the client's queue.
async fn handle(
    state: &AppState,
    client: ClientId,
    principal: &mut Option<Principal>,
    body: &str,
    tx: &mpsc::Sender<Utf8Bytes>,
) -> Option<Utf8Bytes> {
    let message: ClientMessage = match serde_json::from_str(body) {
        Ok(message) => message,
        Err(error) => {
            return Some(error_message(
                &Value::Null,
                "VALIDATION_ERROR",
                &error.to_string(),
            ));
        }
    };
    let id = message.id.clone();
    match message.op.as_str() {
        "ping" => Some(text(&json!({"type": "pong", "id": id}))),
        "auth" => {
            let Some(token) = message.token else {
                return Some(error_message(&id, "VALIDATION_ERROR", "auth needs a token"));
            };
            match authenticate(state, &token).await {
                Ok(p) => {
                    *principal = Some(p);
                    Some(text(
                        &json!({"type": "authenticated", "id": id, "user_id": p.user_id.to_string()}),
                    ))
                }
                Err(error) => Some(error_message(&id, error.code, &error.message)),
            }
        }
        "subscribe" | "unsubscribe" => {
            if message.topics.is_empty() {
                return Some(error_message(
                    &id,
                    "VALIDATION_ERROR",
                    "give one or more topics",
                ));
            }
            let mut done = Vec::new();
            for topic in &message.topics {
                let resolved = match resolve_topic(state, topic, principal.as_ref()) {
                    Ok(resolved) => resolved,
                    Err(error) => return Some(error_message(&id, error.code, &error.message)),
                };
                if message.op == "unsubscribe" {
                    state.hub.unsubscribe(client, &resolved.key);
                } else {
                    let result = if let Some(symbol) = resolved.book {
                        // The snapshot is taken and queued under the market data lock,
                        // so no delta can slip between it and the subscription.
                        let market = state.market();
                        let snapshot = book_snapshot(state, &market, &symbol);
                        state.hub.subscribe(
                            client,
                            &resolved.key,
                            state.config.ws.subscriptions_max,
                            snapshot,
                        )
                    } else {
                        state.hub.subscribe(
                            client,
                            &resolved.key,
                            state.config.ws.subscriptions_max,
                            None,
                        )
                    };
                    if let Err(why) = result {
                        return Some(error_message(&id, "VALIDATION_ERROR", why));
                    }
                }
                done.push(topic.clone());
            }
            let kind = if message.op == "subscribe" {
                "subscribed"
            } else {
                "unsubscribed"
            };
            Some(text(&json!({"type": kind, "id": id, "topics": done})))
        }
        "place" | "cancel" | "amend" => {
            let Some(p) = *principal else {
                return Some(error_message(
                    &id,
                    "UNAUTHORIZED",
                    "authenticate first (op auth, or ?token=)",
                ));
            };
            if let Err(error) = p.require_trade().and_then(|()| state.limit_user(p.user_id)) {
                return Some(error_message(&id, error.code, &error.message));
            }
            let state = state.clone();
            let tx = tx.clone();
            let op = message.op.clone();
            tokio::spawn(async move {
                let result = match op.as_str() {
                    "place" => match message.order {
                        Some(order) => crate::routes::orders::place_order(&state, p, order).await,
                        None => Err(ApiError::validation("place needs an order")),
                    },
                    "cancel" => match message.order_id {
                        Some(order_id) => {
                            crate::routes::orders::cancel_order(&state, p, &order_id).await
                        }
                        None => Err(ApiError::validation("cancel needs an order_id")),
                    },
                    _ => match message.order_id {
                        Some(order_id) => {
                            let amend = crate::dto::AmendOrder {
                                price: message.price,
                                quantity: message.quantity,
                            };
                            crate::routes::orders::amend_order(&state, p, &order_id, amend).await
                        }
                        None => Err(ApiError::validation("amend needs an order_id")),
                    },
                };
                let reply = match result {
                    Ok(order) => text(&json!({"type": "result", "id": id, "data": order})),
                    Err(error) => error_message(&id, error.code, &error.message),
                };
                let _ = tx.try_send(reply);
            });
            None
        }
        other => Some(error_message(
            &id,
            "VALIDATION_ERROR",
            &format!("unknown op {other:?}"),
        )),
    }
}

struct Topic {
    /// The hub's key: public topics by name, private ones per user.
    key: String,
    /// For a book topic, the symbol whose snapshot comes first.
    book: Option<String>,
}

fn resolve_topic(
    state: &AppState,
    topic: &str,
    principal: Option<&Principal>,
) -> Result<Topic, ApiError> {
    let parts: Vec<&str> = topic.split(':').collect();
    let private = |name: &str| match principal {
        Some(p) if p.scopes.read => Ok(Topic {
            key: format!("{name}:{}", p.user_id),
            book: None,
        }),
        Some(_) => Err(ApiError::forbidden(
            "INSUFFICIENT_SCOPE",
            "this key lacks the `read` scope",
        )),
        None => Err(ApiError::unauthorized(
            "UNAUTHORIZED",
            "authenticate to subscribe to private topics",
        )),
    };
    match parts.as_slice() {
        ["orders"] => private("orders"),
        ["balances"] => private("balances"),
        ["signals" | "risk" | "security"] => Err(ApiError::not_found(
            "NOT_FOUND",
            format!("the {topic} topic is not available in this version"),
        )),
        [kind @ ("ticker" | "trades" | "book"), symbol] => {
            let instrument = state.catalog().symbol(symbol)?;
            let symbol = instrument.symbol().to_string();
            Ok(Topic {
                key: format!("{kind}:{symbol}"),
                book: (*kind == "book").then_some(symbol),
            })
        }
        ["candles", symbol, interval] => {
            let instrument = state.catalog().symbol(symbol)?;
            let interval = bourse_market::Interval::parse(interval)
                .ok_or_else(|| ApiError::validation(format!("unknown interval {interval:?}")))?;
            Ok(Topic {
                key: format!("candles:{}:{}", instrument.symbol(), interval.as_str()),
                book: None,
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
    let catalog = state.catalog();
    let instrument = catalog.symbol(symbol).ok()?;
    let depth = market.depth(instrument.id(), usize::MAX)?;
    let levels = |levels: &[(bourse_types::Price, bourse_types::Qty, u32)]| -> Vec<[String; 2]> {
        levels
            .iter()
            .map(|(p, q, _)| [instrument.format_price(*p), instrument.format_qty(*q)])
            .collect()
    };
    Some(text(&json!({
        "type": "book_snapshot",
        "symbol": symbol,
        "seq": depth.seq,
        "bids": levels(&depth.bids),
        "asks": levels(&depth.asks),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_slow_consumer_is_cut_off_and_others_are_not() {
        let hub = Hub::new(10);
        let (slow_tx, mut slow_rx) = mpsc::channel(2);
        let (fast_tx, mut fast_rx) = mpsc::channel(64);
        let slow_close = Arc::new(Closer::default());
        let fast_close = Arc::new(Closer::default());
        let slow = hub.register(slow_tx, slow_close.clone()).unwrap();
        let fast = hub.register(fast_tx, fast_close.clone()).unwrap();
        hub.subscribe(slow, "trades:BTC-USD", 8, None).unwrap();
        hub.subscribe(fast, "trades:BTC-USD", 8, None).unwrap();
        for n in 0..5 {
            hub.publish("trades:BTC-USD", Utf8Bytes::from(format!("{n}")));
        }
        // The slow client got what fitted in its queue, then was told to go.
        assert_eq!(slow_rx.recv().await.as_deref(), Some("0"));
        assert_eq!(slow_rx.recv().await.as_deref(), Some("1"));
        assert!(slow_rx.try_recv().is_err());
        tokio::time::timeout(Duration::from_secs(1), slow_close.closed())
            .await
            .expect("the slow client is told to close");
        assert_eq!(slow_close.reason(), "slow consumer: queue full");
        assert_eq!(hub.slow_disconnects.load(Ordering::Relaxed), 1);
        // The other client got everything.
        for n in 0..5 {
            assert_eq!(
                fast_rx.recv().await.as_deref(),
                Some(format!("{n}").as_str())
            );
        }
        hub.unregister(slow);
        hub.unregister(fast);
        assert!(!hub.has_subscribers("trades:BTC-USD"));
        assert_eq!(hub.connections(), 0);
    }

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
        ));
        tx.send(Utf8Bytes::from_static("{}")).await.unwrap();
        tokio::task::yield_now().await;
        assert!(!writer.is_finished(), "the write cannot finish");
        closer.close("slow consumer: queue full");
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
                closer.close("slow consumer: queue full");
            }
        });
        write_loop(&mut sink, rx, closer).await;
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
        closer.close("shutting down");
        let mut sink = Recorder::default();
        write_loop(&mut sink, rx, closer).await;
        match sink.sent.as_slice() {
            [Message::Close(Some(frame))] => {
                assert_eq!(frame.code, 1001);
                assert_eq!(frame.reason.as_str(), "shutting down");
            }
            other => panic!("expected only the close frame, got {other:?}"),
        }
        drop(tx);
    }

    #[test]
    fn connections_and_subscriptions_are_bounded() {
        let hub = Hub::new(1);
        let (tx, _rx) = mpsc::channel(4);
        let id = hub
            .register(tx.clone(), Arc::new(Closer::default()))
            .unwrap();
        assert!(
            hub.register(tx, Arc::new(Closer::default())).is_none(),
            "one connection at most"
        );
        hub.subscribe(id, "a", 2, None).unwrap();
        hub.subscribe(id, "b", 2, None).unwrap();
        assert_eq!(
            hub.subscribe(id, "c", 2, None),
            Err("too many subscriptions")
        );
        hub.subscribe(id, "a", 2, None).unwrap();
    }
}
