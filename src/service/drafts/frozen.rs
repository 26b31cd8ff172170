//! What the signer approved, kept so that exactly that is issued (issue 37).
//!
//! A draft's document is composed from live data (who has not reported, the scores of
//! a round, the agencies' names, the wording in force). At approval its composition is
//! frozen: the letter it was made from, every stored record that letter read
//! ([`Recorded`]), its day and, for a decision, the evaluations its certificates follow;
//! with the SHA-256 of all of it, the hash the signer approved. The pages the signer and
//! the clerk see after approval, the keys asked for and the document issued all come
//! from the frozen composition; issuing adds only the number, the day and the signature
//! images.
//!
//! Before issuing, the draft is composed again from live data. If anything but the number
//! and day differs ([`changes`]: a district that reported leaves a reminder's Kính gửi,
//! a corrected score changes a decision's annex, an agency was renamed), nothing is
//! numbered: the draft goes back to its signer with what changed.

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Composition, DraftError};
use crate::letter::recorded::{Recorded, Recorder};
use crate::model::{Block, plain_text};
use crate::model::{Document, DocumentParts};
use crate::ocop::{Composed, Evaluated, OcopError};
use crate::store::Store;

/// A draft's composition as approved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frozen {
    /// The letter the document was made from.
    letter: String,
    /// Every stored record the letter read, as it was.
    lookups: Recorded,
    /// The day it is dated (ISO 8601; the register gives it at issue).
    date: String,
    /// A file stem for downloads.
    stem: String,
    /// For a decision: the certifying agency and the evaluations its certificates follow.
    decision: Option<(String, Vec<Evaluated>)>,
}

fn read(letter: &str, lookup: &dyn crate::letter::Lookup) -> Result<Document, DraftError> {
    crate::letter::parse_with(letter, Path::new("ban-da-duyet.toml"), Some(lookup))
        .map_err(|e| DraftError::Compose(OcopError::from(e)))
}

impl Frozen {
    /// Freezes composition `c`: its letter is read again, every record it reads noted.
    pub(crate) fn of(store: &Store, c: &Composition) -> Result<Frozen, DraftError> {
        let recorder = Recorder::new(store);
        let again = read(&c.composed.letter, &recorder)?;
        // The letter is the document: read twice, it is the same.
        debug_assert_eq!(again, c.composed.document);
        Ok(Frozen {
            letter: c.composed.letter.clone(),
            lookups: recorder.into_recorded(),
            date: c.date.to_string(),
            stem: c.composed.stem.clone(),
            decision: c.decision.clone(),
        })
    }

    /// Its SHA-256, hex: the hash the signer approved (of the letter, the records it
    /// read, its day and its evaluations).
    pub fn hash(&self) -> String {
        crate::store::register::sha256_hex(self.to_json().as_bytes())
    }

    /// As stored beside the draft.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a frozen composition serializes")
    }

    /// From what was stored (None: not a frozen composition).
    pub fn from_json(json: &str) -> Option<Frozen> {
        serde_json::from_str(json).ok()
    }

    /// The composition again, exactly as approved (the records replayed, not read).
    pub(crate) fn composition(&self) -> Result<Composition, DraftError> {
        let document = read(&self.letter, &self.lookups)?;
        let date = NaiveDate::parse_from_str(&self.date, "%Y-%m-%d").map_err(|_| {
            DraftError::Invalid(vec![crate::service::forms::FieldError {
                field: "date".into(),
                message: format!("ngày đã duyệt \"{}\" không đọc được", self.date),
            }])
        })?;
        Ok(Composition {
            composed: Composed {
                document,
                letter: self.letter.clone(),
                stem: self.stem.clone(),
            },
            date,
            decision: self.decision.clone(),
        })
    }
}

