//! The hub: who listens to which topic, and each connection's bounded queue and
//! close signal. Publishing never blocks: a message is offered to each subscriber's
//! queue, and a subscriber whose queue is full is a slow consumer, told to close.

use crate::metrics::HubMetrics;
use axum::extract::ws::Utf8Bytes;
use futures_util::task::AtomicWaker;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use tokio::sync::mpsc;

pub(crate) type ClientId = u64;

/// Why a connection closes: the WebSocket close code and reason it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Close {
    pub code: u16,
    pub reason: &'static str,
}

impl Close {
    /// The client's queue filled up: it reads slower than the venue publishes.
    pub const SLOW_CONSUMER: Close = Close {
        code: 1008,
        reason: "slow consumer: queue full",
    };
    /// A client message over the size limit (RFC 6455: 1009, message too big).
    pub const TOO_BIG: Close = Close {
        code: 1009,
        reason: "message too big",
    };
    /// The venue has as many connections as it takes (1013, try again later).
    pub const FULL: Close = Close {
        code: 1013,
        reason: "too many connections",
    };
    /// The venue is stopping.
    pub const SHUTDOWN: Close = Close {
        code: 1000,
        reason: "server shutting down",
    };
    /// The client sent nothing, not even a pong, for the idle timeout.
    pub const IDLE: Close = Close {
        code: 1000,
        reason: "idle timeout",
    };
    /// The client sent a close frame; this answers it.
    pub const NORMAL: Close = Close {
        code: 1000,
        reason: "closing",
    };
}

struct ClientEntry {
    tx: mpsc::Sender<Utf8Bytes>,
    close: Arc<Closer>,
    topics: HashSet<String>,
}

/// Tells a connection to close, and why. Only the connection's writer waits on it;
/// waiting costs two atomic operations, not a lock (it is checked on every idle turn).
#[derive(Default)]
pub struct Closer {
    reason: Mutex<Option<Close>>,
    closed: AtomicBool,
    waker: AtomicWaker,
}

impl Closer {
    pub(crate) fn close(&self, reason: Close) {
        let mut slot = self.reason.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some(reason);
        }
        drop(slot);
        self.closed.store(true, Ordering::Release);
        self.waker.wake();
    }

    pub(crate) fn reason(&self) -> Close {
        self.reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or(Close::NORMAL)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Completes once [`Closer::close`] has been called.
    pub(crate) fn closed(&self) -> impl Future<Output = ()> + '_ {
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
    metrics: HubMetrics,
}

impl Hub {
    pub fn new(connections_max: usize, metrics: HubMetrics) -> Hub {
        Hub {
            inner: Mutex::new(HubInner::default()),
            connections_max,
            metrics,
        }
    }

    pub fn metrics(&self) -> &HubMetrics {
        &self.metrics
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HubInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn connections(&self) -> usize {
        self.lock().clients.len()
    }

    pub(crate) fn register(
        &self,
        tx: mpsc::Sender<Utf8Bytes>,
        close: Arc<Closer>,
    ) -> Option<ClientId> {
        let mut inner = self.lock();
        if inner.clients.len() >= self.connections_max {
            return None;
        }
        inner.next_id += 1;
        let id = inner.next_id;
        self.metrics.connections.inc();
        self.metrics.connections_opened.inc();
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

    pub(crate) fn unregister(&self, id: ClientId) {
        let mut inner = self.lock();
        if let Some(client) = inner.clients.remove(&id) {
            self.metrics.connections.dec();
            self.metrics
                .subscriptions
                .add(-(client.topics.len() as i64));
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
    pub(crate) fn subscribe(
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
            client.close.close(Close::SLOW_CONSUMER);
            self.metrics.slow_consumers.inc();
            return Err("slow consumer");
        }
        if client.topics.insert(topic.to_string()) {
            self.metrics.subscriptions.inc();
        }
        inner
            .topics
            .entry(topic.to_string())
            .or_default()
            .insert(id);
        Ok(())
    }

    pub(crate) fn unsubscribe(&self, id: ClientId, topic: &str) {
        let mut inner = self.lock();
        if let Some(client) = inner.clients.get_mut(&id)
            && client.topics.remove(topic)
        {
            self.metrics.subscriptions.dec();
        }
        if let Some(subscribers) = inner.topics.get_mut(topic) {
            subscribers.remove(&id);
            if subscribers.is_empty() {
                inner.topics.remove(topic);
            }
        }
    }

    /// Tells every client to go (on shutdown).
    pub fn close_all(&self, reason: Close) {
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
        let mut gone = Vec::new();
        let mut sent = 0;
        for id in subscribers {
            if let Some(client) = inner.clients.get(&id) {
                match client.tx.try_send(message.clone()) {
                    Ok(()) => sent += 1,
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        client.close.close(Close::SLOW_CONSUMER);
                        self.metrics.slow_consumers.inc();
                        gone.push(id);
                    }
                    // The connection is ending; it unregisters itself.
                    Err(mpsc::error::TrySendError::Closed(_)) => gone.push(id),
                }
            }
        }
        self.metrics.messages_sent.add(sent);
        // A slow client gets nothing more; it is gone once its task notices the close.
        for id in gone {
            if let Some(client) = inner.clients.get_mut(&id) {
                let topics: Vec<String> = client.topics.drain().collect();
                self.metrics.subscriptions.add(-(topics.len() as i64));
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_slow_consumer_is_cut_off_and_others_are_not() {
        let hub = Hub::new(10, HubMetrics::detached());
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
        assert_eq!(slow_close.reason(), Close::SLOW_CONSUMER);
        let m = hub.metrics();
        assert_eq!(m.slow_consumers.get(), 1);
        // Two to both, then three to the fast one only.
        assert_eq!(m.messages_sent.get(), 2 + 5);
        assert_eq!((m.connections.get(), m.connections_opened.get()), (2, 2));
        assert_eq!(
            m.subscriptions.get(),
            1,
            "the slow client's subscription is gone"
        );
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

    #[test]
    fn connections_and_subscriptions_are_bounded() {
        let hub = Hub::new(1, HubMetrics::detached());
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
        assert_eq!(hub.metrics().subscriptions.get(), 2);
        hub.unsubscribe(id, "b");
        hub.unsubscribe(id, "b");
        assert_eq!(hub.metrics().subscriptions.get(), 1);
        hub.unregister(id);
        assert_eq!(hub.metrics().subscriptions.get(), 0);
        assert_eq!(hub.metrics().connections.get(), 0);
    }

    #[test]
    fn the_first_close_reason_wins() {
        let closer = Closer::default();
        assert!(!closer.is_closed());
        closer.close(Close::SLOW_CONSUMER);
        closer.close(Close::SHUTDOWN);
        assert!(closer.is_closed());
        assert_eq!(closer.reason(), Close::SLOW_CONSUMER);
    }
}
