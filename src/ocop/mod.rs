//! The OCOP documents, composed from programme data and the template letters in
//! `templates/ocop/`. A template owns the wording; this module chooses the data
//! (who is late, which deadline) and fills the letter's ids and `[data]`.

use std::path::Path;

use chrono::NaiveDate;
use rusqlite::OptionalExtension;
use serde_json::json;

use crate::letter::{self, LetterError};
use crate::model::{DocDate, Document};
use crate::store::Store;

/// The reminder dispatch template (công văn đôn đốc).
const REMINDER: &str = include_str!("../../templates/ocop/reminder.toml");

/// Why an OCOP document could not be composed.
#[derive(Debug, thiserror::Error)]
pub enum OcopError {
    #[error("không có mốc thời hạn mã \"{0}\"")]
    UnknownMilestone(String),
    #[error("không có cơ quan mã \"{0}\"")]
    UnknownAgency(String),
    #[error("tất cả các đơn vị đã báo cáo mốc \"{0}\" trước ngày {1}: không cần đôn đốc")]
    NothingToRemind(String, String),
    #[error(
        "cơ quan \"{0}\" chưa có người ký trong cơ sở dữ liệu; thêm một mục [[people]] cho cơ quan này hoặc chỉ --signer"
    )]
    NoSigner(String),
    #[error(transparent)]
    Letter(#[from] LetterError),
    #[error("cơ sở dữ liệu: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// A composed document and the letter text it came from (kept by the register).
pub struct Composed {
    pub document: Document,
    pub letter: String,
    /// A file stem for drafts, e.g. `nhac-han-bg-2020-danh-gia-huyen-2020-10-23`.
    pub stem: String,
}

/// What a reminder needs: the milestone, the day it is written, and optionally who
/// writes and signs it (default: the programme's issuer and its first signer).
pub struct ReminderRequest<'a> {
    pub milestone: &'a str,
    pub date: NaiveDate,
    pub issuer: Option<&'a str>,
    pub signer: Option<&'a str>,
}

/// The agencies responsible for a milestone that have not reported by `date`
/// (reported later than `date`, or not at all), as (id, printed name).
pub fn pending_agencies(
    store: &Store,
    milestone: &str,
    date: NaiveDate,
) -> Result<Vec<(String, String)>, OcopError> {
    let mut stmt = store.conn().prepare(
        "SELECT a.id, a.short_name FROM milestone_agencies m JOIN agencies a ON a.id = m.agency_id
         WHERE m.milestone_id = ?1 AND (m.reported_on IS NULL OR m.reported_on > ?2)
         ORDER BY m.rowid",
    )?;
    let rows = stmt.query_map(rusqlite::params![milestone, date.to_string()], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Composes the công văn đôn đốc for a milestone, addressed to exactly the agencies
/// that have not reported by the request's date.
pub fn reminder(store: &Store, req: &ReminderRequest) -> Result<Composed, OcopError> {
    let conn = store.conn();
    let (what, due, programme, year, programme_issuer): (String, String, String, i64, String) =
        conn.query_row(
            "SELECT m.what, m.due_date, p.name, p.year, p.issuer_id FROM milestones m
             JOIN programmes p ON p.id = m.programme_id WHERE m.id = ?1",
            [req.milestone],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?
        .ok_or_else(|| OcopError::UnknownMilestone(req.milestone.to_string()))?;
    let due = NaiveDate::parse_from_str(&due, "%Y-%m-%d").expect("dates are stored as ISO");
    let pending = pending_agencies(store, req.milestone, req.date)?;
    if pending.is_empty() {
        return Err(OcopError::NothingToRemind(
            req.milestone.to_string(),
            DocDate::full(req.date).short_form(),
        ));
    }
    let issuer = req.issuer.unwrap_or(&programme_issuer);
    let issuer_short: String = conn
        .query_row(
            "SELECT short_name FROM agencies WHERE id = ?1",
            [issuer],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| OcopError::UnknownAgency(issuer.to_string()))?;
    let signer: String = match req.signer {
        Some(s) => s.to_string(),
        None => conn
            .query_row(
                "SELECT id FROM people WHERE agency_id = ?1 ORDER BY rowid LIMIT 1",
                [issuer],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| OcopError::NoSigner(issuer.to_string()))?,
    };

    let mut letter: toml::Table =
        toml::from_str(REMINDER).expect("the reminder template is valid TOML");
    // The archive line names the drafting unit when the agency has one: "Lưu: VT, PTNT".
    let unit = crate::letter::Lookup::agency(store, issuer).and_then(|a| a.unit);
    if let (Some(unit), Some(toml::Value::Array(recipients))) = (unit, letter.get_mut("recipients"))
    {
        for r in recipients.iter_mut() {
            if r.as_str() == Some("Lưu: VT") {
                *r = format!("Lưu: VT, {unit}").into();
            }
        }
    }
    letter.insert(
        "date".into(),
        format!("{}", req.date.format("%Y-%m")).into(),
    );
    letter.insert(
        "addressees".into(),
        pending
            .iter()
            .map(|(_, name)| toml::Value::from(name.as_str()))
            .collect::<Vec<_>>()
            .into(),
    );
    let mut issuer_table = toml::Table::new();
    issuer_table.insert("id".into(), issuer.into());
    letter.insert("issuer".into(), issuer_table.into());
    let mut signer_table = toml::Table::new();
    signer_table.insert("id".into(), signer.into());
    letter.insert("signer".into(), signer_table.into());
    let data = json!({
        "milestone": {
            "id": req.milestone,
            "what": what,
            "due": due.to_string(),
            "due_short": DocDate::full(due).short_form(),
            "days_left": (due - req.date).num_days(),
        },
        "programme": {"name": programme, "year": year},
        "issuer_short": issuer_short,
        "late": req.date > due,
        "agencies": pending.iter().map(|(_, n)| n).collect::<Vec<_>>(),
    });
    letter.insert(
        "data".into(),
        toml::Value::try_from(data).expect("reminder data has no nulls"),
    );
    let text = toml::to_string(&letter).expect("a table serializes");
    let document = letter::parse_with(
        &text,
        Path::new("templates/ocop/reminder.toml"),
        Some(store),
    )?;
    Ok(Composed {
        document,
        letter: text,
        stem: format!("nhac-han-{}-{}", req.milestone, req.date),
    })
}
