//! A policy set (Rego v1 files and their data), compiled once into [`Policies`], and
//! the [`Gate`] that holds the set in force and swaps it whole.

use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::num::NonZeroU32;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// The most files a policy set holds.
pub const POLICY_FILES_MAX: usize = 64;
/// The longest a policy file may be, in bytes.
pub const POLICY_SOURCE_MAX: usize = 256 * 1024;
/// The longest the data document may be, in bytes.
pub const POLICY_DATA_MAX: usize = 1024 * 1024;
/// The longest one decision may take; past it the decision denies.
pub const EVALUATION_LIMIT: Duration = Duration::from_millis(50);
/// The packages whose `deny` sets make the decision.
pub const POLICY_NAMESPACE: &str = "data.bourse.policies.";
/// The rule the gate evaluates: the union of every policy package's `deny`.
pub const DECISION_RULE: &str = "data.bourse.gate.deny";
/// The file holding the data document in a policy directory.
pub const DATA_FILE: &str = "data.json";

/// The default policies and their data, shipped in the binary.
const DEFAULT_FILES: [(&str, &str); 5] = [
    ("lib.rego", include_str!("../policies/lib.rego")),
    ("amount.rego", include_str!("../policies/amount.rego")),
    ("rate.rego", include_str!("../policies/rate.rego")),
    (
        "restricted.rego",
        include_str!("../policies/restricted.rego"),
    ),
    (
        "policies_test.rego",
        include_str!("../policies/policies_test.rego"),
    ),
];
const DEFAULT_DATA: &str = include_str!("../policies/data.json");

/// Why a policy set was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyError {
    #[error("{0}")]
    Io(String),
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("the data document: {0}")]
    Data(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{failed} of {total} policy tests failed: {names}")]
    TestsFailed {
        failed: usize,
        total: usize,
        names: String,
    },
}

/// One Rego file of a set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyFile {
    pub name: String,
    pub source: String,
}

/// Rego files and the data document they read (`data` in Rego).
#[derive(Debug, Clone, PartialEq)]
pub struct PolicySet {
    pub files: Vec<PolicyFile>,
    pub data: serde_json::Value,
}

impl PolicySet {
    /// The default policies: an order's notional limit per quote asset, the orders an
    /// hour, restricted instruments and users (docs/compliance.md).
    pub fn defaults() -> PolicySet {
        PolicySet {
            files: DEFAULT_FILES
                .iter()
                .map(|(name, source)| PolicyFile {
                    name: (*name).to_string(),
                    source: (*source).to_string(),
                })
                .collect(),
            data: PolicySet::default_data(),
        }
    }

    /// The default data document.
    pub fn default_data() -> serde_json::Value {
        serde_json::from_str(DEFAULT_DATA).expect("the default data is JSON")
    }

