//! Order books: resting orders in price-time priority.
//!
//! All resting orders of all instruments live in one slab; each price level is a FIFO
//! list threaded through the slab (`prev`/`next`), and each owner's orders are a second
//! list (`owner_prev`/`owner_next`) in the order of their ids. Removing an order from anywhere is O(1). Levels live in their own
//! slab and are found, per book side, through a [`Ladder`].

use crate::ladder::Ladder;
use crate::ledger::AccountIdx;
use bourse_types::{
    Amount, ClientOrderId, InstrumentId, OrderId, OwnerId, Price, Qty, Side, StpMode, TimeInForce,
    Timestamp,
};
use rustc_hash::FxHashMap;

pub(crate) const NIL: u32 = u32::MAX;

/// An order the engine is working on: resting in a book, or arriving.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub id: OrderId,
    pub owner: OwnerId,
    pub owner_slot: u32,
    pub instrument: InstrumentId,
    pub side: Side,
    /// The limit price; for a market order, its protection price (`Price::MAX` for a
    /// budget order without a price band).
    pub price: Price,
    pub leaves: Qty,
    pub filled: Qty,
    /// Funds still reserved: quote minor units for buys, base minor units for sells.
    pub held: Amount,
    pub hold_account: AccountIdx,
    pub receive_account: AccountIdx,
    pub tif: TimeInForce,
    pub post_only: bool,
    pub stp: StpMode,
    /// A leg of a one-cancels-the-other pair or a bracket entry: its fills and its end
    /// are link work for the engine.
    pub linked: bool,
    pub expire_at: Option<Timestamp>,
    pub client_order_id: Option<ClientOrderId>,
    /// The sequence number of the command that gave the order its place in the queue.
    pub priority: u64,
    prev: u32,
    next: u32,
    level: u32,
    owner_prev: u32,
    owner_next: u32,
}

impl Order {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        id: OrderId,
        owner: OwnerId,
        owner_slot: u32,
        instrument: InstrumentId,
        side: Side,
        price: Price,
        leaves: Qty,
        accounts: (AccountIdx, AccountIdx),
    ) -> Order {
        Order {
            id,
            owner,
            owner_slot,
            instrument,
            side,
            price,
            leaves,
            filled: Qty::ZERO,
            held: Amount::ZERO,
            hold_account: accounts.0,
            receive_account: accounts.1,
            tif: TimeInForce::Gtc,
            post_only: false,
            stp: StpMode::CancelNewest,
            linked: false,
            expire_at: None,
            client_order_id: None,
            priority: 0,
            prev: NIL,
            next: NIL,
            level: NIL,
            owner_prev: NIL,
            owner_next: NIL,
        }
    }

    pub(crate) fn next_in_level(&self) -> u32 {
        self.next
    }
}

/// A price level: a FIFO of orders at one price.
#[derive(Debug, Clone)]
pub(crate) struct Level {
    pub price: Price,
    pub head: u32,
    pub tail: u32,
    /// Sum of the orders' remaining quantities.
    pub qty: u64,
    pub count: u32,
}

/// Both sides of one instrument's book.
#[derive(Debug, Clone)]
pub(crate) struct Book {
    pub tick_size: u64,
    /// `log2(tick_size)` when the tick is a power of two (commonly 1), so that the hot
    /// path shifts instead of dividing.
    tick_shift: Option<u32>,
    pub bids: Ladder,
    pub asks: Ladder,
}

impl Book {
    pub(crate) fn new(tick_size: Price) -> Book {
        let tick_size = tick_size.raw();
        Book {
            tick_size,
            tick_shift: tick_size
                .is_power_of_two()
                .then(|| tick_size.trailing_zeros()),
            bids: Ladder::new(true),
            asks: Ladder::new(false),
        }
    }

    /// The tick index of a price on the grid.
    #[inline]
    pub(crate) fn tick_of(&self, price: Price) -> u64 {
        match self.tick_shift {
            Some(shift) => price.raw() >> shift,
            None => price.raw() / self.tick_size,
        }
    }

