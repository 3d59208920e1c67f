//! The Rego tests of a policy set, run as `opa test` runs them: every rule whose name
//! starts with `test_` (at the start of a line of its file) passes when it is true.

use crate::policy::Policies;
use std::time::Instant;

/// How one test ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestOutcome {
    Pass,
    /// False or undefined.
    Fail,
    /// The evaluation failed, with why.
    Error(String),
}

/// One test: its rule (`data.package.test_name`), how it ended and how long it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    pub name: String,
    pub file: String,
    pub outcome: TestOutcome,
    pub duration_ns: u64,
}

/// The names of the test rules a file defines, in order, once each.
fn test_rules(source: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for line in source.lines() {
        if !line.starts_with("test_") {
            continue;
        }
        let name: String = line
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// Runs every test of the set, file by file.
pub fn run_tests(policies: &Policies) -> Vec<TestResult> {
    let mut results = Vec::new();
    for (file, package) in policies.set().files.iter().zip(policies.packages()) {
        for name in test_rules(&file.source) {
            let mut engine = policies.engine();
            let started = Instant::now();
            let value = engine.eval_rule(format!("{package}.{name}"));
            let outcome = match value {
                Ok(regorus::Value::Bool(true)) => TestOutcome::Pass,
                Ok(_) => TestOutcome::Fail,
                Err(e) => TestOutcome::Error(e.to_string()),
            };
            results.push(TestResult {
                name: format!("{package}.{name}"),
                file: file.name.clone(),
                outcome,
                duration_ns: started.elapsed().as_nanos() as u64,
            });
        }
    }
    results
}

/// The results as `opa test --verbose` prints them: a line per test, then the count.
pub fn report(results: &[TestResult]) -> String {
    let mut text = String::new();
    let mut file = None;
    for r in results {
        if file != Some(&r.file) {
            if file.is_some() {
                text.push('\n');
            }
            text.push_str(&format!("{}:\n", r.file));
            file = Some(&r.file);
        }
        let took = format_duration(r.duration_ns);
        match &r.outcome {
            TestOutcome::Pass => text.push_str(&format!("{}: PASS ({took})\n", r.name)),
            TestOutcome::Fail => text.push_str(&format!("{}: FAIL ({took})\n", r.name)),
            TestOutcome::Error(e) => text.push_str(&format!("{}: ERROR ({took})\n  {e}\n", r.name)),
        }
    }
    let passed = results
        .iter()
        .filter(|r| r.outcome == TestOutcome::Pass)
        .count();
    text.push_str(&"-".repeat(80));
    text.push('\n');
    if passed == results.len() {
        text.push_str(&format!("PASS: {passed}/{}\n", results.len()));
    } else {
        text.push_str(&format!("PASS: {passed}/{}\n", results.len()));
        text.push_str(&format!(
            "FAIL: {}/{}\n",
            results.len() - passed,
            results.len()
        ));
    }
    text
}

fn format_duration(ns: u64) -> String {
    if ns >= 1_000_000 {
        format!("{:.1}ms", ns as f64 / 1e6)
    } else {
        format!("{:.1}µs", ns as f64 / 1e3)
    }
}

/// Compiles a set and runs its tests: the set only when every test passes, with the
/// results either way in the error's words.
pub fn checked(set: &crate::PolicySet) -> Result<(Policies, Vec<TestResult>), crate::PolicyError> {
    let policies = set.compile()?;
    let results = run_tests(&policies);
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| r.outcome != TestOutcome::Pass)
        .map(|r| r.name.as_str())
        .collect();
    if !failed.is_empty() {
        return Err(crate::PolicyError::TestsFailed {
            failed: failed.len(),
            total: results.len(),
            names: failed.join(", "),
        });
    }
    Ok((policies, results))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_rules_are_found_at_the_start_of_a_line() {
        let source = "package p\n\ntest_one if {\n\ttrue\n}\n\ntest_two if true\n  test_not if true\ntest_one if false\nhelper := 1\n";
        assert_eq!(test_rules(source), ["test_one", "test_two"]);
    }
}
