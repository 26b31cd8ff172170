//! Measuring rendered pages: word boxes, font sizes and rules read by pdfplumber
//! (`tests/layout_measure.py`), and the DOCX turned into PDF by LibreOffice, so
//! that the rules of Nghị định 30 are checked on the real files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use super::{root, run, stdout};

/// Points per millimetre.
pub const MM: f64 = 72.0 / 25.4;
/// The default profile's margins: left 30 mm, right 15 mm on A4 (595.28 pt).
pub const LEFT: f64 = 30.0 * MM;
pub const RIGHT: f64 = 595.28 - 15.0 * MM;

#[derive(Debug, Clone, Deserialize)]
pub struct Line {
    pub text: String,
    pub x0: f64,
    pub x1: f64,
    pub top: f64,
    pub bottom: f64,
    pub size: f64,
    pub bold: bool,
    pub italic: bool,
    pub words: Vec<Word>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Word {
    pub text: String,
    pub x0: f64,
    pub x1: f64,
}

impl Line {
    pub fn centre(&self) -> f64 {
        (self.x0 + self.x1) / 2.0
    }

    /// The text with no-break, figure and non-breaking-hyphen characters as plain
    /// spaces and hyphens, and runs of spaces as one.
    pub fn plain(&self) -> String {
        self.text
            .replace('\u{2011}', "-")
            .split(|c: char| c.is_whitespace())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Rule {
    pub x0: f64,
    pub x1: f64,
    pub top: f64,
}

/// Where the national title "CỘNG HÒA …" starts on `page` (its first word), the
/// right header column's text.
pub fn national_title_x0(page: &Page) -> f64 {
    page.lines
        .iter()
        .flat_map(|l| &l.words)
        .find(|w| w.text == "CỘNG")
        .expect("the national title")
        .x0
}

impl Rule {
    pub fn length(&self) -> f64 {
        self.x1 - self.x0
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Page {
    pub width: f64,
    pub height: f64,
    pub lines: Vec<Line>,
    pub rules: Vec<Rule>,
}

#[derive(Deserialize)]
struct Measured {
    pages: Vec<Page>,
}

/// The Python with pdfplumber and openpyxl: `$VANTHU_PYHANKO/python` (scripts/test
/// makes that venv), else `python3`.
pub fn python() -> PathBuf {
    match std::env::var_os("VANTHU_PYHANKO") {
        Some(dir) => PathBuf::from(dir).join("python"),
        None => PathBuf::from("python3"),
    }
}

/// Every page of `pdf`, measured.
pub fn measure(pdf: &Path) -> Vec<Page> {
    let out = stdout(
        Command::new(python())
            .arg(root().join("tests/layout_measure.py"))
            .arg(pdf),
    );
    serde_json::from_str::<Measured>(&out)
        .expect("layout_measure.py prints JSON")
        .pages
}

/// Converts every DOCX of `dir` to PDF with LibreOffice headless, into
/// `dir/libreoffice/`, and returns that folder.
pub fn libreoffice_pdfs(dir: &Path) -> PathBuf {
    let out = dir.join("libreoffice");
    let docx: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "docx"))
        .collect();
    assert!(!docx.is_empty(), "no DOCX in {}", dir.display());
    // A profile of its own, so parallel tests do not share LibreOffice's lock.
    let profile = dir.join("lo-profile");
    let o = run(Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&out)
        .args(&docx));
    assert!(
        o.status.success(),
        "soffice failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// The rows of the first sheet of an XLSX, as openpyxl reads them (None → null).
pub fn xlsx_rows(path: &Path) -> Vec<Vec<serde_json::Value>> {
    let script = "import json, sys, openpyxl\n\
                  ws = openpyxl.load_workbook(sys.argv[1]).active\n\
                  print(json.dumps([list(r) for r in ws.iter_rows(values_only=True)]))";
    let out = stdout(Command::new(python()).args(["-c", script]).arg(path));
    serde_json::from_str(&out).unwrap()
}
