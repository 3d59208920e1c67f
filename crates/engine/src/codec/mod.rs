//! The binary forms of commands, events and the whole engine state.
//!
//! Every encoded value starts with a format version byte, followed by the value in
//! postcard's compact, specified wire format (varint integers, enum variants by index).
//! Variants and fields are only ever appended, and a change that cannot be read by the
//! old rules gets a new version; a decoder refuses versions it does not know rather than
//! guessing.
//!
//! The state image is canonical: it lists the logical state in a fixed order (owners
//! and accounts sorted, orders in priority order), never the engine's internal layout,
//! so two engines that behave the same encode to the same bytes and hash to the same
//! [`StateHash`], however each got there (live, or restored from a snapshot).

mod v1;

use crate::book::{Book, Order};
use crate::command::{Command, EngineLimits, HaltScope, OrderKind, Reason, Trigger};
use crate::conditional::Conditional;
use crate::engine::{Engine, HaltInfo, InstrumentState, OwnerState};
use crate::event::Event;
use crate::ledger::{Account, Ledger, PendingTransfer};
use crate::limits::LimitSet;
use crate::links::Link;
use crate::positions::Position;
use bourse_types::{
    Amount, Asset, AssetId, ClientOrderId, Instrument, InstrumentId, InstrumentStatus, OrderId,
    OwnerId, Price, Qty, Side, StpMode, TimeInForce, Timestamp, TransferId,
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// The version of the command and event encoding. Commands of version 1 are still
/// read; events are not stored, and only the current version is read.
pub const WIRE_VERSION: u8 = 2;
/// The version of the state image encoding. Images of version 1 are still read.
pub const STATE_VERSION: u8 = 2;

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("no bytes to decode")]
    Empty,
    #[error("format version {found} is not supported (this build reads {supported})")]
    Version { found: u8, supported: u8 },
    #[error("malformed encoding: {0}")]
    Malformed(String),
    #[error("the state is inconsistent: {0}")]
    Inconsistent(String),
}

fn encode_into<T: Serialize>(version: u8, value: &T, buf: &mut Vec<u8>) {
    buf.push(version);
    // Serializing plain data into a growable buffer cannot fail.
    let taken = std::mem::take(buf);
    *buf = postcard::to_extend(value, taken).expect("postcard encodes plain data into a Vec");
}

fn decode<T: DeserializeOwned>(version: u8, bytes: &[u8]) -> Result<T, CodecError> {
    let (&found, body) = bytes.split_first().ok_or(CodecError::Empty)?;
    if found != version {
        return Err(CodecError::Version {
            found,
            supported: version,
        });
    }
    decode_body(body)
}

fn decode_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, CodecError> {
    let (value, rest) =
        postcard::take_from_bytes(body).map_err(|e| CodecError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(CodecError::Malformed(format!(
            "{} bytes after the value",
            rest.len()
        )));
    }
    Ok(value)
}

/// Appends the encoded command to `buf`.
pub fn encode_command_into(command: &Command, buf: &mut Vec<u8>) {
    encode_into(WIRE_VERSION, command, buf);
}

pub fn encode_command(command: &Command) -> Vec<u8> {
    let mut buf = Vec::with_capacity(64);
    encode_command_into(command, &mut buf);
    buf
}

/// Decodes a command of any version this build reads.
pub fn decode_command(bytes: &[u8]) -> Result<Command, CodecError> {
    decode_recorded(bytes).map(|(command, _)| command)
}

/// Decodes a command of any version this build reads, with the version it was
/// recorded in: a command of an older version is replayed as that build applied it
/// (see [`Engine::apply_recorded_into`]).
pub fn decode_recorded(bytes: &[u8]) -> Result<(Command, u8), CodecError> {
    match bytes.first() {
        None => Err(CodecError::Empty),
        Some(&v1::VERSION) => {
            let command: v1::CommandV1 = decode_body(&bytes[1..])?;
            Ok((command.into(), v1::VERSION))
        }
        Some(_) => decode(WIRE_VERSION, bytes).map(|command| (command, WIRE_VERSION)),
    }
}

