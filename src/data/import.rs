//! The import: a dataset checked row by row against the database and itself inside one
//! transaction, all or nothing, with every problem named by row and field.

use std::fmt;
use std::path::{Path, PathBuf};

use super::csv::csv_hidden_characters;
use super::importer::Importer;
use super::sections;
use super::*;
use crate::store::Store;

/// One problem in an import file: where (`products[3]` or `dòng 12`), which field, what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    pub row: String,
    pub field: String,
    pub message: String,
}

/// Every problem of a rejected file; the database is unchanged.
#[derive(Debug, thiserror::Error)]
pub struct ImportError {
    pub file: PathBuf,
    pub problems: Vec<ImportProblem>,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(
                f,
                "{}: {}: {}: {}",
                self.file.display(),
                p.row,
                p.field,
                p.message
            )?;
        }
        if self.problems.len() > 1 {
            write!(
                f,
                "\n{} lỗi; chưa nhập dòng nào, cơ sở dữ liệu giữ nguyên",
                self.problems.len()
            )?;
        } else {
            write!(f, "\nchưa nhập dòng nào, cơ sở dữ liệu giữ nguyên")?;
        }
        Ok(())
    }
}

/// How many rows of each kind a file added.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub agencies: usize,
    pub people: usize,
    pub groups: usize,
    pub programmes: usize,
    pub producers: usize,
    pub products: usize,
    pub evaluations: usize,
    pub certificates: usize,
    pub milestones: usize,
    pub tiers: usize,
    pub reminder_policies: usize,
    pub holidays: usize,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = [
            (self.agencies, "cơ quan"),
            (self.people, "người ký"),
            (self.groups, "nhóm nơi nhận"),
            (self.programmes, "chương trình"),
            (self.producers, "chủ thể"),
            (self.products, "sản phẩm"),
            (self.evaluations, "lượt đánh giá"),
            (self.certificates, "giấy chứng nhận"),
            (self.milestones, "mốc thời hạn"),
            (self.tiers, "dòng phân cấp công nhận"),
            (self.reminder_policies, "chính sách nhắc hạn"),
            (self.holidays, "ngày nghỉ lễ"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        if parts.is_empty() {
            write!(f, "tệp không có dòng nào để nhập")
        } else {
            write!(f, "đã nhập: {}", parts.join(", "))
        }
    }
}

/// Reads a dataset file (.toml, .json or .csv) and imports it in one transaction.
pub fn import_file(store: &mut Store, path: &Path) -> Result<ImportReport, ImportError> {
    import_file_as(store, path, Mode::Add)
}

/// [`import_file`] in the given [`Mode`].
pub fn import_file_as(
    store: &mut Store,
    path: &Path,
    mode: Mode,
) -> Result<ImportReport, ImportError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| one_problem(path, "tệp", "tệp", format!("không đọc được: {e}")))?;
    let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
    import_text_at(store, path, &text, mode, Some(base))
}

/// A rejection with a single problem.
fn one_problem(path: &Path, row: &str, field: &str, message: String) -> ImportError {
    ImportError {
        file: path.to_path_buf(),
        problems: vec![ImportProblem {
            row: row.into(),
            field: field.into(),
            message,
        }],
    }
}

/// Imports a dataset given as text; `name` (a file name ending in .toml, .json or .csv)
/// says its format and names it in messages. Used for uploads.
pub fn import_text(
    store: &mut Store,
    name: &Path,
    text: &str,
    mode: Mode,
) -> Result<ImportReport, ImportError> {
    import_text_at(store, name, text, mode, None)
}

