//! Programme data and its import.
//!
//! A dataset file is TOML or JSON with any of the sections `agencies`, `people`,
//! `groups`, `programmes`, `producers`, `products`, `evaluations`, `certificates`,
//! `milestones`; long product lists come as CSV (see [`csv_products`]). Import is all or
//! nothing: every row is checked (ids, references to rows in the database or the same
//! file, duplicates, scores, e-mail addresses, dates) inside one transaction, and any
//! problem rolls the whole file back, listing every problem with its row and field.

pub mod types;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{Months, NaiveDate};
use rusqlite::{Transaction, TransactionBehavior, params};
use serde::Deserialize;

use crate::letter::Lines;
use crate::model::{AuthorityLine, DocDate};
use crate::store::Store;
pub use types::{Email, Id, Score};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    /// The folder image paths are relative to: the imported file's folder. `None` for
    /// an upload, which cannot name files on the server (images are uploaded apart).
    #[serde(skip)]
    pub base: Option<std::path::PathBuf>,
    #[serde(default)]
    pub agencies: Vec<AgencyRow>,
    #[serde(default)]
    pub people: Vec<PersonRow>,
    #[serde(default)]
    pub groups: Vec<GroupRow>,
    #[serde(default)]
    pub programmes: Vec<ProgrammeRow>,
    #[serde(default)]
    pub producers: Vec<ProducerRow>,
    #[serde(default)]
    pub products: Vec<ProductRow>,
    #[serde(default)]
    pub evaluations: Vec<EvaluationRow>,
    #[serde(default)]
    pub certificates: Vec<CertificateRow>,
    #[serde(default)]
    pub milestones: Vec<MilestoneRow>,
    #[serde(default)]
    pub tiers: Vec<TierRow>,
    #[serde(default)]
    pub reminder_policies: Vec<ReminderPolicyRow>,
    #[serde(default)]
    pub holidays: Vec<HolidayRow>,
}

/// When a milestone's reminders fire: for one milestone, one programme, or (neither)
/// the default. A row replaces the earlier one of the same scope.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReminderPolicyRow {
    pub programme: Option<String>,
    pub milestone: Option<String>,
    /// A certifying agency: the policy of its certificate expiry notices.
    pub agency: Option<String>,
    /// Days before the due date, e.g. [14, 3].
    #[serde(default)]
    pub before: Vec<u32>,
    #[serde(default = "yes")]
    pub on_due: bool,
    /// Every this many days while overdue.
    pub overdue_every: Option<u32>,
    /// Count working days (Monday–Friday, minus `holidays`).
    #[serde(default)]
    pub working_days: bool,
    /// "draft" (a signer approves), "issue" or "send".
    #[serde(default = "draft")]
    pub auto: String,
    /// The agency that writes the reminders (default: the programme's issuer).
    pub issuer: Option<String>,
    /// Certificates: notices this many months before they expire (default [6, 3]).
    #[serde(default = "six_three")]
    pub expiry_months: Vec<u32>,
    /// Certificates: a notice on the day they expire.
    #[serde(default = "yes")]
    pub on_expiry: bool,
}

fn six_three() -> Vec<u32> {
    vec![6, 3]
}

fn yes() -> bool {
    true
}

fn draft() -> String {
    "draft".into()
}

/// A public holiday (or the first and last day of a run of them, e.g. Tết).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayRow {
    pub date: String,
    /// The last day when the holiday lasts several days.
    pub until: Option<String>,
    pub name: String,
}

/// Which stars a level of People's Committee certifies in a province. Rows given for a
/// province replace, for that province, every row of the default policy.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierRow {
    pub province: String,
    /// The first day the row applies (default: always).
    pub from: Option<String>,
    pub level: String,
    pub min_stars: i64,
    pub max_stars: i64,
}

