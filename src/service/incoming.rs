//! Incoming documents as an account works on them ([`crate::incoming`] does the work):
//! the văn thư receives, confirms, passes on and links reports; the account an entry
//! was passed on to records its result; every account of the agency reads its entries.
//!
//! Every use case acts for the signed-in account's own agency: an entry is named by
//! (year, Số đến) inside it, so another agency's entries cannot even be named.

use chrono::NaiveDate;
use serde::Serialize;

use super::access::{self, Denial};
use super::identity::{Action, Role, User};
use crate::incoming::handling::{Assignment, Correction};
use crate::incoming::{self, Entry, IncomingError, Receipt, Signatures, Source};
use crate::sign::keys::Trust;
use crate::store::Store;

/// Why an incoming use case did nothing.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error(transparent)]
    Denied(#[from] Denial),
    #[error(transparent)]
    Incoming(#[from] IncomingError),
    /// Every render slot is taken (checking signatures takes one).
    #[error(transparent)]
    Busy(#[from] crate::render::RenderError),
    /// An electronic copy was not made.
    #[error(transparent)]
    Copy(#[from] crate::copies::CopyError),
    /// A copy was made but its messages were not queued.
    #[error(transparent)]
    Mail(#[from] crate::mail::MailError),
}

/// One field still to check, for a page or the API.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FieldToCheck {
    /// `author`, `number_symbol`, `date`, `kind_subject`.
    pub field: &'static str,
    /// In Vietnamese.
    pub label: &'static str,
}

/// An incoming entry as the API and the pages show it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IncomingEntry {
    pub year: i32,
    /// Số đến.
    pub number: i64,
    /// When it arrived, Vietnam time, `dd/mm/yyyy HH:MM`.
    pub received: String,
    /// `upload`, `api`, `cli`, `scan`, `maildir`, `imap`.
    pub source: String,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub author: Option<String>,
    /// The stored agency that wrote it, when known.
    pub author_agency: Option<String>,
    pub number_symbol: Option<String>,
    /// `YYYY-MM-DD`.
    pub doc_date: Option<String>,
    pub kind_subject: Option<String>,
    /// `vanthu` (read exactly from vanthu's own file), `text` (from the first page's
    /// words), `none`.
    pub read_from: String,
    pub to_check: Vec<FieldToCheck>,
    /// `valid`, `invalid`, `unsigned`.
    pub signatures: &'static str,
    /// The verdict in words.
    pub signatures_words: &'static str,
    /// The verifier's reason.
    pub signature_note: String,
    /// Column 7: the unit or person it was passed on to.
    pub handler: Option<String>,
    /// The handler's account, when it has one.
    pub handler_login: Option<String>,
    /// Column 8, `YYYY-MM-DD`.
    pub passed_on: Option<String>,
    /// `YYYY-MM-DD`.
    pub deadline: Option<String>,
    /// `YYYY-MM-DD`.
    pub handled_on: Option<String>,
    pub result: Option<String>,
    /// The milestones it is its author's report on.
    pub reports: Vec<String>,
    /// Passed on with a deadline before today, not handled.
    pub overdue: bool,
    /// The entry in one line, as `vanthu incoming list` prints it.
    pub line: String,
}

impl IncomingEntry {
    /// The view of `e` as of `today`.
    pub fn of(e: &Entry, today: NaiveDate) -> IncomingEntry {
        let r = &e.row;
        IncomingEntry {
            year: r.year,
            number: r.number,
            received: r.received_at.vietnam().format("%d/%m/%Y %H:%M").to_string(),
            source: r.source.clone(),
            file_name: r.file_name.clone(),
            sha256: r.sha256.clone(),
            size: r.size,
            author: r.author.clone(),
            author_agency: r.author_agency_id.clone(),
            number_symbol: r.number_symbol.clone(),
            doc_date: r.doc_date.clone(),
            kind_subject: r.kind_subject.clone(),
            read_from: r.read_from.clone(),
            to_check: e
                .to_check
                .iter()
                .map(|f| FieldToCheck {
                    field: f.code(),
                    label: f.label(),
                })
                .collect(),
            signatures: e.signatures.code(),
            signatures_words: e.signatures.words(),
            signature_note: r.signature_note.clone(),
            handler: r.handler.clone(),
            handler_login: r.handler_login.clone(),
            passed_on: r.passed_on.clone(),
            deadline: r.deadline.clone(),
            handled_on: r.handled_on.clone(),
            result: r.result.clone(),
            reports: e.reports.clone(),
            overdue: e.overdue_on(today),
            line: e.line(),
        }
    }

    /// Whether the signatures were anything but valid.
    pub fn flagged(&self) -> bool {
        self.signatures != Signatures::Valid.code()
    }
}

/// What a form or the API sends to confirm an entry's fields, as typed (empty: keep
/// what was read).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ConfirmInput {
    /// The stored agency that wrote it (its id).
    pub author: String,
    pub number_symbol: String,
    /// `YYYY-MM-DD` or `dd/mm/yyyy`.
    pub date: String,
    /// Tên loại và trích yếu.
    pub subject: String,
}

impl ConfirmInput {
    /// The correction it asks for.
    pub fn parse(&self) -> Result<Correction, IncomingError> {
        let date = day(&self.date, "date", "ngày tháng văn bản")?;
        Correction::parse(
            Some(&self.author),
            Some(&self.number_symbol),
            date,
            Some(&self.subject),
        )
    }
}

/// What a form or the API sends to pass an entry on, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AssignInput {
    /// The unit or person (may be empty when `account` is given).
    pub to: String,
    /// The handler's account (a login of the agency).
    pub account: String,
    /// The handling deadline, `YYYY-MM-DD` or `dd/mm/yyyy` (empty: none).
    pub deadline: String,
    /// The day it is passed on (empty: today).
    pub on: String,
}

