//! A consistent copy of a SQLite read-model database while the venue writes to it.

use crate::{Result, StoreError};
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use std::path::Path;
use std::time::Duration;

/// How long the copy waits for the projector's write transaction to end.
const COPY_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Copies the SQLite database at `source` into a new file `dest` with `VACUUM INTO`:
/// one read transaction, so the copy is the database as of one moment even while the
/// venue writes (WAL mode lets the reader and the writer work side by side). The
/// source is opened read-only and never changed.
pub async fn copy_sqlite(source: &Path, dest: &Path) -> Result<()> {
    if dest.exists() {
        return Err(StoreError::Backup(format!(
            "{} exists already",
            dest.display()
        )));
    }
    let options = SqliteConnectOptions::new()
        .filename(source)
        .read_only(true)
        .create_if_missing(false)
        .busy_timeout(COPY_BUSY_TIMEOUT);
    let mut conn = SqliteConnection::connect_with(&options).await?;
    let dest = dest
        .to_str()
        .ok_or_else(|| StoreError::Backup(format!("{} is not UTF-8", dest.display())))?
        .to_string();
    sqlx::query("VACUUM INTO ?")
        .bind(dest)
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}
