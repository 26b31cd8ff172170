//! `vanthu init`, `vanthu import` and `vanthu db …`: the database and the programme
//! data in it.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use vanthu::store::Store;

use super::Globals;

#[derive(Args)]
pub struct ImportArgs {
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Update agencies, people, producers and products whose id exists (default:
    /// an existing id is refused).
    #[arg(long)]
    update: bool,
}

#[derive(Subcommand)]
pub enum DbCommand {
    /// Online backup (SQLite backup API) to a new file, or into a folder of dated
    /// backups (`--dir`, the newest `--keep` kept), as the service does every day.
    Backup {
        #[arg(required_unless_present = "dir", conflicts_with = "dir")]
        file: Option<PathBuf>,
        #[arg(long)]
        dir: Option<PathBuf>,
        /// With --dir: how many backups to keep (default [backup] keep).
        #[arg(long, requires = "dir")]
        keep: Option<usize>,
    },
    /// Replace the database with a backup, after checking it (a vanthu database, a
    /// schema this binary knows, a sound register); the current one is kept beside it.
    /// Stop `vanthu serve` first.
    Restore { file: PathBuf },
}

/// Creates the database and prints its path.
pub fn init(globals: &Globals) -> anyhow::Result<()> {
    let store = Store::init(&globals.db_path())?;
    println!("đã tạo {}", store.path().display());
    Ok(())
}

/// Imports each file, all or nothing per file, and prints what it added or changed.
pub fn import(globals: &Globals, args: ImportArgs) -> anyhow::Result<()> {
    let mut store = globals.store()?;
    let mode = if args.update {
        vanthu::data::Mode::Update
    } else {
        vanthu::data::Mode::Add
    };
    for f in args.files {
        let report = vanthu::data::import_file_as(&mut store, &f, mode)?;
        println!("{}: {report}", f.display());
    }
    Ok(())
}

pub fn run(globals: &Globals, command: DbCommand) -> anyhow::Result<()> {
    match command {
        DbCommand::Backup {
            file: Some(file), ..
        } => {
            globals.store()?.backup(&file)?;
            println!("đã sao lưu vào {}", file.display());
        }
        DbCommand::Backup { dir, keep, .. } => {
            let dir = dir.expect("clap: a file or --dir");
            let keep = match keep {
                Some(k) => k,
                None => globals.config()?.backup.keep,
            };
            anyhow::ensure!(keep > 0, "--keep: phải giữ ít nhất 1 bản sao lưu");
            let taken =
                vanthu::store::backups::take(&globals.store()?, &dir, keep, chrono::Utc::now())?;
            println!("đã sao lưu vào {}", taken.file.display());
            for old in taken.removed {
                println!("đã xóa bản cũ {}", old.display());
            }
        }
        DbCommand::Restore { file } => {
            let db = globals.db_path();
            let r = vanthu::store::restore::restore(&db, &file)?;
            println!(
                "đã khôi phục {} từ {} ({} văn bản trong sổ)",
                db.display(),
                file.display(),
                r.documents
            );
            if let Some(previous) = r.previous {
                println!("cơ sở dữ liệu trước đó được giữ ở {}", previous.display());
            }
        }
    }
    Ok(())
}
