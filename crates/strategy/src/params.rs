//! A strategy's parameters: typed, ranged, with defaults, checked before it runs.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a parameter holds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ParamKind {
    /// A whole number in `min..=max`.
    Integer { min: i64, max: i64, default: i64 },
    /// A number in `min..=max`.
    Number { min: f64, max: f64, default: f64 },
    /// One of the listed words.
    Choice {
        options: &'static [&'static str],
        default: &'static str,
    },
}

/// One parameter of a strategy, as its form shows it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ParamSpec {
    pub name: &'static str,
    pub description: &'static str,
    #[serde(flatten)]
    pub kind: ParamKind,
}

/// A parameter's value as given (JSON, TOML or `--param k=v`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    Number(f64),
    Text(String),
}

impl ParamValue {
    /// A value from the command line: a number when it reads as one.
    pub fn parse(text: &str) -> ParamValue {
        match text.parse::<f64>() {
            Ok(number) => ParamValue::Number(number),
            Err(_) => ParamValue::Text(text.to_string()),
        }
    }
}

/// Parameters by name, as given.
pub type Params = BTreeMap<String, ParamValue>;

/// Why parameters were refused; each names the parameter.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParamError {
    #[error("unknown parameter `{0}`")]
    Unknown(String),
    #[error("`{name}` must be {expected}")]
    Invalid { name: String, expected: String },
    #[error("{0}")]
    Inconsistent(String),
}

/// Parameters checked against their specifications, every one present (defaults
/// filled in).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resolved(BTreeMap<&'static str, ParamValue>);

impl Resolved {
    /// Checks `given` against `specs`: unknown names, wrong types and values out of
    /// range are refused; missing ones take their default.
    pub fn check(specs: &'static [ParamSpec], given: &Params) -> Result<Resolved, ParamError> {
        if let Some(unknown) = given.keys().find(|k| !specs.iter().any(|s| s.name == *k)) {
            return Err(ParamError::Unknown(unknown.clone()));
        }
        let mut resolved = BTreeMap::new();
        for spec in specs {
            let invalid = |expected: String| ParamError::Invalid {
                name: spec.name.to_string(),
                expected,
            };
            let value = match (spec.kind, given.get(spec.name)) {
                (ParamKind::Integer { default, .. }, None) => ParamValue::Number(default as f64),
                (ParamKind::Number { default, .. }, None) => ParamValue::Number(default),
                (ParamKind::Choice { default, .. }, None) => ParamValue::Text(default.to_string()),
                (ParamKind::Integer { min, max, .. }, Some(ParamValue::Number(n))) => {
                    if n.fract() != 0.0 || *n < min as f64 || *n > max as f64 {
                        return Err(invalid(format!("a whole number from {min} to {max}")));
                    }
                    ParamValue::Number(*n)
                }
                (ParamKind::Number { min, max, .. }, Some(ParamValue::Number(n))) => {
                    if !n.is_finite() || *n < min || *n > max {
                        return Err(invalid(format!("a number from {min} to {max}")));
                    }
                    ParamValue::Number(*n)
                }
                (ParamKind::Choice { options, .. }, Some(ParamValue::Text(t)))
                    if options.contains(&t.as_str()) =>
                {
                    ParamValue::Text(t.clone())
                }
                (ParamKind::Choice { options, .. }, Some(_)) => {
                    return Err(invalid(format!("one of {}", options.join(", "))));
                }
                (ParamKind::Integer { min, max, .. }, Some(_)) => {
                    return Err(invalid(format!("a whole number from {min} to {max}")));
                }
                (ParamKind::Number { min, max, .. }, Some(_)) => {
                    return Err(invalid(format!("a number from {min} to {max}")));
                }
            };
            resolved.insert(spec.name, value);
        }
        Ok(Resolved(resolved))
    }

    /// A number (or whole number) parameter.
    pub fn number(&self, name: &str) -> f64 {
        match self.0.get(name) {
            Some(ParamValue::Number(n)) => *n,
            _ => 0.0,
        }
    }

    /// A whole-number parameter, as a count.
    pub fn count(&self, name: &str) -> usize {
        self.number(name).max(0.0) as usize
    }

    /// A choice parameter.
    pub fn choice(&self, name: &str) -> &str {
        match self.0.get(name) {
            Some(ParamValue::Text(t)) => t,
            _ => "",
        }
    }

    /// The values, by name, for records and reports.
    pub fn values(&self) -> &BTreeMap<&'static str, ParamValue> {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[ParamSpec] = &[
        ParamSpec {
            name: "period",
            description: "bars",
            kind: ParamKind::Integer {
                min: 2,
                max: 500,
                default: 14,
            },
        },
        ParamSpec {
            name: "level",
            description: "a level",
            kind: ParamKind::Number {
                min: 0.0,
                max: 100.0,
                default: 30.0,
            },
        },
        ParamSpec {
            name: "average",
            description: "which average",
            kind: ParamKind::Choice {
                options: &["sma", "ema"],
                default: "sma",
            },
        },
    ];

    fn given(pairs: &[(&str, &str)]) -> Params {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), ParamValue::parse(v)))
            .collect()
    }

    #[test]
    fn defaults_fill_what_is_not_given() {
        let resolved = Resolved::check(SPECS, &given(&[("period", "20")])).unwrap();
        assert_eq!(
            (
                resolved.count("period"),
                resolved.number("level"),
                resolved.choice("average")
            ),
            (20, 30.0, "sma")
        );
    }

    #[test]
    fn bad_parameters_are_refused_by_name() {
        let refused = |pairs: &[(&str, &str)]| {
            Resolved::check(SPECS, &given(pairs))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(refused(&[("perod", "3")]), "unknown parameter `perod`");
        assert_eq!(
            refused(&[("period", "2.5")]),
            "`period` must be a whole number from 2 to 500"
        );
        assert_eq!(
            refused(&[("period", "1")]),
            "`period` must be a whole number from 2 to 500"
        );
        assert_eq!(
            refused(&[("level", "NaN")]),
            "`level` must be a number from 0 to 100"
        );
        assert_eq!(
            refused(&[("average", "wma")]),
            "`average` must be one of sma, ema"
        );
        assert_eq!(
            refused(&[("level", "high")]),
            "`level` must be a number from 0 to 100"
        );
    }
}