    pub(crate) fn side(&self, side: Side) -> &Ladder {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    fn side_mut(&mut self, side: Side) -> &mut Ladder {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct OwnerOrders {
    pub head: u32,
    pub tail: u32,
    pub count: u32,
}

impl Default for OwnerOrders {
    fn default() -> Self {
        OwnerOrders {
            head: NIL,
            tail: NIL,
            count: 0,
        }
    }
}

/// Every resting order and price level.
#[derive(Debug, Clone, Default)]
pub(crate) struct Books {
    pub books: Vec<Book>,
    orders: Vec<Order>,
    free_orders: Vec<u32>,
    index: FxHashMap<OrderId, u32>,
    levels: Vec<Level>,
    free_levels: Vec<u32>,
    /// Per owner slot: that owner's resting orders.
    pub owners: Vec<OwnerOrders>,
}

impl Books {
    pub(crate) fn open_orders(&self) -> usize {
        self.index.len()
    }

    #[inline]
    pub(crate) fn find(&self, id: OrderId) -> Option<u32> {
        self.index.get(&id).copied()
    }

    #[inline]
    pub(crate) fn order(&self, slot: u32) -> &Order {
        &self.orders[slot as usize]
    }

    /// The order at a slot, if the slot still holds a resting order (a list of slots
    /// taken earlier may name orders that have since ended).
    pub(crate) fn order_at(&self, slot: u32) -> Option<&Order> {
        let order = self.orders.get(slot as usize)?;
        (self.index.get(&order.id) == Some(&slot) && order.level != NIL).then_some(order)
    }

    #[inline]
    pub(crate) fn order_mut(&mut self, slot: u32) -> &mut Order {
        &mut self.orders[slot as usize]
    }

    #[inline]
    pub(crate) fn level(&self, idx: u32) -> &Level {
        &self.levels[idx as usize]
    }

    /// The best level of one side of a book.
    #[inline]
    pub(crate) fn best(&self, instrument: InstrumentId, side: Side) -> Option<u32> {
        self.books[instrument.0 as usize]
            .side(side)
            .best()
            .map(|(_, level)| level)
    }

    /// Puts an order at the back of the queue at its price.
    pub(crate) fn insert(&mut self, order: Order) -> u32 {
        let slot = match self.free_orders.pop() {
            Some(slot) => {
                self.orders[slot as usize] = order;
                slot
            }
            None => {
                self.orders.push(order);
                u32::try_from(self.orders.len() - 1).expect("order slots fit u32")
            }
        };
        let order = &self.orders[slot as usize];
        let (id, owner_slot) = (order.id, order.owner_slot);
        self.index.insert(id, slot);
        self.link_level_tail(slot);
        self.link_owner_sorted(owner_slot, slot);
        slot
    }

    /// Takes an order off its book and returns it.
    pub(crate) fn remove(&mut self, slot: u32) -> Order {
        self.unlink_level(slot);
        let order = self.orders[slot as usize].clone();
        self.discard(slot);
        order
    }

    /// Takes a resting order out of its price level while it keeps its id and its place
    /// in its owner's list (an amended order that takes liquidity). Returns a copy to
    /// work on; [`Books::reattach`] or [`Books::discard`] must follow.
    pub(crate) fn detach(&mut self, slot: u32) -> Order {
        self.unlink_level(slot);
        self.orders[slot as usize].clone()
    }

    /// Puts a detached order back, at the tail of the level of its (new) price, with the
    /// working copy's price, quantities, hold and priority.
    pub(crate) fn reattach(&mut self, slot: u32, working: &Order) {
        let order = &mut self.orders[slot as usize];
        debug_assert_eq!(order.id, working.id);
        order.price = working.price;
        order.leaves = working.leaves;
        order.filled = working.filled;
        order.held = working.held;
        order.priority = working.priority;
        self.link_level_tail(slot);
    }

    /// Forgets an order that is in no price level.
    pub(crate) fn discard(&mut self, slot: u32) {
        self.unlink_owner(slot);
        let id = self.orders[slot as usize].id;
        self.index.remove(&id);
        self.free_orders.push(slot);
    }

    /// Lowers a resting order's remaining quantity (a fill or an amendment down).
    #[inline]
    pub(crate) fn reduce(&mut self, slot: u32, by: Qty) {
        let order = &mut self.orders[slot as usize];
        order.leaves = order
            .leaves
            .checked_sub(by)
            .expect("book: reducing below zero");
        let level = &mut self.levels[order.level as usize];
        level.qty -= by.raw();
    }

    /// Gives a resting order a new price and quantity at the back of its new queue.
    pub(crate) fn requeue(&mut self, slot: u32, price: Price, leaves: Qty, priority: u64) {
        self.unlink_level(slot);
        let order = &mut self.orders[slot as usize];
        order.price = price;
        order.leaves = leaves;
        order.priority = priority;
        self.link_level_tail(slot);
    }

    fn link_level_tail(&mut self, slot: u32) {
        let order = &self.orders[slot as usize];
        let (instrument, side, price, leaves) =
            (order.instrument, order.side, order.price, order.leaves);
        let book = &mut self.books[instrument.0 as usize];
        let tick = book.tick_of(price);
        let ladder = book.side_mut(side);
        let level_idx = match ladder.get(tick) {
            Some(idx) => idx,
            None => {
                let level = Level {
                    price,
                    head: NIL,
                    tail: NIL,
                    qty: 0,
                    count: 0,
                };
                let idx = match self.free_levels.pop() {
                    Some(idx) => {
                        self.levels[idx as usize] = level;
                        idx
                    }
                    None => {
                        self.levels.push(level);
                        u32::try_from(self.levels.len() - 1).expect("level slots fit u32")
                    }
                };
                ladder.insert(tick, idx);
                idx
            }
        };
        let level = &mut self.levels[level_idx as usize];
        let old_tail = level.tail;
        level.tail = slot;
        if old_tail == NIL {
            level.head = slot;
        }
        level.qty += leaves.raw();
        level.count += 1;
        if old_tail != NIL {
            self.orders[old_tail as usize].next = slot;
        }
        let order = &mut self.orders[slot as usize];
        order.prev = old_tail;
        order.next = NIL;
        order.level = level_idx;
    }

    fn unlink_level(&mut self, slot: u32) {
        let order = &self.orders[slot as usize];
        let (prev, next, level_idx, leaves) = (order.prev, order.next, order.level, order.leaves);
        let (instrument, side) = (order.instrument, order.side);
        if prev != NIL {
            self.orders[prev as usize].next = next;
        }
        if next != NIL {
            self.orders[next as usize].prev = prev;
        }
        let level = &mut self.levels[level_idx as usize];
        if prev == NIL {
            level.head = next;
        }
        if next == NIL {
            level.tail = prev;
        }
        level.qty -= leaves.raw();
        level.count -= 1;
        if level.count == 0 {
            let price = level.price;
            let book = &mut self.books[instrument.0 as usize];
            let tick = book.tick_of(price);
            book.side_mut(side).remove(tick);
            self.free_levels.push(level_idx);
        }
        let order = &mut self.orders[slot as usize];
        order.prev = NIL;
        order.next = NIL;
        order.level = NIL;
    }

    fn link_owner_tail(&mut self, owner_slot: u32, slot: u32) {
        let list = &mut self.owners[owner_slot as usize];
        let old_tail = list.tail;
        list.tail = slot;
        if old_tail == NIL {
            list.head = slot;
        }
        list.count += 1;
        if old_tail != NIL {
            self.orders[old_tail as usize].owner_next = slot;
        }
        let order = &mut self.orders[slot as usize];
        order.owner_prev = old_tail;
        order.owner_next = NIL;
    }

    /// Links an order into its owner's list at its place by id: almost always the
    /// tail (a new order has the largest id); an older id (a conditional order that
    /// fired, an entry that rests after its bracket legs) walks back from the tail.
    fn link_owner_sorted(&mut self, owner_slot: u32, slot: u32) {
        let id = self.orders[slot as usize].id;
        let mut after = self.owners[owner_slot as usize].tail;
        while after != NIL && self.orders[after as usize].id > id {
            after = self.orders[after as usize].owner_prev;
        }
        if after == self.owners[owner_slot as usize].tail {
            return self.link_owner_tail(owner_slot, slot);
        }
        let before = if after == NIL {
            self.owners[owner_slot as usize].head
        } else {
            self.orders[after as usize].owner_next
        };
        let list = &mut self.owners[owner_slot as usize];
        list.count += 1;
        if after == NIL {
            list.head = slot;
        } else {
            self.orders[after as usize].owner_next = slot;
        }
        self.orders[before as usize].owner_prev = slot;
        let order = &mut self.orders[slot as usize];
        order.owner_prev = after;
        order.owner_next = before;
    }

    fn unlink_owner(&mut self, slot: u32) {
        let order = &self.orders[slot as usize];
        let (prev, next, owner_slot) = (order.owner_prev, order.owner_next, order.owner_slot);
        if prev != NIL {
            self.orders[prev as usize].owner_next = next;
        }
        if next != NIL {
            self.orders[next as usize].owner_prev = prev;
        }
        let list = &mut self.owners[owner_slot as usize];
        if prev == NIL {
            list.head = next;
        }
        if next == NIL {
            list.tail = prev;
        }
        list.count -= 1;
    }

    /// Rebuilds every owner's list from scratch in the given order (ids ascending, after
    /// a restore inserted orders in priority order).
    pub(crate) fn relink_owner_lists(&mut self, slots: impl Iterator<Item = u32>) {
        for list in &mut self.owners {
            *list = OwnerOrders::default();
        }
        for slot in slots {
            let owner_slot = self.orders[slot as usize].owner_slot;
            self.link_owner_tail(owner_slot, slot);
        }
    }

    /// The slots of an owner's resting orders, oldest first.
    pub(crate) fn owner_orders(&self, owner_slot: u32) -> Vec<u32> {
        let mut slots = Vec::with_capacity(self.owners[owner_slot as usize].count as usize);
        let mut cur = self.owners[owner_slot as usize].head;
        while cur != NIL {
            slots.push(cur);
            cur = self.orders[cur as usize].owner_next;
        }
        slots
    }

    /// The slots of one side's orders in priority order: best level first, FIFO within.
    pub(crate) fn side_orders(&self, instrument: InstrumentId, side: Side) -> Vec<u32> {
        let mut slots = Vec::new();
        for (_, level_idx) in self.books[instrument.0 as usize].side(side).iter() {
            let mut cur = self.levels[level_idx as usize].head;
            while cur != NIL {
                slots.push(cur);
                cur = self.orders[cur as usize].next;
            }
        }
        slots
    }

    /// Levels of one side, best first: (price, total quantity, order count).
    pub(crate) fn depth(
        &self,
        instrument: InstrumentId,
        side: Side,
        levels_max: usize,
    ) -> Vec<(Price, Qty, u32)> {
        self.books[instrument.0 as usize]
            .side(side)
            .iter()
            .take(levels_max)
            .map(|(_, idx)| {
                let level = &self.levels[idx as usize];
                (level.price, Qty::from_raw(level.qty), level.count)
            })
            .collect()
    }

    /// Checks the book's internal structure; returns what is wrong.
    pub(crate) fn check(&self) -> Result<(), String> {
        let mut seen = 0usize;
        for (i, book) in self.books.iter().enumerate() {
            let instrument = InstrumentId(i as u32);
            for side in [Side::Buy, Side::Sell] {
                let ladder = book.side(side);
                let mut previous_tick: Option<u64> = None;
                for (tick, level_idx) in ladder.iter() {
                    if let Some(prev) = previous_tick {
                        let ordered = if side == Side::Buy {
                            tick < prev
                        } else {
                            tick > prev
                        };
                        if !ordered {
                            return Err(format!("{instrument} {side:?}: levels out of order"));
                        }
                    }
                    previous_tick = Some(tick);
                    let level = &self.levels[level_idx as usize];
                    if level.price.raw() / book.tick_size != tick
                        || !level.price.raw().is_multiple_of(book.tick_size)
                    {
                        return Err(format!("{instrument} {side:?}: level price off its tick"));
                    }
                    let (mut qty, mut count, mut cur, mut prev) = (0u64, 0u32, level.head, NIL);
                    let mut last_priority = 0u64;
                    while cur != NIL {
                        let order = &self.orders[cur as usize];
                        if order.prev != prev || order.level != level_idx {
                            return Err(format!("{}: broken level links", order.id));
                        }
                        if order.price != level.price
                            || order.side != side
                            || order.instrument != instrument
                        {
                            return Err(format!("{}: in the wrong level", order.id));
                        }
                        if order.leaves.is_zero() {
                            return Err(format!("{}: rests with nothing left", order.id));
                        }
                        if order.priority < last_priority {
                            return Err(format!("{}: out of time priority", order.id));
                        }
                        if self.index.get(&order.id) != Some(&cur) {
                            return Err(format!("{}: index does not point to its slot", order.id));
                        }
                        last_priority = order.priority;
                        qty += order.leaves.raw();
                        count += 1;
                        prev = cur;
                        cur = order.next;
                    }
                    if level.tail != prev || qty != level.qty || count != level.count || count == 0
                    {
                        return Err(format!("{instrument} {side:?}: level totals are wrong"));
                    }
                    seen += count as usize;
                }
            }
            if let (Some((bid, _)), Some((ask, _))) = (book.bids.best(), book.asks.best())
                && bid >= ask
            {
                return Err(format!("{instrument}: book is crossed"));
            }
        }
        if seen != self.index.len() {
            return Err("order index and books disagree".to_string());
        }
        let mut listed = 0usize;
        for (owner_slot, list) in self.owners.iter().enumerate() {
            let slots = self.owner_orders(owner_slot as u32);
            if slots.len() != list.count as usize
                || slots.last().copied().unwrap_or(NIL) != list.tail
            {
                return Err(format!("owner slot {owner_slot}: order list is wrong"));
            }
            let mut last_id = OrderId(0);
            for slot in slots {
                let order = &self.orders[slot as usize];
                if order.owner_slot as usize != owner_slot || order.id <= last_id {
                    return Err(format!(
                        "{}: in the wrong owner list or out of order",
                        order.id
                    ));
                }
                last_id = order.id;
            }
            listed += list.count as usize;
        }
        if listed != self.index.len() {
            return Err("owner lists and books disagree".to_string());
        }
        Ok(())
    }
}
