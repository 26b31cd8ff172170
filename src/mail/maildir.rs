//! A Maildir as vanthu reads one (the bounce mailbox, the agency's incoming mailbox):
//! the messages waiting in `new/`, and each filed in `cur/` once handled, flagged seen
//! or left unread for a person. A message stays in `new/` until it is filed, so a
//! reader that dies half-way reads it again next time.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// A Maildir path that could not be read or written, and why.
pub type Failure = (PathBuf, std::io::Error);

/// The names of the messages in `dir/new`, in order (none when there is no `new/`).
pub fn new_messages(dir: &Path) -> Result<Vec<OsString>, Failure> {
    let new = dir.join("new");
    let mut names: Vec<_> = match std::fs::read_dir(&new) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.file_name())
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err((new, e)),
    };
    names.sort();
    Ok(names)
}

/// Moves message `name` from `new/` to `cur/`, flagged seen or left unread.
pub fn file_away(dir: &Path, name: &OsString, seen: bool) -> Result<(), Failure> {
    let cur = dir.join("cur");
    std::fs::create_dir_all(&cur).map_err(|e| (cur.clone(), e))?;
    let from = dir.join("new").join(name);
    let mut target = name.clone();
    target.push(if seen { ":2,S" } else { ":2," });
    std::fs::rename(&from, cur.join(target)).map_err(|e| (from, e))
}