/// How an agency's decisions name their proposer and executors from a given day
/// (`[[agencies.decision_wording]]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WordingRow {
    pub from: String,
    /// Who proposes: the decision reads "Theo đề nghị của <proposal>".
    pub proposal: String,
    /// Who executes it (Điều 3).
    pub executors: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyRow {
    pub id: String,
    pub name: Lines,
    pub parent: Option<String>,
    pub level: String,
    pub place: String,
    pub abbreviation: String,
    pub short_name: String,
    #[serde(default)]
    pub units: Vec<String>,
    pub email: Option<String>,
    /// Where replies to the agency's e-mails go (optional; default: `email`).
    pub reply_to: Option<String>,
    /// The seal's image (PNG, transparent background, red), a path relative to the
    /// imported file, and its real diameter in millimetres; both or neither.
    pub seal_image: Option<String>,
    pub seal_diameter_mm: Option<f64>,
    /// The wording of its decisions by date (People's Committees that certify).
    #[serde(default)]
    pub decision_wording: Vec<WordingRow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonRow {
    pub id: String,
    pub agency: String,
    pub name: String,
    pub title: String,
    #[serde(default)]
    pub authority: Vec<String>,
    pub email: Option<String>,
    /// Other agencies (ids) this person may sign for; a person signs for their own
    /// agency without it.
    #[serde(default)]
    pub signs_for: Vec<String>,
    /// The handwritten signature's image (PNG, transparent background, blue), a path
    /// relative to the imported file.
    pub signature_image: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupRow {
    pub id: String,
    pub name: String,
    pub members: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetLine {
    pub label: String,
    pub amount: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeRow {
    pub id: String,
    pub year: i32,
    pub issuer: String,
    pub name: String,
    pub target_products: Option<i64>,
    /// Who leads the plan's work (default "Phòng Nông nghiệp và Phát triển nông thôn").
    pub lead_unit: Option<String>,
    /// Who funds it (default "Phòng Tài chính - Kế hoạch").
    pub finance_unit: Option<String>,
    /// The local People's Committees as the plan names them (default "UBND các xã, thị trấn").
    pub local_units: Option<String>,
    #[serde(default)]
    pub budget: Vec<BudgetLine>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub address: String,
    pub commune: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductRow {
    pub id: String,
    pub producer: String,
    pub name: String,
    #[serde(default)]
    pub group: String,
    pub programme: Option<String>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationRow {
    pub product: String,
    pub round: String,
    pub date: String,
    pub score: i64,
    pub council: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateRow {
    pub product: String,
    pub decision: String,
    pub stars: i64,
    pub issued_on: String,
    pub expires_on: Option<String>,
    /// The People's Committee that certified the product (optional).
    pub issuer: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MilestoneRow {
    pub id: String,
    pub programme: String,
    pub what: String,
    pub due: String,
    pub agencies: Vec<String>,
}

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

/// The CSV layout for long product lists, one product per line (a producer repeats on
/// the lines of each of its products):
/// `producer_id,producer_name,producer_kind,address,commune,product_id,product,group,programme,note`.
pub fn csv_products(text: &str) -> Result<(Dataset, Vec<usize>), ImportProblem> {
    #[derive(Deserialize)]
    struct Line {
        producer_id: String,
        producer_name: String,
        producer_kind: String,
        address: String,
        #[serde(default)]
        commune: String,
        product_id: String,
        product: String,
        #[serde(default)]
        group: String,
        #[serde(default)]
        programme: String,
        #[serde(default)]
        note: String,
    }
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut ds = Dataset::default();
    let mut lines = vec![];
    let mut seen = HashSet::new();
    for rec in r.deserialize::<Line>() {
        let line_no = |e: &csv::Error| e.position().map(|p| p.line() as usize).unwrap_or(0);
        let l = rec.map_err(|e| ImportProblem {
            row: format!("dòng {}", line_no(&e)),
            field: "CSV".into(),
            message: format!(
                "{e}; cột cần có: producer_id,producer_name,producer_kind,address,commune,product_id,product,group,programme,note"
            ),
        })?;
        let opt = |s: String| (!s.is_empty()).then_some(s);
        if seen.insert(l.producer_id.clone()) {
            ds.producers.push(ProducerRow {
                id: l.producer_id.clone(),
                name: l.producer_name,
                kind: l.producer_kind,
                address: l.address,
                commune: opt(l.commune),
                email: None,
            });
        }
        ds.products.push(ProductRow {
            id: l.product_id,
            producer: l.producer_id,
            name: l.product,
            group: l.group,
            programme: opt(l.programme),
            note: l.note,
        });
        lines.push(lines.len() + 2);
    }
    Ok((ds, lines))
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

/// The same check over a CSV file, by line and column.
fn csv_hidden_characters(text: &str) -> Vec<ImportProblem> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut headers: Vec<String> = vec![];
    let mut out = vec![];
    for rec in r.records().flatten() {
        let line = rec.position().map_or(0, |p| p.line());
        for (i, cell) in rec.iter().enumerate() {
            if let Err(e) = crate::text::check_text(cell) {
                out.push(ImportProblem {
                    row: format!("dòng {line}"),
                    field: headers
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| format!("cột {}", i + 1)),
                    message: e.to_string(),
                });
            }
        }
        if headers.is_empty() {
            headers = rec.iter().map(String::from).collect();
        }
    }
    out
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

struct Importer<'a> {
    tx: &'a Transaction<'a>,
    problems: Vec<ImportProblem>,
    mode: Mode,
    /// (table, id) of the rows of this file, so an id twice in one file is refused in
    /// either mode.
    seen: std::collections::HashSet<(&'static str, String)>,
}

impl Importer<'_> {
    /// Reads an image named by the file (relative to `base`) as a [`Png`].
    fn png(
        &mut self,
        row: &str,
        field: &str,
        base: Option<&Path>,
        path: &str,
    ) -> Option<crate::render::image::Png> {
        let Some(base) = base else {
            self.problem(
                row,
                field,
                "tệp tải lên không ghi được đường dẫn ảnh; hãy tải ảnh lên riêng ở trang Dữ liệu",
            );
            return None;
        };
        let full = base.join(path);
        let bytes = match std::fs::read(&full) {
            Ok(b) => b,
            Err(e) => {
                self.problem(
                    row,
                    field,
                    format!("không đọc được ảnh {}: {e}", full.display()),
                );
                return None;
            }
        };
        crate::render::image::Png::parse(bytes)
            .map_err(|e| self.problem(row, field, format!("{path}: {e}")))
            .ok()
    }

    fn signature_image(&mut self, row: &str, base: Option<&Path>, person: &str, path: &str) {
        if let Some(png) = self.png(row, "signature_image", base, path)
            && let Err(e) = crate::store::images::set_signature_image(self.tx, person.trim(), &png)
        {
            self.problem(row, "signature_image", e.to_string());
        }
    }

    fn seal(&mut self, row: &str, base: Option<&Path>, a: &AgencyRow) {
        let (image, mm) = match (&a.seal_image, a.seal_diameter_mm) {
            (None, None) => return,
            (Some(i), Some(mm)) => (i, mm),
            (Some(_), None) => {
                self.problem(
                    row,
                    "seal_diameter_mm",
                    "thiếu đường kính con dấu (mm), ví dụ: seal_diameter_mm = 36",
                );
                return;
            }
            (None, Some(_)) => {
                self.problem(
                    row,
                    "seal_image",
                    "có đường kính con dấu nhưng thiếu ảnh con dấu (seal_image)",
                );
                return;
            }
        };
        let diameter = crate::render::image::SealDiameter::parse(mm)
            .map_err(|e| self.problem(row, "seal_diameter_mm", e.to_string()))
            .ok();
        let png = self.png(row, "seal_image", base, image);
        if let (Some(image), Some(diameter)) = (png, diameter)
            && let Err(e) = crate::store::images::set_seal(
                self.tx,
                a.id.trim(),
                &crate::render::image::Seal { image, diameter },
            )
        {
            self.problem(row, "seal_image", e.to_string());
        }
    }

    /// Replaces an agency's decision wordings with the rows given (none given: kept).
    fn wordings(&mut self, row: &str, a: &AgencyRow) {
        if a.decision_wording.is_empty() {
            return;
        }
        self.exec(
            row,
            "DELETE FROM decision_wordings WHERE agency_id = ?1",
            params![a.id.trim()],
        );
        for w in &a.decision_wording {
            let from = self.date(row, "decision_wording.from", &w.from);
            let proposal = self.text(row, "decision_wording.proposal", &w.proposal);
            let executors = self.text(row, "decision_wording.executors", &w.executors);
            if let (Some(from), Some(proposal), Some(executors)) = (from, proposal, executors) {
                self.exec(
                    row,
                    "INSERT INTO decision_wordings (agency_id, effective_from, proposal, executors) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (agency_id, effective_from) DO UPDATE SET proposal = excluded.proposal, executors = excluded.executors",
                    params![a.id.trim(), from.to_string(), proposal, executors],
                );
            }
        }
    }

    fn problem(&mut self, row: &str, field: &str, message: impl Into<String>) {
        self.problems.push(ImportProblem {
            row: row.to_string(),
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// Whether a row with this id exists (in the database or earlier in this file).
    fn exists(&self, table: Table, id: &str) -> bool {
        let sql = format!("SELECT 1 FROM {} WHERE id = ?1", table.name());
        self.tx
            .prepare_cached(&sql)
            .and_then(|mut s| s.exists([id]))
            .unwrap_or(false)
    }

    fn id(&mut self, row: &str, field: &str, value: &str) -> Option<Id> {
        Id::parse(value)
            .map_err(|m| self.problem(row, field, m))
            .ok()
    }

    fn new_id(&mut self, row: &str, table: Table, value: &str) -> Option<Id> {
        let id = self.id(row, "id", value)?;
        if !self.seen.insert((table.name(), id.as_str().to_string())) {
            self.problem(row, "id", format!("mã \"{id}\" có hai lần trong tệp"));
            return None;
        }
        let updatable = matches!(
            table,
            Table::Agencies | Table::People | Table::Producers | Table::Products
        );
        if self.exists(table, id.as_str()) && !(self.mode == Mode::Update && updatable) {
            let hint = match self.mode {
                Mode::Add => "; muốn sửa thì nhập ở chế độ cập nhật (--update)",
                Mode::Update => "; chế độ cập nhật chỉ sửa cơ quan, người ký, chủ thể và sản phẩm",
            };
            self.problem(
                row,
                "id",
                format!("đã có {} mã \"{id}\"{hint}", table.what()),
            );
            return None;
        }
        Some(id)
    }

    fn reference(&mut self, row: &str, field: &str, table: Table, value: &str) -> Option<Id> {
        let id = self.id(row, field, value)?;
        if !self.exists(table, id.as_str()) {
            self.problem(
                row,
                field,
                format!(
                    "không có {} mã \"{id}\" (trong cơ sở dữ liệu hay trong tệp này)",
                    table.what()
                ),
            );
            return None;
        }
        Some(id)
    }

    fn email(&mut self, row: &str, value: &Option<String>) -> Option<Option<String>> {
        self.email_in(row, "email", value)
    }

    fn email_in(
        &mut self,
        row: &str,
        field: &str,
        value: &Option<String>,
    ) -> Option<Option<String>> {
        match value {
            None => Some(None),
            Some(v) => Email::parse(v)
                .map(|e| Some(e.to_string()))
                .map_err(|m| self.problem(row, field, m))
                .ok(),
        }
    }

    fn date(&mut self, row: &str, field: &str, value: &str) -> Option<NaiveDate> {
        match DocDate::parse(value) {
            Ok(d) => d.as_naive().or_else(|| {
                self.problem(
                    row,
                    field,
                    format!("cần ngày đầy đủ, ví dụ \"2020-10-30\", không phải \"{value}\""),
                );
                None
            }),
            Err(e) => {
                self.problem(row, field, e.to_string());
                None
            }
        }
    }

    /// One line of required text (a name, a title): a [`crate::text::Line`].
    fn text(&mut self, row: &str, field: &str, value: &str) -> Option<String> {
        match crate::text::Line::parse(value) {
            Ok(v) if v.as_str().is_empty() => {
                self.problem(row, field, "không được để trống");
                None
            }
            Ok(v) => Some(v.into_string()),
            Err(e) => {
                self.problem(row, field, e.to_string());
                None
            }
        }
    }

    fn exec(&mut self, row: &str, sql: &str, p: impl rusqlite::Params) -> bool {
        match self.tx.prepare_cached(sql).and_then(|mut s| s.execute(p)) {
            Ok(_) => true,
            Err(e) => {
                self.problem(row, "(cơ sở dữ liệu)", e.to_string());
                false
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Table {
    Agencies,
    People,
    Groups,
    Programmes,
    Producers,
    Products,
    Milestones,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Agencies => "agencies",
            Table::People => "people",
            Table::Groups => "recipient_groups",
            Table::Programmes => "programmes",
            Table::Producers => "producers",
            Table::Products => "products",
            Table::Milestones => "milestones",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Table::Agencies => "cơ quan",
            Table::People => "người ký",
            Table::Groups => "nhóm nơi nhận",
            Table::Programmes => "chương trình",
            Table::Producers => "chủ thể",
            Table::Products => "sản phẩm",
            Table::Milestones => "mốc thời hạn",
        }
    }
}

const LEVELS: &[&str] = &[
    "national",
    "province",
    "district",
    "commune",
    "department",
    "office",
    "other",
];
const PRODUCER_KINDS: &[&str] = &["enterprise", "cooperative", "household", "group"];
const COUNCILS: &[&str] = &["commune", "district", "province", "national"];

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
    let tx = store
        .conn_mut()
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_problem)?;
    let mut report = ImportReport::default();
    {
        let mut im = Importer {
            tx: &tx,
            problems: vec![],
            mode,
            seen: Default::default(),
        };
        let rown = |section: &str, i: usize| match (section, csv_lines) {
            ("products", Some(l)) => format!("dòng {}", l.get(i).copied().unwrap_or(i + 2)),
            ("producers", Some(_)) => format!("chủ thể thứ {}", i + 1),
            _ => format!("{section}[{}]", i + 1),
        };

        // Agencies first without parents, so parents may come later in the file.
        for (i, a) in ds.agencies.iter().enumerate() {
            let row = rown("agencies", i);
            let id = im.new_id(&row, Table::Agencies, &a.id);
            if !LEVELS.contains(&a.level.as_str()) {
                im.problem(
                    &row,
                    "level",
                    format!(
                        "cấp \"{}\" không hợp lệ; hãy ghi một trong: {}",
                        a.level,
                        LEVELS.join(", ")
                    ),
                );
            }
            // One line of text per printed line of the name.
            let lines: Option<Vec<String>> = a
                .name
                .clone()
                .into_vec()
                .iter()
                .map(|l| im.text(&row, "name", l))
                .collect();
            let name = lines.map(|l| l.join("\n"));
            let place = im.text(&row, "place", &a.place);
            let abbr = im.text(&row, "abbreviation", &a.abbreviation);
            let short = im.text(&row, "short_name", &a.short_name);
            let email = im.email(&row, &a.email);
            let reply_to = im.email_in(&row, "reply_to", &a.reply_to);
            if let (Some(id), Some(name), Some(place), Some(abbr), Some(short), Some(email), Some(reply_to)) =
                (id, name, place, abbr, short, email, reply_to)
                && im.exec(
                    &row,
                    "INSERT INTO agencies (id, name, level, place, abbreviation, short_name, units, email, reply_to) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, level = excluded.level, place = excluded.place,
                       abbreviation = excluded.abbreviation, short_name = excluded.short_name, units = excluded.units,
                       email = excluded.email, reply_to = excluded.reply_to",
                    params![id.as_str(), name, a.level, place, abbr.to_uppercase(), short, a.units.join(","), email, reply_to],
                )
            {
                report.agencies += 1;
                im.seal(&row, ds.base.as_deref(), a);
                im.wordings(&row, a);
            }
        }
        for (i, a) in ds.agencies.iter().enumerate() {
            if let Some(parent) = &a.parent {
                let row = rown("agencies", i);
                if let Some(p) = im.reference(&row, "parent", Table::Agencies, parent) {
                    im.exec(
                        &row,
                        "UPDATE agencies SET parent_id = ?1 WHERE id = ?2",
                        params![p.as_str(), a.id.trim()],
                    );
                }
            }
        }
        for (i, p) in ds.people.iter().enumerate() {
            let row = rown("people", i);
            let id = im.new_id(&row, Table::People, &p.id);
            let agency = im.reference(&row, "agency", Table::Agencies, &p.agency);
            let name = im.text(&row, "name", &p.name);
            let title = im.text(&row, "title", &p.title);
            let email = im.email(&row, &p.email);
            let signs_for: Vec<Option<Id>> = p
                .signs_for
                .iter()
                .map(|a| im.reference(&row, "signs_for", Table::Agencies, a))
                .collect();
            let signs_for: Option<Vec<String>> = signs_for
                .into_iter()
                .map(|a| a.map(|a| a.as_str().to_string()))
                .collect();
            for a in &p.authority {
                if AuthorityLine::parse(a).is_none() {
                    im.problem(
                        &row,
                        "authority",
                        format!(
                            "\"{a}\" không phải thể thức ký (TM., KT., TL., TUQ., Q. + chức danh)"
                        ),
                    );
                }
            }
            if let (Some(id), Some(agency), Some(name), Some(title), Some(email), Some(signs_for)) =
                (id, agency, name, title, email, signs_for)
                && im.exec(
                    &row,
                    "INSERT INTO people (id, agency_id, name, title, authority, email, signs_for) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (id) DO UPDATE SET agency_id = excluded.agency_id, name = excluded.name,
                       title = excluded.title, authority = excluded.authority, email = excluded.email,
                       signs_for = excluded.signs_for",
                    params![id.as_str(), agency.as_str(), name, title, p.authority.join("\n"), email, signs_for.join(",")],
                )
            {
                report.people += 1;
                if let Some(image) = &p.signature_image {
                    im.signature_image(&row, ds.base.as_deref(), &p.id, image);
                }
            }
        }
        for (i, g) in ds.groups.iter().enumerate() {
            let row = rown("groups", i);
            let id = im.new_id(&row, Table::Groups, &g.id);
            let name = im.text(&row, "name", &g.name);
            let members: Vec<Option<Id>> = g
                .members
                .iter()
                .map(|m| im.reference(&row, "members", Table::Agencies, m))
                .collect();
            if let (Some(id), Some(name)) = (id, name)
                && im.exec(
                    &row,
                    "INSERT INTO recipient_groups (id, name) VALUES (?1, ?2)",
                    params![id.as_str(), name],
                )
            {
                for m in members.into_iter().flatten() {
                    im.exec(
                        &row,
                        "INSERT OR IGNORE INTO group_members (group_id, agency_id) VALUES (?1, ?2)",
                        params![id.as_str(), m.as_str()],
                    );
                }
                report.groups += 1;
            }
        }
        for (i, p) in ds.programmes.iter().enumerate() {
            let row = rown("programmes", i);
            let id = im.new_id(&row, Table::Programmes, &p.id);
            let issuer = im.reference(&row, "issuer", Table::Agencies, &p.issuer);
            let name = im.text(&row, "name", &p.name);
            if !(2000..=2100).contains(&p.year) {
                im.problem(&row, "year", format!("năm {} không hợp lệ", p.year));
            }
            for (k, b) in p.budget.iter().enumerate() {
                if b.amount < 0 {
                    im.problem(
                        &row,
                        &format!("budget[{}].amount", k + 1),
                        "số tiền không được âm",
                    );
                }
            }
            let mut wording = |field: &str, value: &Option<String>, default: &str| match value {
                Some(v) => im.text(&row, field, v),
                None => Some(default.to_string()),
            };
            let lead = wording(
                "lead_unit",
                &p.lead_unit,
                "Phòng Nông nghiệp và Phát triển nông thôn",
            );
            let finance = wording(
                "finance_unit",
                &p.finance_unit,
                "Phòng Tài chính - Kế hoạch",
            );
            let local = wording("local_units", &p.local_units, "UBND các xã, thị trấn");
            if let (Some(id), Some(issuer), Some(name), Some(lead), Some(finance), Some(local)) =
                (id, issuer, name, lead, finance, local)
                && im.exec(
                    &row,
                    "INSERT INTO programmes (id, year, issuer_id, name, target_products, lead_unit, finance_unit, local_units)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![id.as_str(), p.year, issuer.as_str(), name, p.target_products, lead, finance, local],
                )
            {
                for (k, b) in p.budget.iter().enumerate() {
                    im.exec(
                        &row,
                        "INSERT INTO budget_lines (programme_id, position, label, amount) VALUES (?1, ?2, ?3, ?4)",
                        params![id.as_str(), k as i64 + 1, b.label, b.amount.max(0)],
                    );
                }
                report.programmes += 1;
            }
        }
        for (i, p) in ds.producers.iter().enumerate() {
            let row = rown("producers", i);
            // A product list (CSV) repeats its producers: one already stored under the
            // same id and name is reused, a different name under that id is an error.
            if csv_lines.is_some() && im.exists(Table::Producers, p.id.trim()) {
                let stored: Option<String> = im
                    .tx
                    .query_row(
                        "SELECT name FROM producers WHERE id = ?1",
                        [p.id.trim()],
                        |r| r.get(0),
                    )
                    .ok();
                if stored.as_deref() != Some(p.name.trim()) {
                    im.problem(
                        &row,
                        "producer_name",
                        format!(
                            "chủ thể mã \"{}\" đã có với tên \"{}\", khác tên \"{}\" trong tệp",
                            p.id.trim(),
                            stored.unwrap_or_default(),
                            p.name.trim()
                        ),
                    );
                }
                continue;
            }
            let id = im.new_id(&row, Table::Producers, &p.id);
            let name = im.text(&row, "name", &p.name);
            let address = im.text(&row, "address", &p.address);
            if !PRODUCER_KINDS.contains(&p.kind.as_str()) {
                im.problem(
                    &row,
                    "kind",
                    format!(
                        "loại chủ thể \"{}\" không hợp lệ; hãy ghi một trong: {}",
                        p.kind,
                        PRODUCER_KINDS.join(", ")
                    ),
                );
            }
            let commune = match &p.commune {
                Some(c) => im.reference(&row, "commune", Table::Agencies, c).map(Some),
                None => Some(None),
            };
            let email = im.email(&row, &p.email);
            if let (Some(id), Some(name), Some(address), Some(commune), Some(email)) = (id, name, address, commune, email)
                && im.exec(
                    &row,
                    "INSERT INTO producers (id, name, kind, address, commune_id, email) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                       address = excluded.address, commune_id = excluded.commune_id, email = excluded.email",
                    params![id.as_str(), name, p.kind, address, commune.as_ref().map(Id::as_str), email],
                )
            {
                report.producers += 1;
            }
        }
        for (i, p) in ds.products.iter().enumerate() {
            let row = rown("products", i);
            let id = im.new_id(&row, Table::Products, &p.id);
            let producer = im.reference(&row, "producer", Table::Producers, &p.producer);
            let name = im.text(&row, "name", &p.name);
            let programme = match &p.programme {
                Some(c) => im
                    .reference(&row, "programme", Table::Programmes, c)
                    .map(Some),
                None => Some(None),
            };
            if let (Some(producer), Some(name)) = (&producer, &name) {
                let dup = im
                    .tx
                    .prepare_cached("SELECT 1 FROM products WHERE producer_id = ?1 AND name = ?2")
                    .and_then(|mut s| s.exists(params![producer.as_str(), name]))
                    .unwrap_or(false);
                if dup {
                    im.problem(
                        &row,
                        "name",
                        format!(
                            "chủ thể \"{producer}\" đã có sản phẩm \"{name}\" (trùng sản phẩm)"
                        ),
                    );
                    continue;
                }
            }
            if let (Some(id), Some(producer), Some(name), Some(programme)) = (id, producer, name, programme)
                && im.exec(
                    &row,
                    "INSERT INTO products (id, producer_id, name, product_group, programme_id, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (id) DO UPDATE SET producer_id = excluded.producer_id, name = excluded.name,
                       product_group = excluded.product_group, programme_id = excluded.programme_id, note = excluded.note",
                    params![id.as_str(), producer.as_str(), name, p.group.trim(), programme.as_ref().map(Id::as_str), p.note.trim()],
                )
            {
                report.products += 1;
            }
        }
        for (i, e) in ds.evaluations.iter().enumerate() {
            let row = rown("evaluations", i);
            let product = im.reference(&row, "product", Table::Products, &e.product);
            let date = im.date(&row, "date", &e.date);
            let score = Score::parse(e.score)
                .map_err(|m| im.problem(&row, "score", m))
                .ok();
            if !COUNCILS.contains(&e.council.as_str()) {
                im.problem(
                    &row,
                    "council",
                    format!(
                        "cấp hội đồng \"{}\" không hợp lệ; hãy ghi một trong: {}",
                        e.council,
                        COUNCILS.join(", ")
                    ),
                );
            }
            let round = im.text(&row, "round", &e.round);
            if let (Some(product), Some(date), Some(score), Some(round)) = (product, date, score, round)
                && im.exec(
                    &row,
                    "INSERT INTO evaluations (product_id, round, date, score, council_level) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![product.as_str(), round, date.to_string(), score.points(), e.council],
                )
            {
                report.evaluations += 1;
            }
        }
        for (i, c) in ds.certificates.iter().enumerate() {
            let row = rown("certificates", i);
            let product = im.reference(&row, "product", Table::Products, &c.product);
            let issued = im.date(&row, "issued_on", &c.issued_on);
            if !(3..=5).contains(&c.stars) {
                im.problem(
                    &row,
                    "stars",
                    format!(
                        "{} sao: chỉ sản phẩm từ 3 đến 5 sao được chứng nhận",
                        c.stars
                    ),
                );
            }
            let decision = im.text(&row, "decision", &c.decision);
            let issuer = match &c.issuer {
                Some(i) => im.reference(&row, "issuer", Table::Agencies, i).map(Some),
                None => Some(None),
            };
            let expires = match (&c.expires_on, issued) {
                (Some(e), _) => im.date(&row, "expires_on", e),
                // 36 months from the decision; chrono clamps to the month's last day.
                (None, Some(d)) => d.checked_add_months(Months::new(36)),
                (None, None) => None,
            };
            if let (Some(product), Some(issued), Some(expires), Some(decision), Some(issuer)) =
                (product, issued, expires, decision, issuer)
                && (3..=5).contains(&c.stars)
                && im.exec(
                    &row,
                    "INSERT INTO certificates (product_id, decision, stars, issued_on, expires_on, issuer_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![product.as_str(), decision, c.stars, issued.to_string(), expires.to_string(),
                            issuer.as_ref().map(|i| i.as_str())],
                )
            {
                report.certificates += 1;
            }
        }
        for (i, m) in ds.milestones.iter().enumerate() {
            let row = rown("milestones", i);
            let id = im.new_id(&row, Table::Milestones, &m.id);
            let programme = im.reference(&row, "programme", Table::Programmes, &m.programme);
            let what = im.text(&row, "what", &m.what);
            let due = im.date(&row, "due", &m.due);
            let agencies: Vec<Option<Id>> = m
                .agencies
                .iter()
                .map(|a| im.reference(&row, "agencies", Table::Agencies, a))
                .collect();
            if let (Some(id), Some(programme), Some(what), Some(due)) = (id, programme, what, due)
                && im.exec(
                    &row,
                    "INSERT INTO milestones (id, programme_id, what, due_date) VALUES (?1, ?2, ?3, ?4)",
                    params![id.as_str(), programme.as_str(), what, due.to_string()],
                )
            {
                for a in agencies.into_iter().flatten() {
                    im.exec(&row, "INSERT OR IGNORE INTO milestone_agencies (milestone_id, agency_id) VALUES (?1, ?2)", params![id.as_str(), a.as_str()]);
                }
                report.milestones += 1;
            }
        }
        for (i, t) in ds.tiers.iter().enumerate() {
            let row = rown("tiers", i);
            let province = im.reference(&row, "province", Table::Agencies, &t.province);
            if !COUNCILS.contains(&t.level.as_str()) {
                im.problem(
                    &row,
                    "level",
                    format!(
                        "cấp \"{}\" không hợp lệ; hãy ghi một trong: {}",
                        t.level,
                        COUNCILS.join(", ")
                    ),
                );
            }
            if !(3..=5).contains(&t.min_stars) || !(t.min_stars..=5).contains(&t.max_stars) {
                im.problem(
                    &row,
                    "min_stars",
                    "cần 3 ≤ min_stars ≤ max_stars ≤ 5 (chỉ sản phẩm từ 3 sao được công nhận)",
                );
            }
            let from = match &t.from {
                Some(f) => im.date(&row, "from", f).map(|d| d.to_string()),
                None => Some("0001-01-01".to_string()),
            };
            if let (Some(province), Some(from)) = (province, from)
                && im.exec(
                    &row,
                    "INSERT INTO tier_policies (province_id, effective_from, level, min_stars, max_stars) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (province_id, effective_from, level) DO UPDATE SET min_stars = excluded.min_stars, max_stars = excluded.max_stars",
                    params![province.as_str(), from, t.level, t.min_stars, t.max_stars],
                )
            {
                report.tiers += 1;
            }
        }
        for (i, p) in ds.reminder_policies.iter().enumerate() {
            let row = rown("reminder_policies", i);
            let scope = match (&p.programme, &p.milestone, &p.agency) {
                (Some(pr), None, None) => im
                    .reference(&row, "programme", Table::Programmes, pr)
                    .map(|i| i.to_string()),
                (None, Some(m), None) => im
                    .reference(&row, "milestone", Table::Milestones, m)
                    .map(|i| i.to_string()),
                (None, None, Some(a)) => im
                    .reference(&row, "agency", Table::Agencies, a)
                    .map(|i| i.to_string()),
                (None, None, None) => Some(String::new()),
                _ => {
                    im.problem(
                        &row,
                        "programme",
                        "ghi một trong programme, milestone, agency (hoặc không ghi cả ba: chính sách mặc định)",
                    );
                    None
                }
            };
            if !["draft", "issue", "send"].contains(&p.auto.as_str()) {
                im.problem(
                    &row,
                    "auto",
                    format!(
                        "\"{}\" không hợp lệ; hãy ghi draft, issue hoặc send",
                        p.auto
                    ),
                );
            }
            if p.overdue_every == Some(0) || p.before.contains(&0) {
                im.problem(
                    &row,
                    "before",
                    "số ngày phải lớn hơn 0 (ngày đến hạn: on_due = true)",
                );
            }
            let before = p
                .before
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let issuer = match &p.issuer {
                Some(i) => im
                    .reference(&row, "issuer", Table::Agencies, i)
                    .map(|i| Some(i.to_string())),
                None => Some(None),
            };
            if let (Some(scope), Some(issuer)) = (scope, issuer)
                && im.exec(
                    &row,
                    "INSERT INTO reminder_policies (scope, before_days, on_due, overdue_every, working_days, auto, issuer_id,
                        expiry_months, on_expiry)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                     ON CONFLICT (scope) DO UPDATE SET before_days = excluded.before_days, on_due = excluded.on_due,
                        overdue_every = excluded.overdue_every, working_days = excluded.working_days, auto = excluded.auto,
                        issuer_id = excluded.issuer_id, expiry_months = excluded.expiry_months, on_expiry = excluded.on_expiry",
                    params![scope, before, p.on_due, p.overdue_every, p.working_days, p.auto, issuer,
                            p.expiry_months.iter().map(u32::to_string).collect::<Vec<_>>().join(","), p.on_expiry],
                )
            {
                report.reminder_policies += 1;
            }
        }
        for (i, h) in ds.holidays.iter().enumerate() {
            let row = rown("holidays", i);
            let from = im.date(&row, "date", &h.date);
            let until = match &h.until {
                Some(u) => im.date(&row, "until", u),
                None => from,
            };
            if let (Some(from), Some(until)) = (from, until) {
                if until < from || (until - from).num_days() > 31 {
                    im.problem(
                        &row,
                        "until",
                        "ngày kết thúc phải sau ngày bắt đầu, tối đa 31 ngày",
                    );
                    continue;
                }
                for day in from.iter_days().take_while(|d| *d <= until) {
                    im.exec(
                        &row,
                        "INSERT INTO holidays (date, name) VALUES (?1, ?2) ON CONFLICT (date) DO UPDATE SET name = excluded.name",
                        params![day.to_string(), h.name],
                    );
                }
                report.holidays += 1;
            }
        }
        if !im.problems.is_empty() {
            return Err(im.problems);
        }
    }
    tx.commit().map_err(db_problem)?;
    Ok(report)
}