/// [`import_text`] with image paths relative to `base` (none: images refused).
fn import_text_at(
    store: &mut Store,
    name: &Path,
    text: &str,
    mode: Mode,
    base: Option<std::path::PathBuf>,
) -> Result<ImportReport, ImportError> {
    let path = name;
    let fail = |row: &str, field: &str, message: String| one_problem(path, row, field, message);
    let text = crate::text::nfc(text);
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (mut ds, csv_lines) = match ext.as_str() {
        "toml" => toml::from_str::<Dataset>(&text)
            .map(|d| (d, None))
            .map_err(|e| {
                let line = e
                    .span()
                    .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
                fail(
                    &line.map(|l| format!("dòng {l}")).unwrap_or_default(),
                    "TOML",
                    e.message().to_string(),
                )
            })?,
        "json" => serde_json::from_str::<Dataset>(&text)
            .map(|d| (d, None))
            .map_err(|e| fail(&format!("dòng {}", e.line()), "JSON", e.to_string()))?,
        "csv" => csv_products(&text)
            .map(|(d, l)| (d, Some(l)))
            .map_err(|p| ImportError {
                file: path.to_path_buf(),
                problems: vec![p],
            })?,
        _ => {
            return Err(fail(
                "tệp",
                "tên tệp",
                "chỉ nhập được tệp .toml, .json hoặc .csv".into(),
            ));
        }
    };
    // A file whose text holds no hidden character and no escape (`\u…` in TOML or
    // JSON) cannot have one in any value: then the value-by-value check is skipped and
    // the common file is not parsed a second time (10,000 products as CSV: 191 ms with
    // the second pass, 146 ms without).
    // (CSV has no escapes: its text alone decides.)
    let plain = if ext == "csv" {
        crate::text::check_text(&text).is_ok()
    } else {
        crate::text::plainly_clean(&text)
    };
    let hidden = match ext.as_str() {
        _ if plain => vec![],
        "toml" => toml::from_str::<serde_json::Value>(&text)
            .map(|v| hidden_characters(&v))
            .unwrap_or_default(),
        "json" => serde_json::from_str::<serde_json::Value>(&text)
            .map(|v| hidden_characters(&v))
            .unwrap_or_default(),
        _ => csv_hidden_characters(&text),
    };
    if !hidden.is_empty() {
        return Err(ImportError {
            file: path.to_path_buf(),
            problems: hidden,
        });
    }
    ds.base = base;
    import_as(store, &ds, csv_lines.as_deref(), mode).map_err(|problems| ImportError {
        file: path.to_path_buf(),
        problems,
    })
}

/// Every string of a dataset that holds a control, zero-width or bidi character (see
/// [`crate::text::hidden_characters`]), as `section[row]: field` problems. Names,
/// titles and addresses reach mail headers, pages and documents, so none of them may.
fn hidden_characters(v: &serde_json::Value) -> Vec<ImportProblem> {
    crate::text::hidden_characters(v)
        .into_iter()
        .map(|(path, e)| {
            // `agencies[1].short_name`: the row, then the field.
            let (row, field) = path.split_once('.').unwrap_or((&path, ""));
            ImportProblem {
                row: row.to_string(),
                field: field.to_string(),
                message: e.to_string(),
            }
        })
        .collect()
}

/// Whether an import may change rows that exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Only new rows; an id already in the database is a problem (the default).
    #[default]
    Add,
    /// Agencies, people, producers and products whose id exists are updated with the
    /// file's values; everything else is still added only.
    Update,
}

/// Imports a dataset in one transaction; on any problem nothing is kept.
/// `csv_lines` maps product rows to CSV line numbers for messages.
pub fn import(
    store: &mut Store,
    ds: &Dataset,
    csv_lines: Option<&[usize]>,
) -> Result<ImportReport, Vec<ImportProblem>> {
    import_as(store, ds, csv_lines, Mode::Add)
}

/// [`import`] in the given [`Mode`].
pub fn import_as(
    store: &mut Store,
    ds: &Dataset,
    csv_lines: Option<&[usize]>,
    mode: Mode,
) -> Result<ImportReport, Vec<ImportProblem>> {
    let db_problem = |e: rusqlite::Error| {
        vec![ImportProblem {
            row: "-".into(),
            field: "(cơ sở dữ liệu)".into(),
            message: e.to_string(),
        }]
    };
    let tx = store.write().map_err(db_problem)?;
    let mut report = ImportReport::default();
    {
        let mut im = Importer {
            tx: &tx,
            problems: vec![],
            mode,
            seen: Default::default(),
            from_csv: csv_lines.is_some(),
        };
        let rown = |section: &str, i: usize| match (section, csv_lines) {
            ("products", Some(l)) => format!("dòng {}", l.get(i).copied().unwrap_or(i + 2)),
            ("producers", Some(_)) => format!("chủ thể thứ {}", i + 1),
            _ => format!("{section}[{}]", i + 1),
        };

        sections::agencies(&mut im, ds, &mut report, &rown);
        sections::people(&mut im, ds, &mut report, &rown);
        sections::groups(&mut im, ds, &mut report, &rown);
        sections::programmes(&mut im, ds, &mut report, &rown);
        sections::producers(&mut im, ds, &mut report, &rown);
        sections::products(&mut im, ds, &mut report, &rown);
        sections::evaluations(&mut im, ds, &mut report, &rown);
        sections::certificates(&mut im, ds, &mut report, &rown);
        sections::milestones(&mut im, ds, &mut report, &rown);
        sections::tiers(&mut im, ds, &mut report, &rown);
        sections::reminder_policies(&mut im, ds, &mut report, &rown);
        sections::holidays(&mut im, ds, &mut report, &rown);
        if !im.problems.is_empty() {
            return Err(im.problems);
        }
    }
    tx.commit().map_err(db_problem)?;
    Ok(report)
}