/// Appends the encoded events of one command to `buf`.
pub fn encode_events_into(events: &[Event], buf: &mut Vec<u8>) {
    encode_into(WIRE_VERSION, &events, buf);
}

pub fn encode_events(events: &[Event]) -> Vec<u8> {
    let mut buf = Vec::with_capacity(64 * events.len() + 4);
    encode_events_into(events, &mut buf);
    buf
}

pub fn decode_events(bytes: &[u8]) -> Result<Vec<Event>, CodecError> {
    decode(WIRE_VERSION, bytes)
}

/// A 32-byte BLAKE3 digest of the canonical state image.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StateHash(pub [u8; 32]);

impl std::fmt::Display for StateHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for StateHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StateHash({self})")
    }
}

#[derive(Serialize, Deserialize)]
struct InstrumentImage {
    instrument: Instrument,
    status: InstrumentStatus,
    last_price: Option<Price>,
    day_open: Option<Price>,
}

#[derive(Serialize, Deserialize)]
struct OwnerImage {
    id: OwnerId,
    halted: bool,
    positions: Vec<Position>,
}

#[derive(Serialize, Deserialize)]
struct OrderImage {
    id: OrderId,
    owner: OwnerId,
    instrument: InstrumentId,
    side: Side,
    price: Price,
    leaves: Qty,
    filled: Qty,
    held: Amount,
    tif: TimeInForce,
    post_only: bool,
    stp: StpMode,
    expire_at: Option<Timestamp>,
    client_order_id: Option<ClientOrderId>,
    priority: u64,
}

#[derive(Serialize, Deserialize)]
struct ConditionalImage {
    id: OrderId,
    owner: OwnerId,
    instrument: InstrumentId,
    side: Side,
    kind: OrderKind,
    trigger: Trigger,
    trigger_price: Price,
    extreme: Price,
    protection: Price,
    held: Amount,
    tif: TimeInForce,
    post_only: bool,
    reduce_only: bool,
    stp: StpMode,
    client_order_id: Option<ClientOrderId>,
    expire_at: Option<Timestamp>,
    priority: u64,
}

#[derive(Serialize, Deserialize)]
struct HaltImage {
    scope: HaltScope,
    by: OwnerId,
    reason: Reason,
    since: Timestamp,
}

#[derive(Serialize, Deserialize)]
struct StateImage {
    limits: EngineLimits,
    seq: u64,
    now: Timestamp,
    next_order_id: u64,
    next_trade_id: u64,
    assets: Vec<Asset>,
    instruments: Vec<InstrumentImage>,
    owners: Vec<OwnerImage>,
    accounts: Vec<Account>,
    pending: Vec<PendingTransfer>,
    transfer_ids: Vec<TransferId>,
    /// Per instrument: bids best first, then asks best first, FIFO within a level.
    orders: Vec<OrderImage>,
    client_ids_ended: Vec<(OwnerId, ClientOrderId, OrderId)>,
    /// By id.
    conditionals: Vec<ConditionalImage>,
    /// By order id.
    links: Vec<(OrderId, Link)>,
    risk_defaults: LimitSet,
    /// By owner.
    risk_owners: Vec<(OwnerId, LimitSet)>,
    trading_day_start: u32,
    day: u64,
    /// By owner and asset.
    loss_breaches: Vec<((OwnerId, AssetId), u64)>,
    /// By scope.
    halts: Vec<HaltImage>,
    positions_live: bool,
}

