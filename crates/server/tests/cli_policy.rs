//! `bourse policy defaults|check|test DIR`: the defaults written out pass their tests
//! and check; a failing test, a parse error and an empty directory exit 1 with why.

#[path = "support/cli.rs"]
mod cli;
use cli::{TempDir, bourse};

#[test]
fn the_defaults_written_out_pass_their_tests() {
    let dir = TempDir::new("defaults");
    let path = dir.0.to_str().unwrap();
    let (ok, out, err) = bourse(&["policy", "defaults", path]);
    assert!(ok, "{err}");
    assert!(
        out.starts_with("wrote 5 policy files and data.json"),
        "{out}"
    );
    let (ok, _, err) = bourse(&["policy", "defaults", path]);
    assert!(!ok);
    assert!(err.contains("exists; nothing written"), "{err}");

    let (ok, out, err) = bourse(&["policy", "check", path]);
    assert!(ok, "{err}");
    assert!(out.starts_with("5 files, revision "), "{out}");
    assert!(
        out.contains("deciding: data.bourse.policies.amount, data.bourse.policies.rate, data.bourse.policies.restricted"),
        "{out}"
    );

    let (ok, out, err) = bourse(&["policy", "test", path]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("data.bourse.policies_test.test_the_hundred_and_first_is_denied: PASS"),
        "{out}"
    );
    assert!(out.ends_with("PASS: 7/7\n"), "{out}");

    // A threshold changed in the data makes a test fail.
    let data = std::fs::read_to_string(dir.0.join("data.json")).unwrap();
    std::fs::write(
        dir.0.join("data.json"),
        data.replace("\"default\": 100", "\"default\": 1000"),
    )
    .unwrap();
    let (ok, out, _) = bourse(&["policy", "test", path]);
    assert!(!ok);
    assert!(
        out.contains("test_the_hundred_and_first_is_denied: FAIL"),
        "{out}"
    );
    assert!(out.ends_with("PASS: 6/7\nFAIL: 1/7\n"), "{out}");

    // A file that does not parse is named.
    std::fs::write(
        dir.0.join("zz.rego"),
        "package bourse.policies.zz\n\ndeny contains msg if {\n",
    )
    .unwrap();
    let (ok, _, err) = bourse(&["policy", "check", path]);
    assert!(!ok);
    assert!(err.starts_with("zz.rego: "), "{err}");
}

#[test]
fn a_directory_without_policies_is_refused() {
    let dir = TempDir::new("empty");
    std::fs::create_dir_all(&dir.0).unwrap();
    let (ok, _, err) = bourse(&["policy", "test", dir.0.to_str().unwrap()]);
    assert!(!ok);
    assert_eq!(err.trim(), "a policy set needs at least one .rego file");
    let (ok, _, err) = bourse(&["policy", "check", "/nonexistent-policies"]);
    assert!(!ok);
    assert!(
        err.starts_with("cannot read /nonexistent-policies"),
        "{err}"
    );
}