impl AssignInput {
    /// The assignment it asks for, passed on `today` unless it says another day.
    pub fn parse(&self, today: NaiveDate) -> Result<Assignment, IncomingError> {
        let on = day(&self.on, "on", "ngày chuyển")?.unwrap_or(today);
        let deadline = day(&self.deadline, "deadline", "hạn xử lý")?;
        Assignment::parse(&self.to, Some(self.account.as_str()), on, deadline)
    }
}

/// What a form or the API sends to record the handling result.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DoneInput {
    pub result: String,
    /// The day it was handled (empty: today).
    pub on: String,
}

impl DoneInput {
    /// (result, day).
    pub fn parse(&self, today: NaiveDate) -> Result<(String, NaiveDate), IncomingError> {
        let on = day(&self.on, "on", "ngày xử lý xong")?.unwrap_or(today);
        Ok((self.result.clone(), on))
    }
}

/// A typed day, or None when left empty.
fn day(
    text: &str,
    field: &'static str,
    label: &'static str,
) -> Result<Option<NaiveDate>, IncomingError> {
    match text.trim() {
        "" => Ok(None),
        t => super::forms::parse_date(t)
            .map(Some)
            .ok_or_else(|| IncomingError::Invalid {
                field,
                label,
                message: format!("ngày \"{t}\" không hợp lệ; hãy ghi dạng 23/10/2026"),
            }),
    }
}

/// The agency `user` registers incoming documents for: a văn thư's own.
pub(super) fn receiving(store: &Store, user: &User, target: &str) -> Result<String, Denial> {
    access::act_for(
        store,
        user,
        Action::Receive,
        user.agency(),
        "văn bản đến",
        target,
    )?;
    Ok(user.agency().unwrap_or_default().to_string())
}

/// The agency whose entries `user` reads: its own (an unlinked account or the service's
/// administrator has none).
fn reading(store: &Store, user: &User, target: &str) -> Result<String, Denial> {
    access::linked(store, user, target)?;
    user.agency().map(str::to_string).ok_or(Denial::Unlinked)
}

pub(super) fn target(year: i32, number: i64) -> String {
    format!("incoming:{year}/{number}")
}

/// A văn thư receives a file for their agency ([`incoming::receive`]); checking its
/// signatures takes one of `renderer`'s slots, so uploads in flight are bounded.
pub fn receive(
    store: &Store,
    renderer: &crate::Renderer,
    trust: &Trust,
    user: &User,
    file_name: &str,
    bytes: &[u8],
    source: Source,
) -> Result<Receipt, InboxError> {
    let agency = receiving(store, user, "incoming")?;
    let arrival = incoming::Arrival {
        agency: &agency,
        file_name,
        bytes,
        source,
        by: &user.login,
        message_id: None,
    };
    let _slot = renderer.slot()?;
    Ok(incoming::receive(store, trust, &arrival)?)
}

/// The agency's entries of `year`, by Số đến.
pub fn list(store: &Store, user: &User, year: i32) -> Result<Vec<Entry>, InboxError> {
    let agency = reading(store, user, "incoming")?;
    Ok(incoming::list(store, &agency, year)?)
}

