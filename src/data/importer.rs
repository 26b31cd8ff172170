//! The row checker of an import: ids new or known, references to rows of the database
//! or of the same file, dates, scores, e-mail addresses and images, each problem kept
//! with its row and field; and the writes in the import's transaction.

use std::path::Path;

use chrono::NaiveDate;
use rusqlite::Transaction;

use super::types::{Email, Id};
use super::{AgencyRow, ImportProblem, Mode};
use crate::model::DocDate;
use crate::store::import;

pub(super) struct Importer<'a> {
    pub(super) tx: &'a Transaction<'a>,
    pub(super) problems: Vec<ImportProblem>,
    pub(super) mode: Mode,
    /// (table, id) of the rows of this file, so an id twice in one file is refused in
    /// either mode.
    pub(super) seen: std::collections::HashSet<(&'static str, String)>,
    /// The products come from a CSV file (a producer repeats on each product's line).
    pub(super) from_csv: bool,
}

impl Importer<'_> {
    /// Reads an image named by the file (relative to `base`) as a [`Png`].
    pub(super) fn png(
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

    pub(super) fn signature_image(
        &mut self,
        row: &str,
        base: Option<&Path>,
        person: &str,
        path: &str,
    ) {
        if let Some(png) = self.png(row, "signature_image", base, path)
            && let Err(e) = crate::store::images::set_signature_image(self.tx, person.trim(), &png)
        {
            self.problem(row, "signature_image", e.to_string());
        }
    }

    pub(super) fn seal(&mut self, row: &str, base: Option<&Path>, a: &AgencyRow) {
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
    pub(super) fn wordings(&mut self, row: &str, a: &AgencyRow) {
        if a.decision_wording.is_empty() {
            return;
        }
        let cleared = import::clear_wordings(self.tx, a.id.trim());
        self.write(row, cleared);
        for w in &a.decision_wording {
            let from = self.date(row, "decision_wording.from", &w.from);
            let proposal = self.text(row, "decision_wording.proposal", &w.proposal);
            let executors = self.text(row, "decision_wording.executors", &w.executors);
            if let (Some(from), Some(proposal), Some(executors)) = (from, proposal, executors) {
                let set = import::wording(self.tx, a.id.trim(), from, &proposal, &executors);
                self.write(row, set);
            }
        }
    }

    pub(super) fn problem(&mut self, row: &str, field: &str, message: impl Into<String>) {
        self.problems.push(ImportProblem {
            row: row.to_string(),
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// Whether a row with this id exists (in the database or earlier in this file).
    pub(super) fn exists(&self, table: Table, id: &str) -> bool {
        import::exists(self.tx, table.name(), id).unwrap_or(false)
    }

    pub(super) fn id(&mut self, row: &str, field: &str, value: &str) -> Option<Id> {
        Id::parse(value)
            .map_err(|m| self.problem(row, field, m))
            .ok()
    }

    pub(super) fn new_id(&mut self, row: &str, table: Table, value: &str) -> Option<Id> {
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

    pub(super) fn reference(
        &mut self,
        row: &str,
        field: &str,
        table: Table,
        value: &str,
    ) -> Option<Id> {
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

    pub(super) fn email(&mut self, row: &str, value: &Option<String>) -> Option<Option<String>> {
        self.email_in(row, "email", value)
    }

    pub(super) fn email_in(
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

    pub(super) fn date(&mut self, row: &str, field: &str, value: &str) -> Option<NaiveDate> {
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
    pub(super) fn text(&mut self, row: &str, field: &str, value: &str) -> Option<String> {
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

    /// Whether a write of this row succeeded; a database error is the row's problem.
    pub(super) fn write(&mut self, row: &str, written: Result<(), rusqlite::Error>) -> bool {
        match written {
            Ok(()) => true,
            Err(e) => {
                self.problem(row, "(cơ sở dữ liệu)", e.to_string());
                false
            }
        }
    }
}

#[derive(Clone, Copy)]
pub(super) enum Table {
    Agencies,
    People,
    Groups,
    Programmes,
    Producers,
    Products,
    Milestones,
}

impl Table {
    pub(super) fn name(self) -> &'static str {
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

    pub(super) fn what(self) -> &'static str {
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

pub(super) const LEVELS: &[&str] = &[
    "national",
    "province",
    "district",
    "commune",
    "department",
    "office",
    "other",
];
pub(super) const PRODUCER_KINDS: &[&str] = &["enterprise", "cooperative", "household", "group"];
pub(super) const COUNCILS: &[&str] = &["commune", "district", "province", "national"];