    /// The `.rego` files of a directory (by name) and its `data.json` (the default
    /// data when it has none).
    pub fn from_dir(dir: &Path) -> Result<PolicySet, PolicyError> {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| PolicyError::Io(format!("cannot read {}: {e}", dir.display())))?;
        let mut files = Vec::new();
        let mut data = None;
        for entry in entries {
            let entry = entry.map_err(|e| PolicyError::Io(e.to_string()))?;
            let path = entry.path();
            let Some(name) = path
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_string)
            else {
                continue;
            };
            let read = || {
                std::fs::read_to_string(&path)
                    .map_err(|e| PolicyError::Io(format!("cannot read {}: {e}", path.display())))
            };
            if name == DATA_FILE {
                data = Some(parse_data(&read()?)?);
            } else if name.ends_with(".rego") {
                files.push(PolicyFile {
                    name,
                    source: read()?,
                });
            }
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        let set = PolicySet {
            files,
            data: data.unwrap_or_else(PolicySet::default_data),
        };
        set.check_bounds()?;
        Ok(set)
    }

    /// A set from uploaded files and data (the data: the default when `None`).
    pub fn from_parts(
        files: Vec<PolicyFile>,
        data: Option<&str>,
    ) -> Result<PolicySet, PolicyError> {
        let data = match data {
            Some(text) => parse_data(text)?,
            None => PolicySet::default_data(),
        };
        let mut files = files;
        files.sort_by(|a, b| a.name.cmp(&b.name));
        let set = PolicySet { files, data };
        set.check_bounds()?;
        Ok(set)
    }

    fn check_bounds(&self) -> Result<(), PolicyError> {
        if self.files.is_empty() {
            return Err(PolicyError::Invalid(
                "a policy set needs at least one .rego file".to_string(),
            ));
        }
        if self.files.len() > POLICY_FILES_MAX {
            return Err(PolicyError::Invalid(format!(
                "a policy set holds at most {POLICY_FILES_MAX} files"
            )));
        }
        for (i, file) in self.files.iter().enumerate() {
            let good_name = !file.name.is_empty()
                && file.name.len() <= 128
                && file.name.ends_with(".rego")
                && file
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if !good_name {
                return Err(PolicyError::Invalid(format!(
                    "{:?}: a policy file's name is letters, digits, `_`, `-` and `.`, ending in .rego",
                    file.name
                )));
            }
            if file.source.len() > POLICY_SOURCE_MAX {
                return Err(PolicyError::Invalid(format!(
                    "{}: at most {POLICY_SOURCE_MAX} bytes",
                    file.name
                )));
            }
            if self.files[..i].iter().any(|f| f.name == file.name) {
                return Err(PolicyError::Invalid(format!("{}: given twice", file.name)));
            }
        }
        if !self.data.is_object() {
            return Err(PolicyError::Data("it must be a JSON object".to_string()));
        }
        Ok(())
    }

    /// The accounts the policies leave alone (the venue's own), set in the data as
    /// `bourse.exempt_users`, beside any the data already lists.
    pub fn exempt(&mut self, users: &[u64]) {
        let bourse = self
            .data
            .as_object_mut()
            .expect("checked: an object")
            .entry("bourse")
            .or_insert_with(|| serde_json::json!({}));
        if !bourse.is_object() {
            *bourse = serde_json::json!({});
        }
        let list = bourse
            .as_object_mut()
            .expect("an object")
            .entry("exempt_users")
            .or_insert_with(|| serde_json::json!([]));
        if !list.is_array() {
            *list = serde_json::json!([]);
        }
        let list = list.as_array_mut().expect("an array");
        for user in users {
            if !list.iter().any(|v| v.as_u64() == Some(*user)) {
                list.push(serde_json::json!(user));
            }
        }
    }

    /// The set's revision: a hash of its files (names and sources) and its data.
    pub fn revision(&self) -> String {
        let mut hasher = blake3::Hasher::new();
        for file in &self.files {
            for part in [file.name.as_bytes(), file.source.as_bytes()] {
                hasher.update(&(part.len() as u64).to_le_bytes());
                hasher.update(part);
            }
        }
        let data = self.data.to_string();
        hasher.update(&(data.len() as u64).to_le_bytes());
        hasher.update(data.as_bytes());
        hasher.finalize().to_hex()[..16].to_string()
    }

    /// Parses every file (Rego v1) and loads the data; the set's deny rules are those
    /// of its packages under `data.bourse.policies`.
    pub fn compile(&self) -> Result<Policies, PolicyError> {
        self.check_bounds()?;
        let mut engine = regorus::Engine::new();
        engine.set_rego_v0(false);
        let mut packages = Vec::new();
        for file in &self.files {
            let package = engine
                .add_policy(file.name.clone(), file.source.clone())
                .map_err(|e| PolicyError::Parse {
                    file: file.name.clone(),
                    message: e.to_string(),
                })?;
            packages.push((file.name.clone(), package));
        }
        let mut deciding: Vec<String> = packages
            .iter()
            .map(|(_, p)| p.clone())
            .filter(|p| p.starts_with(POLICY_NAMESPACE))
            .collect();
        deciding.sort();
        deciding.dedup();
        if deciding.is_empty() {
            return Err(PolicyError::Invalid(format!(
                "no package under {}: nothing would decide",
                POLICY_NAMESPACE.trim_end_matches('.')
            )));
        }
        engine
            .add_policy("bourse-gate.rego".to_string(), gate_module(&deciding))
            .map_err(|e| PolicyError::Invalid(format!("cannot join the packages: {e}")))?;
        engine
            .add_data(regorus::Value::from(self.data.clone()))
            .map_err(|e| PolicyError::Data(e.to_string()))?;
        engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
            limit: EVALUATION_LIMIT,
            check_interval: NonZeroU32::new(64).expect("not zero"),
        });
        let policies = Policies {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            revision: self.revision(),
            set: self.clone(),
            packages: packages.into_iter().map(|(_, p)| p).collect(),
            deciding,
            prototype: Mutex::new(engine),
        };
        // A set whose rule cannot be evaluated at all is refused now, not at the
        // first order.
        let probe = policies.decide(&serde_json::json!({"action": "probe"}));
        if let Some(error) = probe.error {
            return Err(PolicyError::Invalid(format!(
                "the policies fail on an empty request: {error}"
            )));
        }
        Ok(policies)
    }
}

