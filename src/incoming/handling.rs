//! Confirming an incoming entry's fields, passing it on and following up its handling (Nghị định 30 Điều
//! 22, 24): the văn thư gives it to a unit or a person with a deadline (columns 7 and 8
//! of the book), the handler's result is recorded, and what is past its deadline
//! unhandled is listed for the leader.

use chrono::NaiveDate;

use super::{Entry, Field, IncomingError, audit, entry};
use crate::store::Store;
use crate::store::incoming as rows;
use crate::text::Line;

/// What the văn thư confirms or corrects of an entry's fields (None: kept as read).
#[derive(Debug, Clone, Default)]
pub struct Correction {
    /// The stored agency that wrote it (its name becomes the author).
    pub author_agency: Option<String>,
    pub number_symbol: Option<Line>,
    pub date: Option<NaiveDate>,
    pub kind_subject: Option<Line>,
}

impl Correction {
    /// Parses what the văn thư typed; an empty text keeps what was read.
    pub fn parse(
        author_agency: Option<&str>,
        number_symbol: Option<&str>,
        date: Option<NaiveDate>,
        kind_subject: Option<&str>,
    ) -> Result<Correction, IncomingError> {
        fn given(s: Option<&str>) -> Option<&str> {
            s.map(str::trim).filter(|s| !s.is_empty())
        }
        let line = |s: Option<&str>, field, label| {
            given(s)
                .map(|s| {
                    Line::parse(s).map_err(|e| IncomingError::Invalid {
                        field,
                        label,
                        message: e.to_string(),
                    })
                })
                .transpose()
        };
        Ok(Correction {
            author_agency: given(author_agency).map(str::to_string),
            number_symbol: line(number_symbol, "number_symbol", "số, ký hiệu")?,
            date,
            kind_subject: line(kind_subject, "subject", "tên loại và trích yếu")?,
        })
    }
}

/// Writes the văn thư's correction of entry `number`: each field given replaces what
/// was read and is no longer to check; with an audit row.
pub fn confirm(
    store: &Store,
    agency: &str,
    year: i32,
    number: i64,
    c: &Correction,
    by: &str,
) -> Result<Entry, IncomingError> {
    let tx = store.write()?;
    let row = entry(&tx, agency, year, number)?;
    let mut to_check = Entry::of(row.clone()).to_check;
    let author = match &c.author_agency {
        Some(id) => {
            let found = crate::store::agencies::agency(&tx, id)?
                .ok_or_else(|| IncomingError::UnknownAgency(id.clone()))?;
            to_check.retain(|f| *f != Field::Author);
            Some((found.one_line(), id.clone()))
        }
        None => row.author.clone().zip(row.author_agency_id.clone()),
    };
    let mut take = |given: bool, field: Field| {
        if given {
            to_check.retain(|f| *f != field);
        }
    };
    take(c.number_symbol.is_some(), Field::NumberSymbol);
    take(c.date.is_some(), Field::Date);
    take(c.kind_subject.is_some(), Field::KindSubject);
    let date = c.date.map(|d| d.to_string()).or(row.doc_date.clone());
    let number_symbol = c
        .number_symbol
        .as_ref()
        .map(|l| l.as_str().to_string())
        .or(row.number_symbol.clone());
    let kind_subject = c
        .kind_subject
        .as_ref()
        .map(|l| l.as_str().to_string())
        .or(row.kind_subject.clone());
    let to_check_json = serde_json::to_string(&to_check).expect("fields serialize");
    let (author_name, author_id) = match &author {
        Some((n, id)) => (Some(n.as_str()), Some(id.as_str())),
        None => (row.author.as_deref(), None),
    };
    rows::confirm(
        &tx,
        row.id,
        &rows::Confirmed {
            author: author_name,
            author_agency_id: author_id,
            number_symbol: number_symbol.as_deref(),
            doc_date: date.as_deref(),
            kind_subject: kind_subject.as_deref(),
            to_check: &to_check_json,
        },
    )?;
    audit(
        &tx,
        by,
        "incoming.confirm",
        &row,
        "xác nhận thông tin văn bản đến",
    )?;
    let updated = Entry::load(&tx, entry(&tx, agency, year, number)?)?;
    tx.commit()?;
    Ok(updated)
}

/// Whom and by when.
#[derive(Debug, Clone)]
pub struct Assignment {
    /// The unit or person ("Phòng Kinh tế", "Đ/c Hà Văn Sơn"); empty when `account`
    /// is given: the account's name is written.
    pub to: Line,
    /// The handler's account (a login of the receiving agency): the entry waits on
    /// their dashboard, and they record its result.
    pub account: Option<String>,
    /// The day it was passed on.
    pub on: NaiveDate,
    /// The handling deadline (on or after `on`).
    pub deadline: Option<NaiveDate>,
}

