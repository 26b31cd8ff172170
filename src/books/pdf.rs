//! The books as PDF, laid out by typst from `templates/layout/books.typ` (A4
//! landscape for the registers, DL for the envelopes). The data goes in as JSON and
//! every string is printed as text.

use chrono::Datelike;
use serde_json::json;

use super::{BookError, OUTGOING_COLUMNS, OutgoingBook};
use crate::Renderer;
use crate::render::pdf::Layout;

/// A register number as the book prints it: "01", "115"; dots when there is none.
pub(crate) fn number(n: Option<u32>) -> String {
    n.map(|n| format!("{n:02}")).unwrap_or_else(|| "…".into())
}

/// The outgoing register book: cover, first page, then the 10-column table with its
/// headings repeated on every page.
pub fn outgoing(renderer: &Renderer, book: &OutgoingBook) -> Result<Vec<u8>, BookError> {
    let today = crate::store::register::today_vn();
    let rows: Vec<_> = book
        .rows
        .iter()
        .map(|r| {
            json!({
                "number_symbol": r.number_symbol, "date": r.date, "kind_subject": r.kind_subject,
                "signer": r.signer, "recipients": r.recipients, "archive": r.archive,
                "copies": r.copies.map(|c| c.to_string()).unwrap_or_default(),
                "sent_on": r.sent_on.clone().unwrap_or_default(), "note": r.note,
            })
        })
        .collect();
    let title = format!("Sổ đăng ký văn bản đi năm {}", book.year);
    let data = json!({
        "book": "outgoing",
        "meta": {"title": title, "author": book.keeper.name.join(" "),
                 "year": today.year(), "month": today.month(), "day": today.day()},
        "keeper": book.keeper, "year": book.year,
        "first": number(book.first), "last": number(book.last),
        "columns": OUTGOING_COLUMNS, "rows": rows,
    });
    let bytes = serde_json::to_vec(&data).expect("book data serializes");
    let ident = format!("so-di:{}:{}", book.issuer, book.year);
    let (pdf, _) = renderer.pdf_layout(
        Layout::Books,
        bytes,
        &ident,
        (today.year(), today.month(), today.day()),
    )?;
    Ok(pdf)
}

/// The postal dispatch book: cover, then the 6-column table.
pub fn postal(renderer: &Renderer, book: &super::paper::PostalBook) -> Result<Vec<u8>, BookError> {
    let today = crate::store::register::today_vn();
    let rows: Vec<_> = book
        .rows
        .iter()
        .map(|r| {
            json!({"sent_on": r.sent_on, "number_symbol": r.number_symbol, "recipient": r.recipient,
                   "envelopes": r.envelopes.to_string(), "note": r.note})
        })
        .collect();
    let data = json!({
        "book": "postal",
        "meta": {"title": format!("Sổ gửi văn bản đi bưu điện năm {}", book.year),
                 "author": book.keeper.name.join(" "),
                 "year": today.year(), "month": today.month(), "day": today.day()},
        "keeper": book.keeper, "year": book.year,
        "columns": super::paper::POSTAL_COLUMNS, "rows": rows,
    });
    compile(
        renderer,
        data,
        &format!("so-buu-dien:{}:{}", book.issuer, book.year),
    )
}

/// The envelopes of a document's paper copies: one DL page (220 × 110 mm) each.
pub fn envelopes(
    renderer: &Renderer,
    number_symbol: &str,
    envelopes: &[super::paper::Envelope],
) -> Result<Vec<u8>, BookError> {
    let today = crate::store::register::today_vn();
    let data = json!({
        "book": "envelopes",
        "meta": {"title": format!("Bì văn bản {number_symbol}"), "author": "",
                 "year": today.year(), "month": today.month(), "day": today.day()},
        "keeper": {"superior": null, "name": []},
        "envelopes": envelopes,
    });
    compile(renderer, data, &format!("bi:{number_symbol}"))
}

pub(crate) fn compile(
    renderer: &Renderer,
    data: serde_json::Value,
    ident: &str,
) -> Result<Vec<u8>, BookError> {
    let today = crate::store::register::today_vn();
    let bytes = serde_json::to_vec(&data).expect("book data serializes");
    let (pdf, _) = renderer.pdf_layout(
        Layout::Books,
        bytes,
        ident,
        (today.year(), today.month(), today.day()),
    )?;
    Ok(pdf)
}