/// A short form of a hash for people: its first 12 hex digits.
pub fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// What differs between the approved composition and the one made now, in words for
/// the signer ("Kính gửi: bỏ UBND huyện Lục Nam (đã báo cáo ngày 01/11/2020)"); empty
/// when the same document would be issued. `reported` tells when an agency (by its
/// printed name) reported on the reminder's milestone, if it did.
pub(crate) fn changes(
    approved: &Composition,
    now: &Composition,
    reported: &dyn Fn(&str) -> Option<String>,
) -> Vec<String> {
    let (a, b) = (
        approved.composed.document.parts(),
        now.composed.document.parts(),
    );
    let mut out = vec![];
    let mut line = |what: &str, from: &str, to: &str| {
        if from != to {
            out.push(format!("{what}: «{from}» thành «{to}»"));
        }
    };
    line(
        "Cơ quan ban hành",
        &a.issuer.name.join(" "),
        &b.issuer.name.join(" "),
    );
    line(
        "Cơ quan chủ quản",
        a.issuer.parent.as_deref().unwrap_or(""),
        b.issuer.parent.as_deref().unwrap_or(""),
    );
    line(
        "Trích yếu",
        &a.subject.replace('\n', " "),
        &b.subject.replace('\n', " "),
    );
    line("Người ký", &signer(a), &signer(b));
    line("Căn cứ", &preamble(a), &preamble(b));
    line("Địa danh", &a.place, &b.place);
    let mut list = |what: &str, from: &[String], to: &[String]| {
        for gone in from.iter().filter(|x| !to.contains(x)) {
            match reported(gone) {
                Some(day) => out.push(format!("{what}: bỏ {gone} (đã báo cáo ngày {day})")),
                None => out.push(format!("{what}: bỏ {gone}")),
            }
        }
        for new in to.iter().filter(|x| !from.contains(x)) {
            out.push(format!("{what}: thêm {new}"));
        }
    };
    list("Kính gửi", &a.addressees, &b.addressees);
    list("Nơi nhận", &a.recipients, &b.recipients);
    text_changes(&mut out, "Nội dung", &a.body, &b.body);
    if a.annexes.len() != b.annexes.len() {
        out.push(format!(
            "Phụ lục: {} thành {} phụ lục",
            a.annexes.len(),
            b.annexes.len()
        ));
    }
    for (x, y) in a.annexes.iter().zip(&b.annexes) {
        let name = if x.title.is_empty() {
            "Phụ lục".to_string()
        } else {
            format!("Phụ lục «{}»", x.title)
        };
        if x.title != y.title {
            out.push(format!("{name}: tên thành «{}»", y.title));
        }
        text_changes(&mut out, &name, &x.body, &y.body);
    }
    // The decision's evaluations: what its certificates will record.
    let evaluations = |c: &Composition| -> Vec<(String, String)> {
        c.decision
            .iter()
            .flat_map(|(_, e)| e)
            .map(|e| {
                (
                    e.product.clone(),
                    format!("{} điểm, {}", e.score, e.outcome),
                )
            })
            .collect()
    };
    for ((product, was), (_, now)) in evaluations(approved)
        .iter()
        .zip(evaluations(now).iter())
        .filter(|(x, y)| x != y)
    {
        out.push(format!(
            "Kết quả chấm điểm {product}: «{was}» thành «{now}»"
        ));
    }
    if evaluations(approved).len() != evaluations(now).len() {
        out.push("Danh sách sản phẩm được đánh giá đã thay đổi".into());
    }
    // Anything else of the parts (kind, markings, urgency, the day's month): named.
    if out.is_empty() && a != b {
        out.push("Thể thức hoặc dấu hiệu của văn bản đã thay đổi".into());
    }
    out
}

fn signer(p: &DocumentParts) -> String {
    let s = &p.signature;
    let authority: Vec<String> = s.authority.iter().map(|a| a.text()).collect();
    format!("{} {} {}", authority.join(" "), s.title, s.name)
        .trim()
        .to_string()
}

fn preamble(p: &DocumentParts) -> String {
    p.preamble
        .as_ref()
        .map(|x| {
            let mut v = x.grounds.clone();
            v.extend(x.proposal.clone());
            v.join("; ")
        })
        .unwrap_or_default()
}

/// The lines of some blocks as read: paragraphs, headings, items, table rows.
fn lines(blocks: &[Block]) -> Vec<String> {
    let mut out = vec![];
    for b in blocks {
        match b {
            Block::Heading { runs, .. }
            | Block::Paragraph { runs }
            | Block::Bullet { runs, .. } => out.push(plain_text(runs)),
            Block::Article { number, runs } => {
                out.push(format!("Điều {number}. {}", plain_text(runs)))
            }
            Block::Numbered { label, runs } => out.push(format!("{label} {}", plain_text(runs))),
            Block::Table(t) => {
                for row in 0..t.rows() {
                    let cells: Vec<String> = t
                        .cells()
                        .iter()
                        .filter(|c| c.row == row)
                        .map(|c| plain_text(&c.runs))
                        .collect();
                    out.push(cells.join(" | "));
                }
            }
        }
    }
    out
}

/// The first line that differs between two bodies, named.
fn text_changes(out: &mut Vec<String>, what: &str, a: &[Block], b: &[Block]) {
    let (x, y) = (lines(a), lines(b));
    if x == y {
        return;
    }
    let clip = |s: &str| -> String {
        let s: String = s.chars().take(120).collect();
        s
    };
    match x.iter().zip(&y).position(|(p, q)| p != q) {
        Some(i) => out.push(format!(
            "{what}, dòng {}: «{}» thành «{}»",
            i + 1,
            clip(&x[i]),
            clip(&y[i])
        )),
        None => out.push(format!("{what}: {} thành {} dòng", x.len(), y.len())),
    }
}
