//! Passing an incoming document on and following up its handling (Nghị định 30 Điều
//! 22, 24): the văn thư gives it to a unit or a person with a deadline (columns 7 and 8
//! of the book), the handler's result is recorded, and what is past its deadline
//! unhandled is listed for the leader.

use chrono::NaiveDate;

use super::{Entry, IncomingError, audit, entry};
use crate::store::Store;
use crate::store::incoming as rows;
use crate::text::Line;

/// Whom and by when.
#[derive(Debug, Clone)]
pub struct Assignment {
    /// The unit or person ("Phòng Kinh tế", "Đ/c Hà Văn Sơn").
    pub to: Line,
    /// The day it was passed on.
    pub on: NaiveDate,
    /// The handling deadline (on or after `on`).
    pub deadline: Option<NaiveDate>,
}

impl Assignment {
    /// Parses what the văn thư typed; the deadline may not come before the day it is
    /// passed on.
    pub fn parse(
        to: &str,
        on: NaiveDate,
        deadline: Option<NaiveDate>,
    ) -> Result<Assignment, IncomingError> {
        let to = Line::parse(to).map_err(|e| IncomingError::Invalid {
            field: "đơn vị hoặc người nhận",
            message: e.to_string(),
        })?;
        if to.as_str().is_empty() {
            return Err(IncomingError::Invalid {
                field: "đơn vị hoặc người nhận",
                message: "hãy ghi đơn vị hoặc người xử lý".into(),
            });
        }
        if deadline.is_some_and(|d| d < on) {
            return Err(IncomingError::Invalid {
                field: "hạn xử lý",
                message: "hạn xử lý không được trước ngày chuyển".into(),
            });
        }
        Ok(Assignment { to, on, deadline })
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
    let deadline = a.deadline.map(|d| d.to_string());
    rows::assign(
        &tx,
        row.id,
        a.to.as_str(),
        &a.on.to_string(),
        deadline.as_deref(),
    )?;
    audit(
        &tx,
        by,
        "incoming.assign",
        &row,
        &format!("chuyển {}", a.to.as_str()),
    )?;
    let updated = Entry::load(&tx, entry(&tx, agency, year, number)?)?;
    tx.commit()?;
    Ok(updated)
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
    let result = Line::parse(result).map_err(|e| IncomingError::Invalid {
        field: "kết quả xử lý",
        message: e.to_string(),
    })?;
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

/// The agency's entries past their handling deadline on `day`, not handled.
pub fn overdue(store: &Store, agency: &str, day: NaiveDate) -> Result<Vec<Entry>, IncomingError> {
    rows::overdue(store.conn(), agency, &day.to_string())?
        .into_iter()
        .map(|r| Ok(Entry::load(store.conn(), r)?))
        .collect()
}