fn parse_data(text: &str) -> Result<serde_json::Value, PolicyError> {
    if text.len() > POLICY_DATA_MAX {
        return Err(PolicyError::Data(format!(
            "at most {POLICY_DATA_MAX} bytes"
        )));
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| PolicyError::Data(e.to_string()))?;
    if !value.is_object() {
        return Err(PolicyError::Data("it must be a JSON object".to_string()));
    }
    Ok(value)
}

/// The module that joins the packages' `deny` sets into the one the gate evaluates.
fn gate_module(packages: &[String]) -> String {
    let mut text = String::from("package bourse.gate\n\nimport rego.v1\n\n");
    for package in packages {
        text.push_str(&format!(
            "deny contains msg if {{\n\tsome msg in {package}.deny\n}}\n\n"
        ));
    }
    text
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// Each thread's copy of the engine of the set it last decided with, by set id.
    static ENGINES: RefCell<Option<(u64, regorus::Engine)>> = const { RefCell::new(None) };
}

/// A compiled policy set, shared by every thread (each evaluates on its own copy of
/// the engine, made once per thread and set).
#[derive(Debug)]
pub struct Policies {
    id: u64,
    revision: String,
    set: PolicySet,
    packages: Vec<String>,
    deciding: Vec<String>,
    prototype: Mutex<regorus::Engine>,
}

/// What the policies said about one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub allowed: bool,
    /// Every policy's reason to deny, sorted (empty when allowed).
    pub reasons: Vec<String>,
    /// The evaluation failed (it denies): why.
    pub error: Option<String>,
    /// How long the evaluation took.
    pub eval_ns: u64,
    /// The revision of the set that decided.
    pub revision: String,
}

impl Policies {
    pub fn revision(&self) -> &str {
        &self.revision
    }

    pub fn set(&self) -> &PolicySet {
        &self.set
    }

    /// Every package of the set, as `data.…` paths, one per file.
    pub fn packages(&self) -> &[String] {
        &self.packages
    }

    /// The packages whose `deny` decides.
    pub fn deciding(&self) -> &[String] {
        &self.deciding
    }

    /// A fresh engine of this set, for tests and tools.
    pub fn engine(&self) -> regorus::Engine {
        self.prototype
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Decides one request (the input document). An error denies.
    pub fn decide(&self, input: &serde_json::Value) -> Decision {
        let started = Instant::now();
        let outcome = ENGINES.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.as_ref().is_none_or(|(id, _)| *id != self.id) {
                *slot = Some((self.id, self.engine()));
            }
            let (_, engine) = slot.as_mut().expect("just set");
            engine.set_input(regorus::Value::from(input.clone()));
            engine.eval_rule(DECISION_RULE.to_string())
        });
        let eval_ns = started.elapsed().as_nanos() as u64;
        let (reasons, error) = match outcome {
            Ok(value) => match reasons_of(&value) {
                Ok(reasons) => (reasons, None),
                Err(e) => (Vec::new(), Some(e)),
            },
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        Decision {
            allowed: reasons.is_empty() && error.is_none(),
            reasons,
            error,
            eval_ns,
            revision: self.revision.clone(),
        }
    }
}

/// The messages of a `deny` set (undefined: none).
fn reasons_of(value: &regorus::Value) -> Result<Vec<String>, String> {
    if matches!(value, regorus::Value::Undefined) {
        return Ok(Vec::new());
    }
    let set = value
        .as_set()
        .map_err(|_| "`deny` is not a set of messages".to_string())?;
    let mut reasons = Vec::with_capacity(set.len());
    for item in set.iter() {
        match item.as_string() {
            Ok(text) => reasons.push(text.to_string()),
            Err(_) => reasons.push(
                item.to_json_str()
                    .unwrap_or_else(|_| "a reason that is not text".to_string()),
            ),
        }
    }
    reasons.sort();
    Ok(reasons)
}

/// The policy set in force. A new set replaces the old one whole: a decision runs on
/// one set from start to end.
#[derive(Debug)]
pub struct Gate {
    current: RwLock<Arc<Policies>>,
}

impl Gate {
    pub fn new(policies: Policies) -> Gate {
        Gate {
            current: RwLock::new(Arc::new(policies)),
        }
    }

    /// The set in force now.
    pub fn current(&self) -> Arc<Policies> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Decides with the set in force.
    pub fn decide(&self, input: &serde_json::Value) -> Decision {
        self.current().decide(input)
    }

    /// Puts a compiled set in force; answers the one it replaced.
    pub fn replace(&self, policies: Policies) -> Arc<Policies> {
        let mut current = self.current.write().unwrap_or_else(|p| p.into_inner());
        std::mem::replace(&mut *current, Arc::new(policies))
    }
}