impl Engine {
    fn image(&self) -> StateImage {
        let mut owners: Vec<OwnerImage> = self
            .owners
            .iter()
            .map(|o| OwnerImage {
                id: o.id,
                halted: o.halted,
                positions: o.positions.clone(),
            })
            .collect();
        owners.sort_by_key(|o| o.id);
        let mut accounts = self.ledger.accounts().to_vec();
        accounts.sort_by_key(|a| (a.owner, a.asset));
        let mut pending: Vec<PendingTransfer> = self.ledger.pending.values().copied().collect();
        pending.sort_by_key(|p| p.id);
        let orders = self
            .all_order_slots()
            .into_iter()
            .map(|slot| {
                let o = self.books.order(slot);
                OrderImage {
                    id: o.id,
                    owner: o.owner,
                    instrument: o.instrument,
                    side: o.side,
                    price: o.price,
                    leaves: o.leaves,
                    filled: o.filled,
                    held: o.held,
                    tif: o.tif,
                    post_only: o.post_only,
                    stp: o.stp,
                    expire_at: o.expire_at,
                    client_order_id: o.client_order_id,
                    priority: o.priority,
                }
            })
            .collect();
        let conditionals = self
            .conditionals
            .all()
            .into_iter()
            .map(|c| ConditionalImage {
                id: c.id,
                owner: c.owner,
                instrument: c.instrument,
                side: c.side,
                kind: c.kind,
                trigger: c.trigger,
                trigger_price: c.trigger_price,
                extreme: c.extreme,
                protection: c.protection,
                held: c.held,
                tif: c.tif,
                post_only: c.post_only,
                reduce_only: c.reduce_only,
                stp: c.stp,
                client_order_id: c.client_order_id,
                expire_at: c.expire_at,
                priority: c.priority,
            })
            .collect();
        let mut links: Vec<(OrderId, Link)> =
            self.links.iter().map(|(id, l)| (*id, l.clone())).collect();
        links.sort_unstable_by_key(|(id, _)| *id);
        let mut loss_breaches: Vec<_> = self.loss_breaches.iter().map(|(k, v)| (*k, *v)).collect();
        loss_breaches.sort_unstable();
        StateImage {
            conditionals,
            links,
            risk_defaults: self.risk.defaults.clone(),
            risk_owners: self
                .risk
                .owners
                .iter()
                .map(|(owner, set)| (*owner, set.clone()))
                .collect(),
            trading_day_start: self.trading_day_start,
            day: self.day,
            loss_breaches,
            halts: self
                .halts
                .iter()
                .map(|(scope, info)| HaltImage {
                    scope: *scope,
                    by: info.by,
                    reason: info.reason.clone(),
                    since: info.since,
                })
                .collect(),
            positions_live: self.positions_live,
            limits: self.limits,
            seq: self.seq,
            now: self.now,
            next_order_id: self.next_order_id,
            next_trade_id: self.next_trade_id,
            assets: self.assets.clone(),
            instruments: self
                .instruments
                .iter()
                .map(|s| InstrumentImage {
                    instrument: s.instrument,
                    status: s.status,
                    last_price: s.last_price,
                    day_open: s.day_open,
                })
                .collect(),
            owners,
            accounts,
            pending,
            transfer_ids: self.ledger.transfer_id_order().collect(),
            orders,
            client_ids_ended: self.client_ids_ended.iter().copied().collect(),
        }
    }

    /// The whole state in its canonical, versioned binary form.
    pub fn encode_state(&self) -> Vec<u8> {
        let mut buf = Vec::new();
        encode_into(STATE_VERSION, &self.image(), &mut buf);
        buf
    }

    /// A digest of the canonical state: equal for any two engines that applied the same
    /// commands, whether live or restored.
    pub fn state_hash(&self) -> StateHash {
        StateHash(*blake3::hash(&self.encode_state()).as_bytes())
    }

    /// Rebuilds an engine from [`Engine::encode_state`]'s bytes (of any version this
    /// build reads), and checks every invariant of the result before returning it.
    pub fn decode_state(bytes: &[u8]) -> Result<Engine, CodecError> {
        let image: StateImage = match bytes.first() {
            Some(&v1::VERSION) => v1::state(&bytes[1..])?,
            _ => decode(STATE_VERSION, bytes)?,
        };
        let engine = Engine::restore(image)?;
        engine
            .check_invariants()
            .map_err(CodecError::Inconsistent)?;
        Ok(engine)
    }

