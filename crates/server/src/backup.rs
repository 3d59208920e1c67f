//! `bourse backup DIR` and `bourse restore DIR`.
//!
//! A backup is taken from the data directory while the venue runs, without stopping
//! it or asking it anything: the newest snapshot (written atomically, so a file that
//! exists is whole), every journal segment as far as it has been written, and a copy
//! of the SQLite read models made in one read transaction. The copied journal is cut
//! at its last whole record, then recovered in the backup: the sequence number reached
//! and the engine's state hash there go into `manifest.json`, with the size and BLAKE3
//! hash of every file. The manifest is written last: a backup without one is
//! incomplete.
//!
//! Restore checks every file against the manifest, recovers the copy and compares its
//! state hash with the manifest's, and only then moves it into place as the data
//! directory, which must be empty or absent. A damaged, truncated or incomplete backup
//! is refused with what is wrong, and nothing is changed.
//!
//! The read models in the backup are as of a moment before the snapshot: on start the
//! venue brings them up to the journal's end. Users, sessions and API keys live in the
//! read-model database, so a SQLite backup keeps them. With PostgreSQL read models the
//! backup holds the journal and snapshot only: back the database up with its own tools
//! (the orders, trades and balances in it can be rebuilt from the journal).

use crate::config::{Config, absolute};
use anyhow::{Context, bail};
use bourse_journal::{DataDir, FileSystem, StdFs};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The manifest's file name, in the backup directory.
pub const MANIFEST: &str = "manifest.json";

/// The version of the backup layout this binary writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The directory in a backup that holds the copied data directory.
const DATA: &str = "data";

/// The SQLite read-model file's name, in the data directory and in the backup.
pub const SQLITE_FILE: &str = "bourse.db";

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format_version: u32,
    /// The version of the binary that took it.
    pub bourse_version: String,
    /// When it was taken (RFC 3339).
    pub created_at: String,
    /// The last command in the backup's journal.
    pub seq: u64,
    /// The engine's state hash after that command.
    pub state_hash: String,
    /// The snapshot the backup holds, if the venue had written one.
    pub snapshot_seq: Option<u64>,
    /// `sqlite` when the read models (with users and API keys) are in the backup;
    /// `external` when they live in a database backed up separately.
    pub read_models: String,
    /// Every file, relative to the backup directory, in order.
    pub files: Vec<ManifestFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    pub path: String,
    pub bytes: u64,
    pub blake3: String,
}

/// What `backup` did.
#[derive(Debug, Clone)]
pub struct BackupReport {
    pub dir: PathBuf,
    pub manifest: Manifest,
}

fn hash_file(path: &Path) -> anyhow::Result<(u64, String)> {
    let mut hasher = blake3::Hasher::new();
    let mut file =
        std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let bytes = std::io::copy(&mut file, &mut hasher)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok((bytes, hasher.finalize().to_hex().to_string()))
}

/// Copies `from` to `to` as it is now, however long it is growing to be.
fn copy_file(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::copy(from, to)
        .with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    Ok(())
}

fn sync_file(path: &Path) -> anyhow::Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("syncing {}", path.display()))
}

fn is_empty_dir(dir: &Path) -> anyhow::Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(e).with_context(|| format!("reading {}", dir.display())),
    }
}

/// Every regular file under `root`, relative to it, sorted.
fn files_under(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(path.strip_prefix(root).expect("under root").to_path_buf());
            }
        }
    }
    out.sort();
    Ok(out)
}

