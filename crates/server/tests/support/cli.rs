//! What the command-line tests share: a temporary directory removed when dropped, and
//! the `bourse` binary run with arguments.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command as Process;

/// A fresh, empty directory under the system's temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("bourse-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `bourse ARGS` (without a configuration file from the environment): whether it
/// succeeded, its standard output and its standard error.
pub fn bourse(args: &[&str]) -> (bool, String, String) {
    let output = Process::new(env!("CARGO_BIN_EXE_bourse"))
        .args(args)
        .env_remove("BOURSE_CONFIG")
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
