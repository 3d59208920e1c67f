//! `bourse serve`, `bourse user add`, `bourse rebuild-read-models`, `bourse backup` and
//! `bourse restore`: the commands that need the configuration and an async runtime.

use crate::cli::{ConfigArgs, ServeArgs, UserAddArgs};
use crate::config::{Config, absolute};
use anyhow::Context;
use bourse_journal::{DataDir, DirLock};
use bourse_store::{NewUser, Role, Store};
use std::collections::BTreeMap;
use std::process::ExitCode;

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("bourse-api")
        .build()
        .context("starting the async runtime")
}

/// The configuration from a file, the environment and flags.
pub fn load(args: &ConfigArgs, more: &[(&str, String)]) -> anyhow::Result<Config> {
    let env: BTreeMap<String, String> = std::env::vars().collect();
    let mut flags: Vec<(&str, String)> = more.to_vec();
    if let Some(dir) = &args.data_dir {
        flags.push(("data.dir", dir.display().to_string()));
    }
    if let Some(profile) = &args.profile {
        flags.push(("profile", profile.clone()));
    }
    Config::load(args.config.as_deref(), &env, &flags)
}

/// The configuration of `serve`: the common layers and `--addr`.
pub fn serve_config(args: &ServeArgs) -> anyhow::Result<Config> {
    let mut flags = Vec::new();
    if let Some(addr) = &args.addr {
        flags.push(("server.addr", addr.clone()));
    }
    load(&args.config, &flags)
}

pub async fn serve(config: Config) -> anyhow::Result<ExitCode> {
    let running = crate::serve::start(config).await?;
    println!("Bourse is listening on http://{}", running.addr);
    if crate::web::dashboard_embedded() {
        println!("Dashboard: http://{}/", running.addr);
    }
    println!("API docs: http://{}/api/v1/docs", running.addr);
    running.wait().await?;
    Ok(ExitCode::SUCCESS)
}

async fn store(config: &Config) -> anyhow::Result<Store> {
    let schema =
        (!config.data.database_schema.is_empty()).then_some(config.data.database_schema.as_str());
    std::fs::create_dir_all(absolute(&config.data.dir)).context("creating the data directory")?;
    Store::connect(&config.database_url(), schema)
        .await
        .context("connecting to the database")
}

pub async fn add(args: &UserAddArgs) -> anyhow::Result<ExitCode> {
    let config = load(&args.config, &[])?;
    let role = Role::parse(&args.role).context("--role is admin, trader, compliance or auditor")?;
    bourse_api::auth::check_username(&args.username)
        .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    let (password, generated) = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("reading the password")?;
        (line.trim_end_matches(['\r', '\n']).to_string(), false)
    } else {
        (bourse_api::auth::random_password(), true)
    };
    bourse_api::auth::check_password(&password).map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    let hash = bourse_api::auth::hash_password(&password)
        .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    let store = store(&config).await?;
    let user = store
        .create_user(NewUser {
            username: &args.username,
            password_hash: &hash,
            role,
            created_at: bourse_api::state::now_nanos(),
        })
        .await
        .map_err(|e| match e {
            bourse_store::StoreError::UsernameTaken => {
                anyhow::anyhow!("the username {:?} is taken", args.username)
            }
            other => other.into(),
        })?;
    println!(
        "created user {} ({}) with id {}",
        user.username,
        role.as_str(),
        user.id
    );
    if generated {
        println!("password: {password}");
        println!("It is shown only this once.");
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn rebuild(args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let config = load(args, &[])?;
    let dir = DataDir::new(absolute(&config.data.dir));
    let _lock =
        DirLock::acquire(&dir).context("the data directory is in use (stop the venue first)")?;
    let store = store(&config).await?;
    store.reset_read_models().await?;
    println!("read models emptied; the next `bourse serve` rebuilds them from the journal");
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn backup(args: &crate::cli::BackupArgs) -> anyhow::Result<ExitCode> {
    let config = load(&args.config, &[])?;
    let report = crate::backup::backup(&config, &args.dir).await?;
    let m = &report.manifest;
    println!(
        "Backed up to {}: up to command {} (state hash {}), {} files, read models: {}",
        report.dir.display(),
        m.seq,
        m.state_hash,
        m.files.len(),
        m.read_models
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(args: &crate::cli::BackupArgs) -> anyhow::Result<ExitCode> {
    let config = load(&args.config, &[])?;
    let manifest = crate::backup::restore(&config, &args.dir).await?;
    println!(
        "Restored {} into {}: command {} with state hash {}, as the manifest says",
        args.dir.display(),
        absolute(&config.data.dir).display(),
        manifest.seq,
        manifest.state_hash
    );
    Ok(ExitCode::SUCCESS)
}