fn relative(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Takes a backup of the venue configured by `config` into `dest` (which must be empty
/// or absent), while the venue runs or not.
pub async fn backup(config: &Config, dest: &Path) -> anyhow::Result<BackupReport> {
    let source = DataDir::new(absolute(&config.data.dir));
    if !source.journal().is_dir() {
        bail!(
            "{} holds no journal: is it the venue's data directory?",
            absolute(&config.data.dir).display()
        );
    }
    if !is_empty_dir(dest)? {
        bail!(
            "{} is not empty; a backup goes into a new directory",
            dest.display()
        );
    }
    let data = dest.join(DATA);
    let target = DataDir::new(&data);
    std::fs::create_dir_all(target.journal())
        .with_context(|| format!("creating {}", data.display()))?;
    std::fs::create_dir_all(target.snapshots())?;

    // The read models first: whatever they hold, the journal copied after them holds
    // at least as much, so the venue restored from the backup can bring them up to date.
    let sqlite = config.data.database_url.is_empty();
    if sqlite {
        let live = absolute(&config.data.dir).join(SQLITE_FILE);
        if live.exists() {
            bourse_store::backup::copy_sqlite(&live, &data.join(SQLITE_FILE))
                .await
                .context("copying the SQLite read models")?;
        }
    }

    // The newest snapshot: written atomically, so it is whole.
    let snapshots = bourse_journal::snapshot::list(&StdFs, &source.snapshots())?;
    let snapshot_seq = snapshots.iter().max().copied();
    if let Some(seq) = snapshot_seq {
        let name = bourse_journal::snapshot::snapshot_name(seq);
        copy_file(
            &source.snapshots().join(&name),
            &target.snapshots().join(&name),
        )?;
    }

    // The journal: HEAD first, then every segment up to the one it names, each as far
    // as it has been written; a segment begun after HEAD was read is left out.
    let head_path = source.journal().join(bourse_journal::log::HEAD_FILE);
    let head = std::fs::read_to_string(&head_path).ok();
    let newest = head
        .as_deref()
        .and_then(|h| bourse_journal::log::parse_segment_name(h.trim()));
    for (first, path) in bourse_journal::segments(&StdFs, &source.journal())? {
        if newest.is_some_and(|newest| first > newest) {
            continue;
        }
        let name = path.file_name().expect("a segment has a name");
        copy_file(&path, &target.journal().join(name))?;
    }
    if let Some(head) = &head {
        std::fs::write(target.journal().join(bourse_journal::log::HEAD_FILE), head)?;
    }

    // Recovery in the copy cuts the last segment at its last whole record and tells
    // where the backup ends and the state there.
    let copied = data.clone();
    let recovered = tokio::task::spawn_blocking(move || {
        bourse_journal::recover(&StdFs, &DataDir::new(&copied))
    })
    .await
    .context("recovering the backup")?
    .context("the copied journal does not recover")?;
    let seq = recovered.report.last_seq;
    let state_hash = recovered.report.state_hash.to_string();
    drop(recovered);

    let mut files = Vec::new();
    for path in files_under(dest)? {
        let full = dest.join(&path);
        sync_file(&full)?;
        let (bytes, blake3) = hash_file(&full)?;
        files.push(ManifestFile {
            path: relative(&path),
            bytes,
            blake3,
        });
    }
    for dir in [
        target.journal(),
        target.snapshots(),
        data.clone(),
        dest.to_path_buf(),
    ] {
        StdFs.sync_dir(&dir)?;
    }
    let manifest = Manifest {
        format_version: FORMAT_VERSION,
        bourse_version: env!("CARGO_PKG_VERSION").to_string(),
        created_at: bourse_api::now_rfc3339(),
        seq,
        state_hash,
        snapshot_seq,
        read_models: if sqlite { "sqlite" } else { "external" }.to_string(),
        files,
    };
    let text = serde_json::to_string_pretty(&manifest)?;
    StdFs
        .write_atomic(&dest.join(MANIFEST), text.as_bytes())
        .context("writing the manifest")?;
    Ok(BackupReport {
        dir: dest.to_path_buf(),
        manifest,
    })
}

/// Reads a backup's manifest and checks every file it lists.
pub fn check(dir: &Path) -> anyhow::Result<Manifest> {
    let path = dir.join(MANIFEST);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!(
                "{} is not a complete backup: it has no {MANIFEST}",
                dir.display()
            )
        }
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let manifest: Manifest =
        serde_json::from_str(&text).with_context(|| format!("{} is damaged", path.display()))?;
    if manifest.format_version != FORMAT_VERSION {
        bail!(
            "the backup's format is version {}; this binary reads version {FORMAT_VERSION}",
            manifest.format_version
        );
    }
    for file in &manifest.files {
        if file
            .path
            .split('/')
            .any(|part| part == ".." || part.is_empty())
        {
            bail!(
                "the manifest names a file outside the backup: {:?}",
                file.path
            );
        }
        let full = dir.join(&file.path);
        let (bytes, blake3) = match hash_file(&full) {
            Ok(found) => found,
            Err(_) => bail!("the backup is incomplete: {} is missing", file.path),
        };
        if bytes != file.bytes {
            bail!(
                "the backup is damaged: {} is {bytes} bytes, the manifest says {}",
                file.path,
                file.bytes
            );
        }
        if blake3 != file.blake3 {
            bail!(
                "the backup is damaged: {} does not match its hash in the manifest",
                file.path
            );
        }
    }
    Ok(manifest)
}

/// Restores the backup in `dir` as the data directory of `config` (empty or absent;
/// the venue must not be running). Returns the manifest it restored.
pub async fn restore(config: &Config, dir: &Path) -> anyhow::Result<Manifest> {
    let manifest = check(dir)?;
    if manifest.read_models == "external" && config.data.database_url.is_empty() {
        tracing::warn!(
            "this backup has no read models (they lived in an external database); users and API keys come back only with that database"
        );
    }
    let data_dir = absolute(&config.data.dir);
    if !is_empty_dir(&data_dir)? {
        bail!(
            "{} is not empty; restore into an empty or new data directory",
            data_dir.display()
        );
    }
    let parent = data_dir
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    std::fs::create_dir_all(&parent)?;
    let staging = parent.join(format!(
        ".{}.restoring",
        data_dir
            .file_name()
            .map_or("data".into(), |n| n.to_string_lossy())
    ));
    let _ = std::fs::remove_dir_all(&staging);
    let source = dir.join(DATA);
    for file in &manifest.files {
        let Some(inside) = file.path.strip_prefix(&format!("{DATA}/")) else {
            continue;
        };
        let to = staging.join(inside);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        copy_file(&source.join(inside), &to)?;
        sync_file(&to)?;
    }
    std::fs::create_dir_all(staging.join("journal"))?;
    let check_dir = staging.clone();
    let recovered = tokio::task::spawn_blocking(move || {
        bourse_journal::recover(&StdFs, &DataDir::new(&check_dir))
    })
    .await
    .context("recovering the backup")?;
    let fail = |why: String| {
        let _ = std::fs::remove_dir_all(&staging);
        anyhow::anyhow!(why)
    };
    let recovered =
        recovered.map_err(|e| fail(format!("the backup's journal does not recover: {e}")))?;
    if recovered.report.last_seq != manifest.seq
        || recovered.report.state_hash.to_string() != manifest.state_hash
    {
        return Err(fail(format!(
            "the backup recovers to command {} with state hash {}, the manifest says {} and {}",
            recovered.report.last_seq,
            recovered.report.state_hash,
            manifest.seq,
            manifest.state_hash
        )));
    }
    drop(recovered);
    if data_dir.exists() {
        std::fs::remove_dir(&data_dir)
            .with_context(|| format!("replacing {}", data_dir.display()))?;
    }
    std::fs::rename(&staging, &data_dir)
        .with_context(|| format!("moving the restored data into {}", data_dir.display()))?;
    StdFs.sync_dir(&parent)?;
    Ok(manifest)
}