/// Entry `number` of `year`, and its file.
pub fn file(
    store: &Store,
    user: &User,
    year: i32,
    number: i64,
) -> Result<(Entry, Vec<u8>), InboxError> {
    let agency = reading(store, user, &target(year, number))?;
    Ok(incoming::file(store, &agency, year, number)?)
}

/// Entry `number` of `year`.
pub fn one(store: &Store, user: &User, year: i32, number: i64) -> Result<Entry, InboxError> {
    let agency = reading(store, user, &target(year, number))?;
    Ok(incoming::one(store, &agency, year, number)?)
}

/// The văn thư confirms or corrects what was read.
pub fn confirm(
    store: &Store,
    user: &User,
    year: i32,
    number: i64,
    c: &Correction,
) -> Result<Entry, InboxError> {
    let agency = receiving(store, user, &target(year, number))?;
    Ok(incoming::handling::confirm(
        store,
        &agency,
        year,
        number,
        c,
        &user.login,
    )?)
}

/// The văn thư passes an entry on.
pub fn assign(
    store: &Store,
    user: &User,
    year: i32,
    number: i64,
    a: &Assignment,
) -> Result<Entry, InboxError> {
    let agency = receiving(store, user, &target(year, number))?;
    Ok(incoming::handling::assign(
        store,
        &agency,
        year,
        number,
        a,
        &user.login,
    )?)
}

/// The handler (the account it was passed on to) or a văn thư records the result.
pub fn done(
    store: &Store,
    user: &User,
    year: i32,
    number: i64,
    result: &str,
    on: NaiveDate,
) -> Result<Entry, InboxError> {
    let what = target(year, number);
    let agency = reading(store, user, &what)?;
    let entry = incoming::one(store, &agency, year, number)?;
    if entry.row.handler_login.as_deref() != Some(user.login.as_str()) {
        receiving(store, user, &what)?;
    }
    Ok(incoming::handling::done(
        store,
        &agency,
        year,
        number,
        result,
        on,
        &user.login,
    )?)
}

/// The văn thư links entry `number` as its author's report on `milestone`, or undoes
/// that link.
pub fn report(
    store: &Store,
    user: &User,
    year: i32,
    number: i64,
    milestone: &str,
    undo: bool,
) -> Result<Entry, InboxError> {
    let agency = receiving(store, user, &target(year, number))?;
    let by = &user.login;
    if undo {
        incoming::reports::unlink(store, &agency, year, number, milestone, by)?;
    } else {
        incoming::reports::link(store, &agency, year, number, milestone, by)?;
    }
    Ok(incoming::one(store, &agency, year, number)?)
}

/// The Sổ đăng ký văn bản đến of `year`: PDF, or XLSX; with its file name.
pub fn book_file(
    store: &Store,
    user: &User,
    renderer: &crate::Renderer,
    year: i32,
    xlsx: bool,
) -> Result<(Vec<u8>, String), InboxError> {
    let agency = reading(store, user, "incoming.book")?;
    let book = incoming::book::book(store, &agency, year)?;
    let name = format!("so-van-ban-den-{agency}-{year}");
    Ok(if xlsx {
        (book.xlsx()?, format!("{name}.xlsx"))
    } else {
        (book.pdf(renderer)?, format!("{name}.pdf"))
    })
}

/// What waits for `user` among the incoming documents on `day`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Waiting {
    /// Passed on to the account, not handled yet.
    pub mine: Vec<IncomingEntry>,
    /// The agency's entries past their deadline, not handled (for its leaders and
    /// văn thư).
    pub overdue: Vec<IncomingEntry>,
    /// Registered with fields still to check, or flagged signatures (for its văn thư),
    /// not passed on yet.
    pub to_check: Vec<IncomingEntry>,
}

/// What waits for `user` on `day` (nothing for an account without an agency).
pub fn waiting(store: &Store, user: &User, day: NaiveDate) -> Result<Waiting, InboxError> {
    let Some(agency) = user.agency() else {
        return Ok(Waiting::default());
    };
    let view = |v: Vec<Entry>| v.iter().map(|e| IncomingEntry::of(e, day)).collect();
    let mine = view(incoming::handling::assigned(store, agency, &user.login)?);
    let overdue = if matches!(user.role, Role::Signer | Role::Clerk) {
        view(incoming::handling::overdue(store, agency, day)?)
    } else {
        vec![]
    };
    let to_check = if user.role.may(Action::Receive) {
        let year = chrono::Datelike::year(&day);
        let mut open: Vec<Entry> = incoming::list(store, agency, year)?;
        open.retain(|e| {
            e.row.handler.is_none() && (!e.to_check.is_empty() || e.signatures != Signatures::Valid)
        });
        view(open)
    } else {
        vec![]
    };
    Ok(Waiting {
        mine,
        overdue,
        to_check,
    })
}

