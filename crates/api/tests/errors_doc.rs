//! The error catalog in docs/errors.md names every code a client can receive, each
//! with the one status the server answers it with.

use bourse_api::error::status;
use bourse_engine::RejectCode;
use bourse_service::{Code, ErrorCode};
use bourse_types::ValueError;
use std::collections::BTreeMap;

/// `| `CODE` | STATUS | ...` rows of every table, code to the statuses given.
fn documented() -> BTreeMap<String, Vec<u16>> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/errors.md"))
        .expect("docs/errors.md exists");
    let mut codes: BTreeMap<String, Vec<u16>> = BTreeMap::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 {
            continue;
        }
        let (code, status) = (cells[1], cells[2]);
        let Some(code) = code.strip_prefix('`').and_then(|c| c.strip_suffix('`')) else {
            continue;
        };
        if let Ok(status) = status.parse::<u16>() {
            codes.entry(code.to_string()).or_default().push(status);
        }
    }
    codes
}

fn every_code() -> Vec<ErrorCode> {
    let mut codes: Vec<ErrorCode> = Code::ALL.iter().map(|c| ErrorCode::Platform(*c)).collect();
    codes.extend(RejectCode::ALL.iter().map(|c| ErrorCode::Rejected(*c)));
    codes.extend(
        [
            ValueError::Empty,
            ValueError::Malformed,
            ValueError::Negative,
            ValueError::Zero,
            ValueError::TooManyDecimals { max: 2 },
            ValueError::Overflow,
            ValueError::NotMultipleOfTick,
            ValueError::NotMultipleOfLot,
        ]
        .map(ErrorCode::Value),
    );
    codes
}

#[test]
fn every_code_is_documented_with_the_status_it_answers() {
    let documented = documented();
    let mut wrong = Vec::new();
    for code in every_code() {
        let status = status(code).as_u16();
        match documented.get(code.as_str()) {
            None => wrong.push(format!("{} is not documented", code.as_str())),
            Some(statuses) if statuses.iter().any(|s| *s != status) => wrong.push(format!(
                "{} answers {status}, docs/errors.md says {statuses:?}",
                code.as_str()
            )),
            Some(_) => {}
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(every_code().len() >= 70);
}

#[test]
fn the_catalog_documents_nothing_the_server_cannot_answer() {
    let known: Vec<&str> = every_code().iter().map(|c| c.as_str()).collect();
    let stale: Vec<String> = documented()
        .into_keys()
        .filter(|code| !known.contains(&code.as_str()))
        .collect();
    assert!(
        stale.is_empty(),
        "docs/errors.md lists unknown codes {stale:?}"
    );
}
