//! Token-bucket rate limits per user and per client address.
//!
//! Users and addresses have tables of their own, each bounded. A full table makes
//! room by dropping idle buckets only (a bucket that has refilled is the same as no
//! bucket), at most once per [`SWEEP_INTERVAL`]; a newcomer that still finds no room
//! is refused. Nothing ever clears a table, so a client with many addresses cannot
//! reset anyone's bucket, and addresses never touch the users' table. IPv6 clients are
//! counted per /64 network (one host usually holds a whole /64).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often, at most, a full table is swept for idle buckets.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(1);

/// Set in every IPv6 key, never in an IPv4 one.
const IPV6_TAG: u128 = 1 << 32;

/// Whose bucket a request takes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    User(u64),
    /// An IPv4 address, or an IPv6 /64 network (its first 64 bits).
    Address(u128),
}

impl Key {
    /// The bucket of a client address: the address for IPv4 (and IPv4-mapped IPv6),
    /// the /64 network for IPv6.
    pub fn address(address: IpAddr) -> Key {
        match address {
            IpAddr::V4(v4) => Key::Address(u128::from(u32::from(v4))),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Key::Address(u128::from(u32::from(v4))),
                // The network's 64 bits, tagged with bit 32 so that no IPv6 key is
                // ever an IPv4 one (those fit in 32 bits).
                None => Key::Address((u128::from(v6) >> 64 << 64) | IPV6_TAG),
            },
        }
    }
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
struct Table<K> {
    buckets: HashMap<K, Bucket>,
    entries_max: usize,
    last_sweep: Option<Instant>,
}

/// Why a request was refused: seconds to wait.
pub type RetryAfter = u64;

impl<K: Eq + Hash + Copy> Table<K> {
    fn new(entries_max: usize) -> Table<K> {
        Table {
            buckets: HashMap::new(),
            entries_max: entries_max.max(16),
            last_sweep: None,
        }
    }

