//! The price ladder of one side of a book: which ticks hold a price level, in price
//! order, with the best one cached.
//!
//! Levels are found by tick through a hash map; their order is kept in an occupancy
//! bitmap cut into pages of 1024 ticks, with an ordered set of the occupied pages. Adding
//! or removing a level and finding the next best level are a few bit operations in the
//! common case (the next level is on the same page), and the ordered set is touched only
//! when a page becomes occupied or empty. Memory is bounded by the number of levels:
//! a page exists only while it holds at least one level.

use rustc_hash::FxHashMap;
use std::collections::BTreeSet;

const PAGE_SHIFT: u32 = 10;
const PAGE_TICKS: u64 = 1 << PAGE_SHIFT;
const WORDS: usize = (PAGE_TICKS / 64) as usize;

#[derive(Debug, Clone, Default)]
struct Page {
    /// Bit `w` is set when `words[w]` is not zero.
    summary: u16,
    words: [u64; WORDS],
}

impl Page {
    fn set(&mut self, offset: u64) {
        let (word, bit) = ((offset / 64) as usize, offset % 64);
        self.words[word] |= 1 << bit;
        self.summary |= 1 << word;
    }

    /// Clears a bit; returns whether the page is now empty.
    fn clear(&mut self, offset: u64) -> bool {
        let (word, bit) = ((offset / 64) as usize, offset % 64);
        self.words[word] &= !(1 << bit);
        if self.words[word] == 0 {
            self.summary &= !(1 << word);
        }
        self.summary == 0
    }

    /// Highest occupied offset strictly below `limit` (`limit` may be `PAGE_TICKS`).
    fn highest_below(&self, limit: u64) -> Option<u64> {
        if limit == 0 {
            return None;
        }
        let last = limit - 1;
        let (word, bit) = ((last / 64) as usize, last % 64);
        let mask = if bit == 63 {
            u64::MAX
        } else {
            (1u64 << (bit + 1)) - 1
        };
        let bits = self.words[word] & mask;
        if bits != 0 {
            return Some(word as u64 * 64 + 63 - u64::from(bits.leading_zeros()));
        }
        let lower_words = self.summary & ((1u16 << word) - 1);
        if lower_words == 0 {
            return None;
        }
        let w = 15 - lower_words.leading_zeros() as usize;
        Some(w as u64 * 64 + 63 - u64::from(self.words[w].leading_zeros()))
    }

    /// Lowest occupied offset strictly above `start` (`start` may be `u64::MAX` for
    /// "from the beginning").
    fn lowest_above(&self, start: u64) -> Option<u64> {
        let first = start.wrapping_add(1);
        if first >= PAGE_TICKS {
            return None;
        }
        let (word, bit) = ((first / 64) as usize, first % 64);
        let bits = self.words[word] & (u64::MAX << bit);
        if bits != 0 {
            return Some(word as u64 * 64 + u64::from(bits.trailing_zeros()));
        }
        let higher_words = if word >= 15 {
            0
        } else {
            self.summary & (u16::MAX << (word + 1))
        };
        if higher_words == 0 {
            return None;
        }
        let w = higher_words.trailing_zeros() as usize;
        Some(w as u64 * 64 + u64::from(self.words[w].trailing_zeros()))
    }
}

/// One side's ladder. `descending` is true for bids (the best price is the highest).
#[derive(Debug, Clone)]
pub(crate) struct Ladder {
    descending: bool,
    levels: FxHashMap<u64, u32>,
    pages: FxHashMap<u64, Page>,
    page_order: BTreeSet<u64>,
    /// The best tick and its level.
    best: Option<(u64, u32)>,
}

