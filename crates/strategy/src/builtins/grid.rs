//! A grid: buy limits spaced below the price, each bought level sold one step up.

use super::Builtin;
use super::common::signal;
use crate::bar::Bar;
use crate::params::{ParamError, ParamKind, ParamSpec, Resolved};
use crate::portfolio::Fill;
use crate::rounding::Rounding;
use crate::signal::SignalSide;
use crate::strategy::{Context, OrderIntent, Strategy};
use bourse_types::Side;

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "levels",
        description: "buy orders below the centre",
        kind: ParamKind::Integer {
            min: 1,
            max: 50,
            default: 5,
        },
    },
    ParamSpec {
        name: "spacing_pct",
        description: "distance between levels, in percent",
        kind: ParamKind::Number {
            min: 0.05,
            max: 20.0,
            default: 0.5,
        },
    },
    ParamSpec {
        name: "allocation",
        description: "share of the equity the grid's buy orders spend together",
        kind: ParamKind::Number {
            min: 0.01,
            max: 1.0,
            default: 0.5,
        },
    },
];

pub const BUILTIN: Builtin = Builtin {
    name: "grid",
    title: "Grid market making",
    description: "Rests buy orders at even steps below the price and sells each one that fills a step higher; re-centres when the price leaves the grid while nothing is held.",
    params: PARAMS,
    make,
};

#[derive(Debug, Clone)]
struct Grid {
    levels: usize,
    spacing: f64,
    allocation: f64,
    /// The price the grid is laid around, once laid.
    centre: Option<f64>,
}

fn make(params: &Resolved) -> Result<Box<dyn Strategy>, ParamError> {
    Ok(Box::new(Grid {
        levels: params.count("levels"),
        spacing: params.number("spacing_pct") / 100.0,
        allocation: params.number("allocation"),
        centre: None,
    }))
}

impl Grid {
    fn lay(&mut self, cx: &mut Context<'_>, centre: f64) {
        cx.cancel_all();
        self.centre = Some(centre);
        let share = self.allocation / self.levels as f64;
        for level in 1..=self.levels {
            let price = centre * (1.0 - self.spacing * level as f64);
            let (Some(limit), Some(qty)) = (
                cx.price(price, Rounding::Down),
                cx.quantity_for(share, price),
            ) else {
                continue;
            };
            cx.place(OrderIntent::limit(Side::Buy, limit, qty));
        }
        if let Some(signal) = signal(cx, SignalSide::Hold, 0.5, centre) {
            cx.signal(
                signal
                    .with("centre", centre)
                    .with("spacing_pct", self.spacing * 100.0),
            );
        }
    }
}

impl Strategy for Grid {
    fn on_bar(&mut self, bar: &Bar, cx: &mut Context<'_>) {
        let close = bar.ohlcv(cx.instrument()).close;
        match self.centre {
            None => self.lay(cx, close),
            // The price left the grid upwards with nothing held: follow it.
            Some(centre) if cx.is_flat() && close > centre * (1.0 + self.spacing) => {
                self.lay(cx, close)
            }
            Some(_) => {}
        }
    }

    fn on_fill(&mut self, fill: &Fill, cx: &mut Context<'_>) {
        let price = crate::rounding::to_f64(fill.price.raw(), cx.instrument().price_scale());
        let (side, target, rounding) = match fill.side {
            Side::Buy => (Side::Sell, price * (1.0 + self.spacing), Rounding::Up),
            Side::Sell => (Side::Buy, price * (1.0 - self.spacing), Rounding::Down),
        };
        if let Some(limit) = cx.price(target, rounding) {
            cx.place(OrderIntent::limit(side, limit, fill.qty));
        }
    }
}
