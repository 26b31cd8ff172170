//! The Sổ đăng ký văn bản đến (Phụ lục IV) of one agency and year, printed like the
//! outgoing book: a PDF (A4 landscape, cover and first page, the 10 numbered columns
//! repeated on every page) and an XLSX with the same columns.

use serde::Serialize;
use serde_json::json;

use super::{Entry, IncomingError, Signatures};
use crate::Renderer;
use crate::books::xlsx::{Cell, Sheet};
use crate::books::{Keeper, day_month_year};
use crate::store::Store;

/// The 10 column headings of the incoming register book.
pub const INCOMING_COLUMNS: [&str; 10] = [
    "Ngày đến",
    "Số đến",
    "Tác giả",
    "Số, ký hiệu",
    "Ngày tháng",
    "Tên loại và trích yếu nội dung",
    "Đơn vị hoặc người nhận",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
];

/// Column widths in characters (XLSX).
const WIDTHS: [f64; 10] = [12.0, 8.0, 24.0, 16.0, 12.0, 44.0, 20.0, 12.0, 10.0, 22.0];

/// One entry of the book: its columns (9, ký nhận, is signed on paper).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IncomingBookRow {
    /// (1) `dd/mm/yyyy`, Vietnam's day.
    pub received: String,
    /// (2)
    pub number: i64,
    /// (3)
    pub author: String,
    /// (4)
    pub number_symbol: String,
    /// (5) `dd/mm/yyyy`.
    pub date: String,
    /// (6)
    pub kind_subject: String,
    /// (7)
    pub handler: String,
    /// (8) `dd/mm/yyyy`.
    pub passed_on: String,
    /// (10) The văn thư's note, and the signatures' flag when they are not valid.
    pub note: String,
}

/// The book of one agency and year.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IncomingBook {
    pub agency: String,
    pub keeper: Keeper,
    pub year: i32,
    pub rows: Vec<IncomingBookRow>,
}

impl IncomingBookRow {
    fn of(e: &Entry) -> IncomingBookRow {
        let r = &e.row;
        let flag = match e.signatures {
            Signatures::Valid => None,
            Signatures::Invalid => Some("Chữ ký số không hợp lệ"),
            Signatures::Unsigned if r.source == "scan" => Some("Bản giấy (quét)"),
            Signatures::Unsigned => Some("Không có chữ ký số"),
        };
        let day = |d: &Option<String>| d.as_deref().map(day_month_year).unwrap_or_default();
        let deadline = r
            .deadline
            .as_ref()
            .map(|_| format!("Hạn xử lý {}", day(&r.deadline)));
        let handled = r.handled_on.as_ref().map(|_| {
            format!(
                "Đã xử lý {}: {}",
                day(&r.handled_on),
                r.result.as_deref().unwrap_or("")
            )
        });
        let note = [flag.map(str::to_string), deadline, handled, r.note.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("; ");
        IncomingBookRow {
            received: r.received_at.vietnam().format("%d/%m/%Y").to_string(),
            number: r.number,
            author: r.author.clone().unwrap_or_default(),
            number_symbol: r.number_symbol.clone().unwrap_or_default(),
            date: day(&r.doc_date),
            kind_subject: r.kind_subject.clone().unwrap_or_default(),
            handler: r.handler.clone().unwrap_or_default(),
            passed_on: day(&r.passed_on),
            note,
        }
    }
}

/// The agency's book of `year`, by Số đến.
pub fn book(store: &Store, agency: &str, year: i32) -> Result<IncomingBook, IncomingError> {
    let rows = super::list(store, agency, year)?
        .iter()
        .map(IncomingBookRow::of)
        .collect();
    Ok(IncomingBook {
        agency: agency.to_string(),
        keeper: Keeper::of(store, agency)?,
        year,
        rows,
    })
}

impl IncomingBook {
    fn first_last(&self) -> (String, String) {
        let n = |r: Option<&IncomingBookRow>| crate::books::pdf::number(r.map(|r| r.number as u32));
        (n(self.rows.first()), n(self.rows.last()))
    }

    /// The book as PDF.
    pub fn pdf(&self, renderer: &Renderer) -> Result<Vec<u8>, IncomingError> {
        let today = crate::store::register::today_vn();
        let (first, last) = self.first_last();
        let data = json!({
            "book": "incoming",
            "meta": {"title": format!("Sổ đăng ký văn bản đến năm {}", self.year),
                     "author": self.keeper.name.join(" "),
                     "year": chrono::Datelike::year(&today), "month": chrono::Datelike::month(&today),
                     "day": chrono::Datelike::day(&today)},
            "keeper": self.keeper, "year": self.year, "first": first, "last": last,
            "columns": INCOMING_COLUMNS, "rows": self.rows,
        });
        Ok(crate::books::pdf::compile(
            renderer,
            data,
            &format!("so-den:{}:{}", self.agency, self.year),
        )?)
    }

    /// The book as XLSX.
    pub fn xlsx(&self) -> Result<Vec<u8>, IncomingError> {
        let (first, last) = self.first_last();
        let text = |s: &str| Cell::Text(s.to_string());
        let rows = self
            .rows
            .iter()
            .map(|r| {
                vec![
                    text(&r.received),
                    Cell::Number(r.number as f64),
                    text(&r.author),
                    text(&r.number_symbol),
                    text(&r.date),
                    text(&r.kind_subject),
                    text(&r.handler),
                    text(&r.passed_on),
                    text(""),
                    text(&r.note),
                ]
            })
            .collect();
        Ok(crate::books::xlsx::sheet(Sheet {
            name: format!("Sổ đến {}", self.year),
            keeper: &self.keeper,
            title: "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
            subtitle: format!("Năm: {} · Từ số {first} đến số {last}", self.year),
            columns: &INCOMING_COLUMNS,
            widths: &WIDTHS,
            rows,
        })?)
    }
}
