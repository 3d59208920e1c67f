//! Fixed-capacity windows over the latest values, allocated once.

/// The last `capacity` values pushed, oldest first; pushing into a full window
/// evicts its oldest value.
#[derive(Debug, Clone)]
pub(crate) struct Window {
    values: Box<[f64]>,
    /// Where the next value goes (and, when full, where the oldest is).
    next: usize,
    len: usize,
}

impl Window {
    pub(crate) fn new(capacity: usize) -> Window {
        Window {
            values: vec![0.0; capacity.max(1)].into_boxed_slice(),
            next: 0,
            len: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_full(&self) -> bool {
        self.len == self.values.len()
    }

    /// Adds `value`; answers the value it evicted, if the window was full.
    pub(crate) fn push(&mut self, value: f64) -> Option<f64> {
        let evicted = self.is_full().then(|| self.values[self.next]);
        self.values[self.next] = value;
        self.next = (self.next + 1) % self.values.len();
        if !self.is_full() {
            self.len += 1;
        }
        evicted
    }

    /// The values, oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = f64> + '_ {
        let start = if self.is_full() { self.next } else { 0 };
        (0..self.len).map(move |i| self.values[(start + i) % self.values.len()])
    }

    pub(crate) fn clear(&mut self) {
        self.next = 0;
        self.len = 0;
    }
}

/// The highest (or lowest) of the last `period` values in amortised constant time:
/// a monotonic queue of (position, value) in a ring of `period` slots.
#[derive(Debug, Clone)]
pub(crate) struct Extremum {
    slots: Box<[(u64, f64)]>,
    head: usize,
    len: usize,
    period: u64,
    /// How many values were pushed in all.
    pushed: u64,
    highest: bool,
}

impl Extremum {
    pub(crate) fn highest(period: usize) -> Extremum {
        Extremum::new(period, true)
    }

    pub(crate) fn lowest(period: usize) -> Extremum {
        Extremum::new(period, false)
    }

    fn new(period: usize, highest: bool) -> Extremum {
        let period = period.max(1);
        Extremum {
            slots: vec![(0, 0.0); period].into_boxed_slice(),
            head: 0,
            len: 0,
            period: period as u64,
            pushed: 0,
            highest,
        }
    }

    fn slot(&self, offset: usize) -> usize {
        (self.head + offset) % self.slots.len()
    }

    /// Adds `value`; answers the extremum of the last `period` values (of fewer while
    /// fewer were pushed).
    pub(crate) fn push(&mut self, value: f64) -> f64 {
        let position = self.pushed;
        self.pushed += 1;
        // Values that can never again be the extremum leave from the back.
        while self.len > 0 {
            let (_, last) = self.slots[self.slot(self.len - 1)];
            let dominated = if self.highest {
                last <= value
            } else {
                last >= value
            };
            if !dominated {
                break;
            }
            self.len -= 1;
        }
        // The front leaves once it is older than the window.
        if self.len > 0 && self.slots[self.head].0 + self.period <= position {
            self.head = self.slot(1);
            self.len -= 1;
        }
        let at = self.slot(self.len);
        self.slots[at] = (position, value);
        self.len += 1;
        self.slots[self.head].1
    }

    pub(crate) fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
        self.pushed = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_evicts_its_oldest_value() {
        let mut window = Window::new(3);
        assert_eq!(
            [1.0, 2.0, 3.0, 4.0, 5.0].map(|v| window.push(v)),
            [None, None, None, Some(1.0), Some(2.0)]
        );
        assert_eq!(window.iter().collect::<Vec<_>>(), [3.0, 4.0, 5.0]);
    }

    proptest::proptest! {
        #[test]
        fn extrema_agree_with_a_scan(values in proptest::collection::vec(-100i32..100, 1..200), period in 1usize..12) {
            let mut high = Extremum::highest(period);
            let mut low = Extremum::lowest(period);
            for (i, v) in values.iter().enumerate() {
                let from = (i + 1).saturating_sub(period);
                let window = &values[from..=i];
                proptest::prop_assert_eq!(high.push(f64::from(*v)), f64::from(*window.iter().max().unwrap()));
                proptest::prop_assert_eq!(low.push(f64::from(*v)), f64::from(*window.iter().min().unwrap()));
            }
        }
    }
}
