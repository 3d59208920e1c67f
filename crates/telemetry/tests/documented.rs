//! docs/metrics.md and the names module describe the same series, with the same types
//! and labels.

use bourse_telemetry::{Kind, names};
use std::collections::BTreeMap;

/// The documented rows: series name to (type, labels).
fn documented() -> BTreeMap<String, (String, Vec<String>)> {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/metrics.md"
    ))
    .expect("docs/metrics.md");
    let mut rows = BTreeMap::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | `name` | type | labels | meaning |
        if cells.len() < 5 || !cells[1].starts_with('`') {
            continue;
        }
        let name = cells[1].trim_matches('`').to_string();
        let labels = cells[3]
            .split(',')
            .map(|l| l.trim().trim_matches('`').to_string())
            .filter(|l| !l.is_empty())
            .collect();
        assert!(
            rows.insert(name.clone(), (cells[2].to_string(), labels))
                .is_none(),
            "{name} is documented twice"
        );
    }
    rows
}

#[test]
fn every_series_is_documented_with_its_type_and_labels_and_nothing_else_is() {
    let mut documented = documented();
    for spec in names::ALL {
        let name = spec.series();
        let (kind, labels) = documented
            .remove(&name)
            .unwrap_or_else(|| panic!("{name} is not in docs/metrics.md"));
        let expected = match spec.kind {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        };
        assert_eq!(kind, expected, "{name}: type");
        assert_eq!(labels, spec.labels, "{name}: labels");
    }
    assert!(
        documented.is_empty(),
        "documented but not exposed: {:?}",
        documented.keys()
    );
}