    fn check(&mut self, key: K, limit: Limit, now: Instant) -> Result<(), RetryAfter> {
        let burst = f64::from(limit.burst.max(1));
        let rate = f64::from(limit.per_second);
        if !self.buckets.contains_key(&key) && self.buckets.len() >= self.entries_max {
            let swept_recently = self
                .last_sweep
                .is_some_and(|at| now.duration_since(at) < SWEEP_INTERVAL);
            if !swept_recently {
                self.last_sweep = Some(now);
                // A bucket that has refilled to its burst holds no information.
                self.buckets.retain(|_, b| {
                    b.tokens + now.duration_since(b.updated).as_secs_f64() * rate < burst
                });
            }
            if self.buckets.len() >= self.entries_max {
                return Err(SWEEP_INTERVAL.as_secs().max(1));
            }
        }
        let bucket = self.buckets.entry(key).or_insert(Bucket {
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
}

#[derive(Debug)]
pub struct RateLimiter {
    users: Mutex<Table<u64>>,
    addresses: Mutex<Table<u128>>,
}

impl RateLimiter {
    /// A limiter keeping at most `entries_max` buckets per table.
    pub fn new(entries_max: usize) -> RateLimiter {
        RateLimiter {
            users: Mutex::new(Table::new(entries_max)),
            addresses: Mutex::new(Table::new(entries_max)),
        }
    }

    /// Takes one token from `key`'s bucket; `Err(seconds)` to wait when it is empty
    /// (or when its table is full of buckets in use).
    pub fn check(&self, key: Key, limit: Limit, now: Instant) -> Result<(), RetryAfter> {
        if limit.per_second == 0 {
            return Ok(());
        }
        match key {
            Key::User(user) => self
                .users
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .check(user, limit, now),
            Key::Address(address) => self
                .addresses
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .check(address, limit, now),
        }
    }

    /// Buckets held: (users, addresses).
    pub fn len(&self) -> (usize, usize) {
        (
            self.users
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .buckets
                .len(),
            self.addresses
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .buckets
                .len(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    const LIMIT: Limit = Limit {
        per_second: 2,
        burst: 3,
    };

    #[test]
    fn buckets_refill_at_their_rate() {
        let limiter = RateLimiter::new(100);
        let key = Key::User(1);
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(key, LIMIT, start).is_ok());
        }
        assert_eq!(limiter.check(key, LIMIT, start), Err(1));
        // Half a second gives one token back.
        let later = start + Duration::from_millis(500);
        assert!(limiter.check(key, LIMIT, later).is_ok());
        assert!(limiter.check(key, LIMIT, later).is_err());
        // Another key has its own bucket.
        assert!(limiter.check(Key::User(2), LIMIT, start).is_ok());
    }

    #[test]
    fn a_flood_from_many_addresses_resets_no_one() {
        let limiter = RateLimiter::new(16);
        let now = Instant::now();
        // A user spends their burst.
        for _ in 0..3 {
            limiter.check(Key::User(7), LIMIT, now).unwrap();
        }
        // So does one address.
        let victim = Key::address(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)));
        for _ in 0..3 {
            limiter.check(victim, LIMIT, now).unwrap();
        }
        // An attacker sends from thousands of addresses (IPv4 and distinct IPv6
        // networks) within the same instant.
        let mut refused = 0;
        for n in 0..5_000u32 {
            let address = if n % 2 == 0 {
                IpAddr::V4(Ipv4Addr::from(0x0b00_0000 + n))
            } else {
                IpAddr::V6(Ipv6Addr::from((u128::from(n) << 64) | 5))
            };
            if limiter.check(Key::address(address), LIMIT, now).is_err() {
                refused += 1;
            }
        }
        assert!(
            refused > 4_900,
            "newcomers are refused once the table is full"
        );
        // Neither the user nor the first address got a fresh bucket.
        assert!(limiter.check(Key::User(7), LIMIT, now).is_err());
        assert!(limiter.check(victim, LIMIT, now).is_err());
        let (users, addresses) = limiter.len();
        assert_eq!(users, 1);
        assert!(addresses <= 16);
    }

    #[test]
    fn idle_buckets_make_room_and_busy_ones_stay() {
        let limiter = RateLimiter::new(16);
        let start = Instant::now();
        for n in 0..16u32 {
            let key = Key::address(IpAddr::V4(Ipv4Addr::from(n)));
            limiter.check(key, LIMIT, start).unwrap();
        }
        let busy = Key::address(IpAddr::V4(Ipv4Addr::from(0u32)));
        limiter.check(busy, LIMIT, start).unwrap();
        limiter.check(busy, LIMIT, start).unwrap();
        // A second later the others have refilled (idle); `busy` has not.
        let later = start + Duration::from_millis(900);
        let newcomer = Key::address(IpAddr::V4(Ipv4Addr::from(99u32)));
        assert!(limiter.check(newcomer, LIMIT, later).is_ok());
        assert_eq!(limiter.len().1, 2, "busy and the newcomer");
        assert!(limiter.check(busy, LIMIT, later).is_ok());
    }

    #[test]
    fn ipv6_hosts_share_their_network_bucket() {
        let a = Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0, 0, 0, 1);
        let b = Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 9, 9, 9, 9);
        let c = Ipv6Addr::new(0x2001, 0xdb8, 1, 3, 0, 0, 0, 1);
        assert_eq!(Key::address(IpAddr::V6(a)), Key::address(IpAddr::V6(b)));
        assert_ne!(Key::address(IpAddr::V6(a)), Key::address(IpAddr::V6(c)));
        let mapped = Ipv4Addr::new(192, 0, 2, 1).to_ipv6_mapped();
        assert_eq!(
            Key::address(IpAddr::V6(mapped)),
            Key::address(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)))
        );
        assert_ne!(
            Key::address(IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
            Key::address(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            "IPv6 networks and IPv4 addresses never share a bucket"
        );
    }
}