impl Assignment {
    /// Parses what the văn thư typed (a unit or person, an account, or both); the
    /// deadline may not come before the day it is passed on.
    pub fn parse(
        to: &str,
        account: Option<&str>,
        on: NaiveDate,
        deadline: Option<NaiveDate>,
    ) -> Result<Assignment, IncomingError> {
        let to = Line::parse(to).map_err(|e| IncomingError::Invalid {
            field: "to",
            label: "đơn vị hoặc người nhận",
            message: e.to_string(),
        })?;
        let account = account
            .map(|a| a.trim().to_lowercase())
            .filter(|a| !a.is_empty());
        if to.as_str().is_empty() && account.is_none() {
            return Err(IncomingError::Invalid {
                field: "to",
                label: "đơn vị hoặc người nhận",
                message: "hãy ghi đơn vị hoặc người xử lý".into(),
            });
        }
        if deadline.is_some_and(|d| d < on) {
            return Err(IncomingError::Invalid {
                field: "deadline",
                label: "hạn xử lý",
                message: "hạn xử lý không được trước ngày chuyển".into(),
            });
        }
        Ok(Assignment {
            to,
            account,
            on,
            deadline,
        })
    }
}

/// Passes entry `number` of `agency`'s `year` on (again: the last assignment holds),
/// with an audit row.
pub fn assign(
    store: &Store,
    agency: &str,
    year: i32,
    number: i64,
    a: &Assignment,
    by: &str,
) -> Result<Entry, IncomingError> {
    let tx = store.write()?;
    let row = entry(&tx, agency, year, number)?;
    let to = match &a.account {
        Some(login) => {
            let name = handler_account(&tx, agency, login)?;
            if a.to.as_str().is_empty() {
                name
            } else {
                a.to.as_str().to_string()
            }
        }
        None => a.to.as_str().to_string(),
    };
    let deadline = a.deadline.map(|d| d.to_string());
    rows::assign(
        &tx,
        row.id,
        &to,
        a.account.as_deref(),
        &a.on.to_string(),
        deadline.as_deref(),
    )?;
    audit(&tx, by, "incoming.assign", &row, &format!("chuyển {to}"))?;
    let updated = Entry::load(&tx, entry(&tx, agency, year, number)?)?;
    tx.commit()?;
    Ok(updated)
}

/// The name of account `login` when it is an enabled account of `agency`.
fn handler_account(
    conn: &rusqlite::Connection,
    agency: &str,
    login: &str,
) -> Result<String, IncomingError> {
    match crate::store::accounts::by_login(conn, login)? {
        Some((u, _)) if u.agency_id.as_deref() == Some(agency) && !u.disabled => Ok(u.name),
        _ => Err(IncomingError::UnknownAccount {
            login: login.to_string(),
            agency: agency.to_string(),
        }),
    }
}

/// The agency's entries passed on to account `login`, not handled yet.
pub fn assigned(store: &Store, agency: &str, login: &str) -> Result<Vec<Entry>, IncomingError> {
    rows::assigned(store.conn(), agency, login)?
        .into_iter()
        .map(|r| Ok(Entry::load(store.conn(), r)?))
        .collect()
}

/// Records that entry `number` was handled on `on` with `result`, with an audit row.
pub fn done(
    store: &Store,
    agency: &str,
    year: i32,
    number: i64,
    result: &str,
    on: NaiveDate,
    by: &str,
) -> Result<Entry, IncomingError> {
    let invalid = |message: String| IncomingError::Invalid {
        field: "result",
        label: "kết quả xử lý",
        message,
    };
    let result = Line::parse(result).map_err(|e| invalid(e.to_string()))?;
    if result.as_str().is_empty() {
        return Err(invalid(
            "hãy ghi kết quả xử lý (ví dụ: đã trả lời bằng công văn số …)".into(),
        ));
    }
    let tx = store.write()?;
    let row = entry(&tx, agency, year, number)?;
    rows::handled(&tx, row.id, &on.to_string(), result.as_str())?;
    audit(
        &tx,
        by,
        "incoming.handled",
        &row,
        &format!("đã xử lý: {}", result.as_str()),
    )?;
    let updated = Entry::load(&tx, entry(&tx, agency, year, number)?)?;
    tx.commit()?;
    Ok(updated)
}

impl Entry {
    /// Past its handling deadline on `day` and not handled: the rule [`overdue`]'s query
    /// applies (`deadline < day AND handled_on IS NULL`, days as `YYYY-MM-DD`).
    pub fn overdue_on(&self, day: NaiveDate) -> bool {
        self.row.handled_on.is_none()
            && self
                .row
                .deadline
                .as_deref()
                .is_some_and(|d| d < day.to_string().as_str())
    }
}

/// The agency's entries past their handling deadline on `day`, not handled.
pub fn overdue(store: &Store, agency: &str, day: NaiveDate) -> Result<Vec<Entry>, IncomingError> {
    rows::overdue(store.conn(), agency, &day.to_string())?
        .into_iter()
        .map(|r| Ok(Entry::load(store.conn(), r)?))
        .collect()
}
