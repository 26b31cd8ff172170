//! Backups kept in a folder: `vanthu-<UTC time>.db`, each an online copy checked as it
//! is written, the newest `keep` kept and older ones of that name removed (no other
//! file of the folder is touched). `vanthu db backup --dir` takes one; `vanthu serve`
//! takes one every day at `[backup] at`.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::{Store, StoreError};

/// What one backup did.
#[derive(Debug, Clone, PartialEq)]
pub struct Taken {
    pub file: PathBuf,
    /// The older backups removed to keep `keep`.
    pub removed: Vec<PathBuf>,
}

const PREFIX: &str = "vanthu-";
const SUFFIX: &str = ".db";

/// The name of a backup taken at `at`: `vanthu-20261206-214400-123.db` (UTC, to the
/// millisecond, so names sort as times).
fn name_at(at: DateTime<Utc>) -> String {
    format!("{PREFIX}{}{SUFFIX}", at.format("%Y%m%d-%H%M%S-%3f"))
}

/// Whether `name` is one of these backups' names.
fn is_backup(name: &str) -> bool {
    name.strip_prefix(PREFIX)
        .and_then(|rest| rest.strip_suffix(SUFFIX))
        .is_some_and(|stamp| {
            stamp.len() == 19
                && stamp.chars().enumerate().all(|(i, c)| {
                    if i == 8 || i == 15 {
                        c == '-'
                    } else {
                        c.is_ascii_digit()
                    }
                })
        })
}

/// Backs `store` up into `dir` (made when missing) as of `at`, then keeps the `keep`
/// newest backups there (at least one: the one just taken).
pub fn take(
    store: &Store,
    dir: &Path,
    keep: usize,
    at: DateTime<Utc>,
) -> Result<Taken, StoreError> {
    let io = |e| StoreError::Io(dir.to_path_buf(), e);
    std::fs::create_dir_all(dir).map_err(io)?;
    let file = dir.join(name_at(at));
    store.backup(&file)?;
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| is_backup(n))
        .collect();
    names.sort();
    let surplus = names.len().saturating_sub(keep.max(1));
    let mut removed = vec![];
    for old in names.into_iter().take(surplus) {
        let path = dir.join(old);
        std::fs::remove_file(&path).map_err(io)?;
        removed.push(path);
    }
    Ok(Taken { file, removed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_of_this_shape_are_backups() {
        let at = DateTime::parse_from_rfc3339("2026-12-06T21:44:00.123Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(name_at(at), "vanthu-20261206-214400-123.db");
        assert!(is_backup(&name_at(at)));
        for other in [
            "vanthu.db",
            "vanthu-2026.db",
            "vanthu-20261206-214400-123.db.bak",
            "ghi-chu.txt",
        ] {
            assert!(!is_backup(other), "{other}");
        }
    }
}
