//! The error catalog in docs/errors.md names every code the API can answer with.

#[test]
fn every_api_error_code_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/errors.md"))
        .expect("docs/errors.md exists");
    let missing: Vec<&str> = bourse_api::error::API_CODES
        .iter()
        .copied()
        .filter(|code| !doc.contains(&format!("| `{code}` |")))
        .collect();
    assert!(missing.is_empty(), "docs/errors.md lacks {missing:?}");
    assert!(bourse_api::error::API_CODES.len() >= 20);
}
