//! The rolling statistics the policies read as `input.stats`, per user: orders
//! accepted in the last hour, cancels in the last minute and the notional of the
//! orders accepted today (UTC) per quote asset. The service feeds them from the
//! journal's released events, so a restart rebuilds them by replaying the journal.

use serde::Serialize;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// The window of `orders_last_hour`.
pub const ORDER_WINDOW_MS: u64 = 3_600_000;
/// The window of `cancels_last_minute`.
pub const CANCEL_WINDOW_MS: u64 = 60_000;
/// A day, for `notional_today` (UTC days).
pub const DAY_MS: u64 = 86_400_000;
/// The most events of one kind kept per user; past it the oldest go (a count then
/// reads at least this many).
pub const STATS_EVENTS_PER_USER_MAX: usize = 65_536;

#[derive(Debug, Default)]
struct UserStats {
    orders: VecDeque<u64>,
    cancels: VecDeque<u64>,
    day: u64,
    notional: BTreeMap<String, u64>,
}

impl UserStats {
    fn prune(&mut self, now_ms: u64) {
        while self
            .orders
            .front()
            .is_some_and(|t| *t + ORDER_WINDOW_MS <= now_ms)
        {
            self.orders.pop_front();
        }
        while self
            .cancels
            .front()
            .is_some_and(|t| *t + CANCEL_WINDOW_MS <= now_ms)
        {
            self.cancels.pop_front();
        }
        if now_ms / DAY_MS != self.day {
            self.day = now_ms / DAY_MS;
            self.notional.clear();
        }
    }

    fn is_empty(&self) -> bool {
        self.orders.is_empty() && self.cancels.is_empty() && self.notional.is_empty()
    }
}

fn push_bounded(queue: &mut VecDeque<u64>, at_ms: u64) {
    if queue.len() == STATS_EVENTS_PER_USER_MAX {
        queue.pop_front();
    }
    // Events come in journal order; a clock step back keeps the queue sorted.
    let at = queue.back().map_or(at_ms, |last| at_ms.max(*last));
    queue.push_back(at);
}

/// One user's statistics at a moment, as the policies read them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatsSnapshot {
    pub orders_last_hour: u64,
    pub cancels_last_minute: u64,
    /// Minor units of each quote asset.
    pub notional_today: BTreeMap<String, u64>,
}

/// Every user's rolling statistics.
#[derive(Debug, Default)]
pub struct RollingStats {
    users: HashMap<u64, UserStats>,
}

impl RollingStats {
    pub fn new() -> RollingStats {
        RollingStats::default()
    }

    /// An order of `user` was accepted at `at_ms`.
    pub fn order_accepted(
        &mut self,
        user: u64,
        at_ms: u64,
        quote_asset: &str,
        notional_minor: u64,
    ) {
        let stats = self.users.entry(user).or_default();
        stats.prune(at_ms);
        push_bounded(&mut stats.orders, at_ms);
        let today = stats.notional.entry(quote_asset.to_string()).or_default();
        *today = today.saturating_add(notional_minor);
    }

    /// An order of `user` was cancelled at `at_ms` (by the user).
    pub fn order_cancelled(&mut self, user: u64, at_ms: u64) {
        let stats = self.users.entry(user).or_default();
        stats.prune(at_ms);
        push_bounded(&mut stats.cancels, at_ms);
    }

    /// What the policies see of `user` at `now_ms`.
    pub fn snapshot(&mut self, user: u64, now_ms: u64) -> StatsSnapshot {
        let Some(stats) = self.users.get_mut(&user) else {
            return StatsSnapshot::default();
        };
        stats.prune(now_ms);
        StatsSnapshot {
            orders_last_hour: stats.orders.len() as u64,
            cancels_last_minute: stats.cancels.len() as u64,
            notional_today: stats.notional.clone(),
        }
    }

    /// Forgets what every window has left behind.
    pub fn prune(&mut self, now_ms: u64) {
        self.users.retain(|_, s| {
            s.prune(now_ms);
            !s.is_empty()
        });
    }

    /// The users with statistics.
    pub fn users(&self) -> usize {
        self.users.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_leave_the_hour_one_by_one() {
        let mut stats = RollingStats::new();
        for i in 0..100 {
            stats.order_accepted(1, 1_000 + i * 10_000, "USD", 5);
        }
        assert_eq!(stats.snapshot(1, 1_000 + 99 * 10_000).orders_last_hour, 100);
        // An hour after the first, the first has left (the window is half-open).
        assert_eq!(
            stats
                .snapshot(1, 1_000 + ORDER_WINDOW_MS - 1)
                .orders_last_hour,
            100
        );
        assert_eq!(
            stats.snapshot(1, 1_000 + ORDER_WINDOW_MS).orders_last_hour,
            99
        );
        assert_eq!(stats.snapshot(2, 0), StatsSnapshot::default());
    }

    #[test]
    fn cancels_count_a_minute_and_notional_a_day() {
        let mut stats = RollingStats::new();
        stats.order_cancelled(1, DAY_MS - 30_000);
        stats.order_accepted(1, DAY_MS - 1, "USD", 7);
        stats.order_accepted(1, DAY_MS - 1, "BTC", 3);
        let before = stats.snapshot(1, DAY_MS - 1);
        assert_eq!(before.cancels_last_minute, 1);
        assert_eq!(before.notional_today["USD"], 7);
        let after = stats.snapshot(1, DAY_MS + 30_000);
        assert_eq!(after.cancels_last_minute, 0);
        assert!(after.notional_today.is_empty(), "a new day starts at zero");
        stats.prune(DAY_MS + ORDER_WINDOW_MS);
        assert_eq!(stats.users(), 0);
    }
}
