//! Command-line faces split out of `main.rs`, one file per command group. Each parses
//! its arguments, calls the library and prints; no logic of its own.
//!
//! - `letters`: `render`, `check` (letter files, no database needed)
//! - `db`: `init`, `import`, `db backup`
//! - `sign`: `issue` (optionally `--sign`), `verify`
//! - `register`: `register …` (list, show, verify, extend, book, postal, note)
//! - `books`: the register's books and `paper …`
//! - `ocop`: `ocop …`
//! - `mail`: `send`, `deliveries`, `bounces`, `worker`
//! - `remind`: `milestones …`, `remind …`
//! - `incoming`: `incoming …` (văn bản đến)
//! - `serve`: `serve`
//! - `user`, `doctor`

pub mod books;
pub mod db;
pub mod doctor;
pub mod incoming;
pub mod letters;
pub mod mail;
pub mod ocop;
pub mod register;
pub mod remind;
pub mod serve;
pub mod sign;
pub mod user;

use std::path::{Path, PathBuf};

use vanthu::model::DocDate;
use vanthu::store::{Store, register as reg};
use vanthu::{Format, Renderer, output};

/// What every command may need from the global flags.
pub struct Globals {
    /// `--db` as given (render and check read a database only when one is named).
    pub db: Option<PathBuf>,
    /// `--config` as given.
    pub config: Option<PathBuf>,
}

impl Globals {
    /// The database file: `--db`, or `vanthu.db` in the working folder.
    pub fn db_path(&self) -> PathBuf {
        self.db
            .clone()
            .unwrap_or_else(|| PathBuf::from("vanthu.db"))
    }

    /// Opens the database.
    pub fn store(&self) -> anyhow::Result<Store> {
        Ok(Store::open(&self.db_path())?)
    }

    /// The configuration: the file, then the environment.
    pub fn config(&self) -> anyhow::Result<vanthu::config::Config> {
        Ok(vanthu::config::Config::load(self.config.as_deref(), |k| {
            std::env::var(k).ok()
        })?)
    }

    /// The keys, trusted roots and CRLs of `[signing]`; passwords from the environment.
    pub fn keyring(&self) -> anyhow::Result<vanthu::sign::Keyring> {
        keyring_of(self.config()?.signing)
    }
}

/// The keyring of a loaded `[signing]` section; passwords from the environment.
pub fn keyring_of(
    signing: vanthu::sign::keys::SigningSettings,
) -> anyhow::Result<vanthu::sign::Keyring> {
    Ok(vanthu::sign::Keyring::new(signing, |k| {
        std::env::var(k).ok()
    })?)
}

/// `--date`: a complete date, or today in Vietnam when absent.
pub fn full_date(date: Option<String>) -> anyhow::Result<chrono::NaiveDate> {
    day_flag("--date", date)
}

/// A day given with `flag`: a complete date, or today in Vietnam when absent.
pub fn day_flag(flag: &str, date: Option<String>) -> anyhow::Result<chrono::NaiveDate> {
    match date {
        None => Ok(reg::today_vn()),
        Some(d) => DocDate::parse_day(&d).ok_or_else(|| {
            anyhow::anyhow!("{flag}: \"{d}\" không phải ngày đầy đủ (ví dụ 2021-05-17)")
        }),
    }
}

/// Issues a composed OCOP document (printing its number) or writes it as a draft.
pub fn emit(
    store: &mut Store,
    renderer: &Renderer,
    composed: &vanthu::ocop::Composed,
    date: chrono::NaiveDate,
    issue: bool,
    out: &Path,
) -> anyhow::Result<()> {
    if issue {
        let entry = reg::issue(store, renderer, &composed.document, &composed.letter, date)?;
        println!("{}", entry.number_symbol);
    } else {
        let r = renderer.render(&composed.document, &[Format::Pdf, Format::Docx])?;
        std::fs::create_dir_all(out)?;
        for (ext, bytes) in [("pdf", r.pdf), ("docx", r.docx)] {
            let p = out.join(format!("{}.{ext}", composed.stem));
            output::write_atomic(&p, &bytes.expect("both formats requested"))?;
            println!("{}", p.display());
        }
    }
    Ok(())
}

/// The runtime of the commands that deliver mail or serve: two workers, the library's
/// thread stack.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(vanthu::limits::THREAD_STACK)
        .enable_all()
        .build()?)
}

/// Ctrl-C or SIGTERM: stop taking messages, finish the ones in flight. The handlers are
/// installed when this is called (inside the runtime), before any work starts, so a
/// signal that comes early is not lost to the default action.
#[cfg(unix)]
pub fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

#[cfg(not(unix))]
pub fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
