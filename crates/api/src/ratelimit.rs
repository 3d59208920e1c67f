//! Token-bucket rate limits per user and per client address. The table of buckets is
//! bounded: idle buckets are dropped when it fills, and if that is not enough the
//! whole table is cleared (everyone starts with a full bucket again), which errs on
//! the side of serving rather than growing.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    User(u64),
    Address(IpAddr),
}

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Requests per second, sustained.
    pub per_second: u32,
    /// Requests allowed at once after a quiet spell.
    pub burst: u32,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

#[derive(Debug)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<Key, Bucket>>,
    entries_max: usize,
}

impl RateLimiter {
    pub fn new(entries_max: usize) -> RateLimiter {
        RateLimiter {
            buckets: Mutex::new(HashMap::new()),
            entries_max: entries_max.max(16),
        }
    }

    /// Takes one token from `key`'s bucket; `Err(seconds)` to wait when it is empty.
    pub fn check(&self, key: Key, limit: Limit, now: Instant) -> Result<(), u64> {
        if limit.per_second == 0 {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= self.entries_max && !buckets.contains_key(&key) {
            buckets.retain(|_, b| now.duration_since(b.updated).as_secs() < 60);
            if buckets.len() >= self.entries_max {
                buckets.clear();
            }
        }
        let burst = f64::from(limit.burst.max(1));
        let rate = f64::from(limit.per_second);
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        let elapsed = now.duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / rate).ceil().max(1.0) as u64)
        }
    }

    pub fn len(&self) -> usize {
        self.buckets.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn buckets_refill_at_their_rate() {
        let limiter = RateLimiter::new(100);
        let key = Key::User(1);
        let limit = Limit {
            per_second: 2,
            burst: 3,
        };
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(key, limit, start).is_ok());
        }
        assert_eq!(limiter.check(key, limit, start), Err(1));
        // Half a second gives one token back.
        assert!(
            limiter
                .check(key, limit, start + Duration::from_millis(500))
                .is_ok()
        );
        assert!(
            limiter
                .check(key, limit, start + Duration::from_millis(500))
                .is_err()
        );
        // Another key has its own bucket.
        assert!(limiter.check(Key::User(2), limit, start).is_ok());
    }

    #[test]
    fn the_table_stays_bounded() {
        let limiter = RateLimiter::new(16);
        let limit = Limit {
            per_second: 1,
            burst: 1,
        };
        let now = Instant::now();
        for user in 0..1_000 {
            let _ = limiter.check(Key::User(user), limit, now);
        }
        assert!(limiter.len() <= 16);
    }
}