/// One option of a form's list: its value and what the clerk reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// What the forms of an entry's page offer: the stored agencies (its author), the
/// agency's enabled accounts (its handler), and the milestones its author still owes
/// (the report it may be).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Choices {
    pub authors: Vec<Choice>,
    pub handlers: Vec<Choice>,
    pub milestones: Vec<Choice>,
}

/// The choices of entry `e`'s forms, for a văn thư of its agency (nothing for anyone
/// else: they have no forms but the result's).
pub fn choices(store: &Store, user: &User, e: &Entry) -> Result<Choices, InboxError> {
    if !user.role.may(Action::Receive) {
        return Ok(Choices::default());
    }
    let agency = reading(store, user, &target(e.row.year, e.row.number))?;
    let conn = store.conn();
    let fail = |e: rusqlite::Error| InboxError::Incoming(IncomingError::Store(e));
    let authors = crate::store::agencies::agencies(conn)
        .map_err(fail)?
        .into_iter()
        .map(|a| Choice {
            label: a.one_line(),
            value: a.id,
        })
        .collect();
    let handlers = crate::store::accounts::accounts(conn, Some(&agency))
        .map_err(fail)?
        .into_iter()
        .filter(|a| !a.user.disabled)
        .map(|a| Choice {
            label: format!("{} ({})", a.user.name, a.user.login),
            value: a.user.login,
        })
        .collect();
    let milestones = match &e.row.author_agency_id {
        Some(author) => crate::store::milestones::owed_by(conn, author)
            .map_err(fail)?
            .into_iter()
            .map(|(id, what)| Choice {
                label: format!("{id}: {what}"),
                value: id,
            })
            .collect(),
        None => vec![],
    };
    Ok(Choices {
        authors,
        handlers,
        milestones,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: IncomingError) -> &'static str {
        match e {
            IncomingError::Invalid { field, .. } => field,
            other => panic!("not a field's problem: {other}"),
        }
    }

    #[test]
    fn forms_parse_into_assignments_or_name_the_field_at_fault() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let input = |to: &str, account: &str, deadline: &str, on: &str| AssignInput {
            to: to.into(),
            account: account.into(),
            deadline: deadline.into(),
            on: on.into(),
        };
        // An account alone is enough; the day passed on defaults to today.
        let a = input("", "cv", "20/12/2026", "").parse(today).unwrap();
        assert_eq!(a.account.as_deref(), Some("cv"));
        assert_eq!(a.on, today);
        assert_eq!(a.deadline, NaiveDate::from_ymd_opt(2026, 12, 20));
        let a = input("Phòng Kinh tế", "", "", "2026-12-01")
            .parse(today)
            .unwrap();
        assert_eq!((a.to.as_str(), a.account), ("Phòng Kinh tế", None));
        assert_eq!(a.deadline, None);

        let e = |i: AssignInput| field_of(i.parse(today).unwrap_err());
        assert_eq!(e(input("", "", "", "")), "to");
        assert_eq!(e(input("Phòng KT", "", "31/02/2026", "")), "deadline");
        assert_eq!(e(input("Phòng KT", "", "", "hôm qua")), "on");
        assert_eq!(
            e(input("Phòng KT", "", "01/12/2026", "05/12/2026")),
            "deadline"
        );
        assert_eq!(e(input("Phòng\u{202E}KT", "", "", "")), "to");

        let done = DoneInput {
            result: "Đã trả lời".into(),
            on: "".into(),
        };
        assert_eq!(
            done.parse(today).unwrap(),
            ("Đã trả lời".to_string(), today)
        );

        let c = ConfirmInput {
            date: "02/01/2026".into(),
            subject: "  ".into(),
            ..ConfirmInput::default()
        }
        .parse()
        .unwrap();
        assert_eq!(c.date, NaiveDate::from_ymd_opt(2026, 1, 2));
        assert!(c.kind_subject.is_none() && c.author_agency.is_none());
        let bad = ConfirmInput {
            number_symbol: "12/\u{200B}UBND".into(),
            ..ConfirmInput::default()
        };
        assert_eq!(field_of(bad.parse().unwrap_err()), "number_symbol");
    }
}