    fn restore(image: StateImage) -> Result<Engine, CodecError> {
        let bad = |why: String| Err(CodecError::Inconsistent(why));
        let mut engine = Engine::new(image.limits);
        engine.seq = image.seq;
        engine.now = image.now;
        engine.next_order_id = image.next_order_id;
        engine.next_trade_id = image.next_trade_id;
        for (i, asset) in image.assets.iter().enumerate() {
            if usize::from(asset.id.0) != i
                || engine.asset_codes.insert(asset.code, asset.id).is_some()
            {
                return bad(format!("asset {} out of place", asset.code));
            }
        }
        engine.assets = image.assets;
        for (i, state) in image.instruments.into_iter().enumerate() {
            let instrument = state.instrument;
            let assets_known = usize::from(instrument.base().0) < engine.assets.len()
                && usize::from(instrument.quote().0) < engine.assets.len();
            if instrument.id().0 as usize != i || !assets_known {
                return bad(format!("instrument {} out of place", instrument.symbol()));
            }
            if engine
                .symbols
                .insert(instrument.symbol(), instrument.id())
                .is_some()
            {
                return bad(format!("instrument {} listed twice", instrument.symbol()));
            }
            engine.books.books.push(Book::new(instrument.tick_size()));
            let mut restored = InstrumentState::new(instrument, state.status, state.last_price);
            restored.day_open = state.day_open;
            engine.instruments.push(restored);
            engine.conditionals.add_instrument();
        }
        engine.positions_live = image.positions_live;
        engine.trading_day_start = image.trading_day_start;
        engine.day = image.day;
        for owner in &image.owners {
            if crate::ledger::is_system(owner.id) || engine.owner_index.contains_key(&owner.id) {
                return bad(format!("owner {} is reserved or listed twice", owner.id));
            }
            let slot = engine.owners.len() as u32;
            let mut state = OwnerState::new(owner.id, owner.halted);
            if owner
                .positions
                .iter()
                .any(|p| engine.instruments.get(p.instrument.0 as usize).is_none())
            {
                return bad(format!(
                    "owner {} has a position in an unknown instrument",
                    owner.id
                ));
            }
            if !owner.positions.is_sorted_by_key(|p| p.instrument) {
                return bad(format!("owner {}: positions out of order", owner.id));
            }
            state.positions = owner.positions.clone();
            engine.owners.push(state);
            engine.owner_index.insert(owner.id, slot);
            engine.books.owners.push(Default::default());
        }
        for account in &image.accounts {
            if usize::from(account.asset.0) >= engine.assets.len() {
                return bad(format!("account of {} in an unknown asset", account.owner));
            }
        }
        engine.ledger = Ledger::restore(
            image.accounts,
            engine.assets.len(),
            image.pending,
            image.transfer_ids,
        );
        engine.index_owner_accounts();

        for (id, link) in image.links {
            if engine.links.insert(id, link).is_some() {
                return bad(format!("{id} linked twice"));
            }
        }
        // Orders go back level by level in priority order; each owner's list is then
        // relinked in id order, the order it had when live.
        let mut by_id: Vec<(OrderId, u32)> = Vec::with_capacity(image.orders.len());
        for o in image.orders {
            let Some(state) = engine.instruments.get(o.instrument.0 as usize) else {
                return bad(format!("{} on an unknown instrument", o.id));
            };
            let instrument = state.instrument;
            let Some(&owner_slot) = engine.owner_index.get(&o.owner) else {
                return bad(format!("{} of an unknown owner", o.id));
            };
            let (Some(base), Some(quote)) = (
                engine.ledger.find(o.owner, instrument.base()),
                engine.ledger.find(o.owner, instrument.quote()),
            ) else {
                return bad(format!("{} without its accounts", o.id));
            };
            if instrument.check_price(o.price).is_err()
                || o.leaves.is_zero()
                || engine.books.find(o.id).is_some()
            {
                return bad(format!("{} is not a valid resting order", o.id));
            }
            let accounts = if o.side == Side::Buy {
                (quote, base)
            } else {
                (base, quote)
            };
            let mut order = Order::new(
                o.id,
                o.owner,
                owner_slot,
                o.instrument,
                o.side,
                o.price,
                o.leaves,
                accounts,
            );
            order.filled = o.filled;
            order.held = o.held;
            order.tif = o.tif;
            order.post_only = o.post_only;
            order.stp = o.stp;
            order.expire_at = o.expire_at;
            order.client_order_id = o.client_order_id;
            order.priority = o.priority;
            order.linked = engine.links.contains_key(&o.id);
            if let Some(client_id) = o.client_order_id {
                engine.client_ids.insert((o.owner, client_id), o.id);
            }
            let slot = engine.books.insert(order);
            by_id.push((o.id, slot));
        }
        by_id.sort_unstable();
        engine
            .books
            .relink_owner_lists(by_id.iter().map(|&(_, slot)| slot));
        for c in image.conditionals {
            let Some(state) = engine.instruments.get(c.instrument.0 as usize) else {
                return bad(format!("conditional {} on an unknown instrument", c.id));
            };
            let instrument = state.instrument;
            let Some(&owner_slot) = engine.owner_index.get(&c.owner) else {
                return bad(format!("conditional {} of an unknown owner", c.id));
            };
            let asset = if c.side == Side::Buy {
                instrument.quote()
            } else {
                instrument.base()
            };
            let Some(hold_account) = engine.ledger.find(c.owner, asset) else {
                return bad(format!("conditional {} without its account", c.id));
            };
            if engine.conditionals.get(c.id).is_some() || engine.books.find(c.id).is_some() {
                return bad(format!("{} is open twice", c.id));
            }
            if let Some(client_id) = c.client_order_id {
                engine.client_ids.insert((c.owner, client_id), c.id);
            }
            engine.owners[owner_slot as usize].conditionals += 1;
            engine.conditionals.insert(Conditional {
                id: c.id,
                owner: c.owner,
                owner_slot,
                instrument: c.instrument,
                side: c.side,
                kind: c.kind,
                trigger: c.trigger,
                trigger_price: c.trigger_price,
                extreme: c.extreme,
                protection: c.protection,
                held: c.held,
                hold_account,
                tif: c.tif,
                post_only: c.post_only,
                reduce_only: c.reduce_only,
                stp: c.stp,
                client_order_id: c.client_order_id,
                expire_at: c.expire_at,
                priority: c.priority,
            });
        }
        engine.risk.defaults = image.risk_defaults;
        for (owner, set) in image.risk_owners {
            engine.risk.owners.insert(owner, set);
        }
        engine.loss_breaches = image.loss_breaches.into_iter().collect();
        engine.sync_holders();
        for halt in image.halts {
            engine.halts.insert(
                halt.scope,
                HaltInfo {
                    by: halt.by,
                    reason: halt.reason,
                    since: halt.since,
                },
            );
        }
        for &(owner, client_id, id) in &image.client_ids_ended {
            engine.client_ids.insert((owner, client_id), id);
        }
        engine.client_ids_ended = image.client_ids_ended.into();
        engine.rebuild_expiries();
        Ok(engine)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_unknown_versions_and_trailing_bytes() {
        let mut bytes = encode_command(&Command::Tick);
        assert_eq!(decode_command(&bytes), Ok(Command::Tick));
        bytes.push(0);
        assert!(matches!(
            decode_command(&bytes),
            Err(CodecError::Malformed(_))
        ));
        bytes[0] = 99;
        assert_eq!(
            decode_command(&bytes),
            Err(CodecError::Version {
                found: 99,
                supported: WIRE_VERSION
            })
        );
        assert_eq!(decode_command(&[]), Err(CodecError::Empty));
    }

    #[test]
    fn an_empty_engine_round_trips() {
        let engine = Engine::new(EngineLimits::default());
        let restored = Engine::decode_state(&engine.encode_state()).unwrap();
        assert_eq!(restored.state_hash(), engine.state_hash());
    }
}