impl Ladder {
    pub(crate) fn new(descending: bool) -> Ladder {
        Ladder {
            descending,
            levels: FxHashMap::default(),
            pages: FxHashMap::default(),
            page_order: BTreeSet::new(),
            best: None,
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.levels.len()
    }

    #[inline]
    pub(crate) fn get(&self, tick: u64) -> Option<u32> {
        self.levels.get(&tick).copied()
    }

    /// The best tick and its level.
    #[inline]
    pub(crate) fn best(&self) -> Option<(u64, u32)> {
        self.best
    }

    /// Whether `a` is a better price than `b` on this side.
    #[inline]
    fn better(&self, a: u64, b: u64) -> bool {
        if self.descending { a > b } else { a < b }
    }

    /// Adds a level at an unoccupied tick.
    pub(crate) fn insert(&mut self, tick: u64, level: u32) {
        let previous = self.levels.insert(tick, level);
        assert!(
            previous.is_none(),
            "ladder: tick {tick} already has a level"
        );
        let page_no = tick >> PAGE_SHIFT;
        let page = self.pages.entry(page_no).or_insert_with(|| {
            self.page_order.insert(page_no);
            Page::default()
        });
        page.set(tick & (PAGE_TICKS - 1));
        if self.best.is_none_or(|(best, _)| self.better(tick, best)) {
            self.best = Some((tick, level));
        }
    }

    /// Removes the level at an occupied tick.
    pub(crate) fn remove(&mut self, tick: u64) {
        let removed = self.levels.remove(&tick);
        assert!(removed.is_some(), "ladder: tick {tick} has no level");
        let page_no = tick >> PAGE_SHIFT;
        let page = self
            .pages
            .get_mut(&page_no)
            .expect("ladder: occupied tick has a page");
        if page.clear(tick & (PAGE_TICKS - 1)) {
            self.pages.remove(&page_no);
            self.page_order.remove(&page_no);
        }
        if self.best.is_some_and(|(best, _)| best == tick) {
            self.best = self.next_worse(tick).map(|next| (next, self.levels[&next]));
        }
    }

    /// The next occupied tick after `tick` in best-to-worst order.
    pub(crate) fn next_worse(&self, tick: u64) -> Option<u64> {
        let page_no = tick >> PAGE_SHIFT;
        let offset = tick & (PAGE_TICKS - 1);
        if self.descending {
            if let Some(found) = self
                .pages
                .get(&page_no)
                .and_then(|p| p.highest_below(offset))
            {
                return Some((page_no << PAGE_SHIFT) | found);
            }
            let lower = *self.page_order.range(..page_no).next_back()?;
            let found = self.pages[&lower].highest_below(PAGE_TICKS)?;
            Some((lower << PAGE_SHIFT) | found)
        } else {
            if let Some(found) = self
                .pages
                .get(&page_no)
                .and_then(|p| p.lowest_above(offset))
            {
                return Some((page_no << PAGE_SHIFT) | found);
            }
            let higher = *self.page_order.range(page_no + 1..).next()?;
            let found = self.pages[&higher].lowest_above(u64::MAX)?;
            Some((higher << PAGE_SHIFT) | found)
        }
    }

    /// Occupied ticks and their levels from best to worst.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        let mut next = self.best.map(|(tick, _)| tick);
        std::iter::from_fn(move || {
            let tick = next?;
            next = self.next_worse(tick);
            Some((tick, self.levels[&tick]))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn check_against(ladder: &Ladder, model: &BTreeMap<u64, u32>) {
        let expected: Vec<(u64, u32)> = if ladder.descending {
            model.iter().rev().map(|(&t, &l)| (t, l)).collect()
        } else {
            model.iter().map(|(&t, &l)| (t, l)).collect()
        };
        let actual: Vec<(u64, u32)> = ladder.iter().collect();
        assert_eq!(actual, expected);
        assert_eq!(ladder.best(), expected.first().copied());
        assert_eq!(ladder.len(), model.len());
        assert_eq!(ladder.page_order.len(), ladder.pages.len());
    }

    #[test]
    fn walks_across_pages_in_both_directions() {
        for descending in [false, true] {
            let mut ladder = Ladder::new(descending);
            let mut model = BTreeMap::new();
            for (i, tick) in [0, 63, 64, 1023, 1024, 5000, 1 << 40, u64::MAX >> 1]
                .into_iter()
                .enumerate()
            {
                ladder.insert(tick, i as u32);
                model.insert(tick, i as u32);
                check_against(&ladder, &model);
            }
            for tick in [1023, 0, u64::MAX >> 1, 64] {
                ladder.remove(tick);
                model.remove(&tick);
                check_against(&ladder, &model);
            }
        }
    }

    proptest! {
        #[test]
        fn matches_an_ordered_map(descending: bool, ops in proptest::collection::vec((0u64..5000, any::<bool>()), 1..400)) {
            let mut ladder = Ladder::new(descending);
            let mut model = BTreeMap::new();
            for (i, (tick, add)) in ops.into_iter().enumerate() {
                if add && !model.contains_key(&tick) {
                    ladder.insert(tick, i as u32);
                    model.insert(tick, i as u32);
                } else if !add && model.contains_key(&tick) {
                    ladder.remove(tick);
                    model.remove(&tick);
                }
                check_against(&ladder, &model);
            }
        }
    }
}
