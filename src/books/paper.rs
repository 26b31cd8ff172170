//! Paper copies ("gửi bản giấy"): the recipients of a document that get it on paper
//! (no mailbox, or every recipient of a secret document), the day each copy left and
//! in how many envelopes, the postal dispatch book (sổ gửi văn bản đi bưu điện) and
//! the envelopes (bì văn bản).

use chrono::NaiveDate;
use serde::Serialize;

use super::{BookError, Keeper, day_month_year};
use crate::mail::outbox::paper_key;
use crate::store::Store;
use crate::store::outbox;
use crate::store::register::Entry;

/// One paper recipient of a document and what the clerk recorded.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct PaperCopy {
    /// The recipient as printed ("UBND xã Lục Nam").
    pub recipient: String,
    /// Why it goes on paper (no mailbox, a secret document, …).
    pub reason: String,
    /// The day it left, `dd/mm/yyyy`, once recorded.
    pub sent_on: Option<String>,
    pub envelopes: u32,
}

/// The paper recipients of an issued document, in the order of the plan, with what was
/// recorded for each.
pub fn copies(store: &Store, entry: &Entry) -> Result<Vec<PaperCopy>, BookError> {
    let plan = crate::mail::plan(store, entry).map_err(|e| BookError::Invalid {
        field: "recipients",
        message: e.to_string(),
    })?;
    plan.paper
        .iter()
        .map(|p| {
            let recorded = outbox::paper_recorded(store.conn(), entry.id, &paper_key(&p.name))?;
            let (sent_on, envelopes) = recorded.unwrap_or((None, 1));
            Ok(PaperCopy {
                recipient: p.name.clone(),
                reason: p.reason.clone(),
                sent_on: sent_on.as_deref().map(day_month_year),
                envelopes,
            })
        })
        .collect()
}

/// Records that the paper copy for `recipient` left on the day typed as `on` in
/// `envelopes` envelopes (the delivery table then shows it; the register's "ngày
/// chuyển" fills from it).
pub fn record_sent(
    store: &Store,
    entry: &Entry,
    recipient: &str,
    on: &str,
    envelopes: u32,
) -> Result<PaperCopy, BookError> {
    let issued = NaiveDate::parse_from_str(&entry.date, "%Y-%m-%d").unwrap_or(NaiveDate::MIN);
    let on = super::sent_day(on, issued)?;
    if !(1..=99).contains(&envelopes) {
        return Err(BookError::Invalid {
            field: "envelopes",
            message: format!("số lượng bì {envelopes} không hợp lệ; hãy ghi từ 1 đến 99"),
        });
    }
    let wanted = crate::text::fold_key(recipient);
    let copy = copies(store, entry)?
        .into_iter()
        .find(|c| crate::text::fold_key(&c.recipient) == wanted)
        .ok_or_else(|| BookError::Invalid {
            field: "recipient",
            message: format!(
                "\"{recipient}\" không phải nơi nhận bản giấy của văn bản {}; xem danh sách bằng `vanthu paper list`",
                entry.number_symbol
            ),
        })?;
    let on_text = on.to_string();
    outbox::record_paper(
        store.conn(),
        entry.id,
        &outbox::PaperSent {
            recipient: &copy.recipient,
            key: &paper_key(&copy.recipient),
            reason: &copy.reason,
            on: &on_text,
            envelopes,
        },
    )?;
    Ok(PaperCopy {
        sent_on: Some(on.format("%d/%m/%Y").to_string()),
        envelopes,
        ..copy
    })
}

/// One line of the postal dispatch book: its 6 columns (5, the post office's
/// signature and stamp, is left for the paper).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PostalRow {
    /// (1) Ngày chuyển.
    pub sent_on: String,
    /// (2) Số, ký hiệu văn bản.
    pub number_symbol: String,
    /// (3) Nơi nhận văn bản.
    pub recipient: String,
    /// (4) Số lượng bì.
    pub envelopes: u32,
    /// (6) Ghi chú: the secrecy or urgency mark.
    pub note: String,
}

/// The 6 column headings of the postal dispatch book (Phụ lục IV).
pub const POSTAL_COLUMNS: [&str; 6] = [
    "Ngày chuyển",
    "Số, ký hiệu văn bản",
    "Nơi nhận văn bản",
    "Số lượng bì",
    "Ký nhận và dấu bưu điện",
    "Ghi chú",
];

/// The Sổ gửi văn bản đi bưu điện of one issuer and year: every paper copy recorded
/// as sent, by day.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PostalBook {
    pub issuer: String,
    pub keeper: Keeper,
    pub year: i32,
    pub rows: Vec<PostalRow>,
}

/// The postal dispatch book of `issuer` for `year`.
pub fn postal(store: &Store, issuer: &str, year: i32) -> Result<PostalBook, BookError> {
    if !(2000..=2100).contains(&year) {
        return Err(BookError::BadYear(year));
    }
    let keeper = Keeper::of(store, issuer)?;
    let rows = outbox::paper_sent(store.conn(), issuer, year)?
        .into_iter()
        .map(|l| PostalRow {
            note: crate::model::LetterMarks::of_letter(&l.letter)
                .labels()
                .join(", "),
            sent_on: day_month_year(&l.sent_on),
            number_symbol: l.number_symbol,
            recipient: l.recipient,
            envelopes: l.envelopes,
        })
        .collect();
    Ok(PostalBook {
        issuer: issuer.to_string(),
        keeper,
        year,
        rows,
    })
}

/// What an envelope (bì văn bản) carries.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Envelope {
    /// The sender agency's printed lines (governing body first, when it has one).
    pub sender: Vec<String>,
    /// "Số: 01/QĐ-UBND".
    pub number: String,
    pub recipient: String,
    /// The secrecy and urgency marks, printed on the envelope too.
    pub marks: Vec<&'static str>,
}

/// One envelope per paper recipient of the document (all of them for a secret one).
pub fn envelopes(store: &Store, entry: &Entry) -> Result<Vec<Envelope>, BookError> {
    let keeper = Keeper::of(store, &entry.issuer)?;
    let letter = crate::store::register::letter(store, entry.id)?;
    let marks = crate::model::LetterMarks::of_letter(&letter).labels();
    let sender: Vec<String> = keeper.superior.into_iter().chain(keeper.name).collect();
    Ok(copies(store, entry)?
        .into_iter()
        .map(|c| Envelope {
            sender: sender.clone(),
            number: format!("Số: {}", entry.number_symbol),
            recipient: c.recipient,
            marks: marks.clone(),
        })
        .collect())
}
