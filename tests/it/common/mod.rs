//! Helpers shared by the integration tests: running the real `vanthu` binary and the
//! real consumers of its files (poppler, qpdf, python-docx, LibreOffice).
#![allow(dead_code)]

pub mod cases;
pub mod layout;
pub mod mail;
pub mod png;
pub mod server;
pub mod sign;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn vanthu() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vanthu"))
}

/// Runs a command and returns its output; a missing tool is a failed test, with the fix.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| {
        panic!(
            "could not run {:?}: {e}. Run scripts/test, which installs poppler-utils, qpdf, python3-docx and LibreOffice.",
            cmd.get_program()
        )
    })
}

/// Everything a finished command printed, stdout then stderr.
pub fn printed(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs a command that must succeed and returns what it printed; a failure shows both
/// its outputs.
pub fn stdout(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{:?} failed:\n{}\n{}",
        cmd,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The letters that rebuild the seeds, sorted.
pub fn seed_letters() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("letters"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

/// All seed letters rendered once (both formats) by the CLI into a folder that lives
/// for the whole test binary.
pub fn rendered() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = root()
            .join("target")
            .join("test-output")
            .join(format!("seeds-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out = stdout(
            vanthu()
                .arg("render")
                .args(seed_letters())
                .arg("--out")
                .arg(&dir),
        );
        assert_eq!(out.lines().count(), 10, "{out}");
        dir
    })
}

/// Text of a PDF as pdftotext prints it, with no-break spaces as spaces and runs of
/// spaces collapsed: the lines of its reading-order mode, then those of `-layout`
/// (which keeps a draft's "Số:      /UBND-NN" on one physical line, where the
/// reading-order mode splits at the hand-fill blank).
pub fn pdf_lines(pdf: &Path) -> Vec<String> {
    let mut lines: Vec<String> = stdout(Command::new("pdftotext").arg(pdf).arg("-"))
        .lines()
        .map(normalize)
        .collect();
    lines.extend(
        stdout(Command::new("pdftotext").arg("-layout").arg(pdf).arg("-"))
            .lines()
            .map(normalize),
    );
    lines
}

pub fn normalize(s: &str) -> String {
    s.replace('\u{a0}', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Asserts that every expected line is printed whole (at word boundaries) on a line
/// of the PDF.
pub fn assert_lines(lines: &[String], expected: &[&str], what: &str) {
    for e in expected {
        let needle = format!(" {e} ");
        assert!(
            lines.iter().any(|l| format!(" {l} ").contains(&needle)),
            "{what}: line {e:?} not found in:\n{}",
            lines.join("\n")
        );
    }
}

/// Writes a letter file into a fresh temporary folder and returns (folder, path).
pub fn letter_file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// A small valid letter; tests replace parts of it.
pub const MINIMAL: &str = r#"kind = "công văn"
number = 12
date = "2021-02-05"
subject = "V/v thử nghiệm"
addressees = ["UBND các huyện"]
recipients = ["Như trên", "Lưu: VT, KT"]
body = """
Nội dung công văn.
"""

[issuer]
name = ["Ủy ban nhân dân", "tỉnh Quảng Bình"]
abbreviation = "UBND"
unit = "KT"
place = "Quảng Bình"

[signer]
title = "CHỦ TỊCH"
name = "Trần Văn A"
"#;

/// A fresh database in `dir` with the repository's data `files` imported.
fn db_with(dir: &Path, files: &[&str]) -> PathBuf {
    let db = dir.join("vanthu.db");
    stdout(vanthu().arg("--db").arg(&db).arg("init"));
    stdout(
        vanthu()
            .arg("--db")
            .arg(&db)
            .arg("import")
            .args(files.iter().map(|f| root().join(f))),
    );
    db
}

/// A fresh database in `dir` holding the demo dataset (agencies, people, groups,
/// programmes, deadlines, and the Lục Nam products).
pub fn demo_db(dir: &Path) -> PathBuf {
    db_with(dir, &["data/demo.toml", "data/luc-nam-products.csv"])
}

/// A database with only the 2026 demo (data/bac-ninh-2026.toml: the two-level
/// government).
pub fn demo_2026_db(dir: &Path) -> PathBuf {
    db_with(dir, &["data/bac-ninh-2026.toml"])
}

/// `vanthu --db <db>` run in `dir`, with no SMTP server or configuration from the
/// environment (mail goes to `dir/thu-di`) and without the per-attempt log lines.
pub fn cli(dir: &Path, db: &Path) -> Command {
    let mut c = vanthu();
    c.current_dir(dir)
        .arg("--db")
        .arg(db)
        .env_remove("VANTHU_SMTP_HOST")
        .env_remove("VANTHU_CONFIG")
        .env("VANTHU_QUIET", "1");
    c
}

/// Runs in `dir` every command of the first ```sh block after the README heading
/// `section` (each line `vanthu …  # comment`, optionally `> file`; paths under
/// letters/ and data/ point into the repository), with `--db db` when given, and
/// returns each command's stdout. A failing command fails the test.
pub fn run_readme_block(section: &str, dir: &Path, db: Option<&Path>) -> Vec<String> {
    let mut outputs = vec![];
    for line in readme_block(section).lines() {
        let cmd = line.split(" #").next().unwrap();
        let (cmd, redirect) = match cmd.split_once(" > ") {
            Some((c, r)) => (c, Some(r.trim())),
            None => (cmd, None),
        };
        let args: Vec<&str> = cmd.split_whitespace().collect();
        assert_eq!(args[0], "vanthu", "{line}");
        let mut command = vanthu();
        command
            .current_dir(dir)
            .env_remove("VANTHU_DB")
            .env_remove("VANTHU_SMTP_HOST")
            .env_remove("VANTHU_CONFIG")
            .env("VANTHU_QUIET", "1");
        if let Some(db) = db {
            command.arg("--db").arg(db);
        }
        let out = stdout(command.args(args[1..].iter().map(|a| {
            if a.starts_with("letters/") || a.starts_with("data/") {
                root().join(a).into_os_string()
            } else {
                a.into()
            }
        })));
        if let Some(r) = redirect {
            std::fs::write(dir.join(r), &out).unwrap();
        }
        outputs.push(out);
    }
    outputs
}

/// Every row of every table, in a stable order.
pub fn dump(db: &Path) -> String {
    dump_except(db, &[])
}

/// The same, leaving out `skip` (tables that record the attempt itself, such as the
/// audit log of a refusal) and the last use of API tokens.
pub fn dump_except(db: &Path, skip: &[&str]) -> String {
    let c = rusqlite::Connection::open(db).unwrap();
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = String::new();
    for t in tables.into_iter().filter(|t| !skip.contains(&t.as_str())) {
        // FTS shadow tables may have a single column.
        let columns = c
            .prepare(&format!("SELECT * FROM \"{t}\""))
            .unwrap()
            .column_count();
        let order = if columns > 1 { "1, 2" } else { "1" };
        // A token's last use is noted by every API call, refused or not: left out.
        let select = if t == "api_tokens" {
            "token_hash, user_id, label, created_at".to_string()
        } else {
            "*".to_string()
        };
        let mut stmt = c
            .prepare(&format!("SELECT {select} FROM \"{t}\" ORDER BY {order}"))
            .unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap();
        out.push_str(&format!("== {t}\n"));
        for row in rows {
            out.push_str(&row.unwrap());
            out.push('\n');
        }
    }
    out
}

/// The first ```sh block after `heading` in the README.
pub fn readme_block(heading: &str) -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find(heading)
        .unwrap_or_else(|| panic!("README has no {heading}"));
    let block = start + readme[start..].find("```sh\n").unwrap() + 6;
    let end = block + readme[block..].find("```").unwrap();
    readme[block..end].to_string()
}

pub fn bash(script: &str, dir: &Path, db: &Path, stdin: &str) -> String {
    use std::io::Write;
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_vanthu"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .current_dir(dir)
        .env("PATH", path)
        .env("VANTHU_DB", db)
        .env("VANTHU_QUIET", "1")
        .env_remove("VANTHU_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{script}\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// A part of a DOCX, as text.
pub fn docx_part(docx: &Path, part: &str) -> String {
    use std::io::Read;
    let file = std::fs::File::open(docx).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut s = String::new();
    zip.by_name(part)
        .unwrap_or_else(|_| panic!("{} has no {part}", docx.display()))
        .read_to_string(&mut s)
        .unwrap();
    s
}

/// The names of a DOCX's parts.
pub fn docx_parts(docx: &Path) -> Vec<String> {
    let file = std::fs::File::open(docx).unwrap();
    let zip = zip::ZipArchive::new(file).unwrap();
    zip.file_names().map(str::to_string).collect()
}

/// A field of `/proc/PID/status` in kB (`"VmRSS:"`, `"RssAnon:"` …).
pub fn status_kb(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {key} for {pid}"))
}
