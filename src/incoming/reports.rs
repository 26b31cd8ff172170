//! An incoming document as an agency's report on a milestone: recorded by itself when a
//! validly signed document from an agency that owes the report cites the reminder this
//! agency sent about it, or linked (and unlinked) by the văn thư. From then on no
//! reminder of that milestone reaches the agency ([`crate::remind`] drafts only to the
//! agencies that have not reported).

use rusqlite::Connection;

use super::{IncomingError, audit, entry};
use crate::store::incoming::{self as rows, IncomingRow};
use crate::store::{Store, milestones};

/// Records the reports `row` answers: for each milestone its author still owes, whose
/// reminder from the receiving agency the first page (`text`) cites by number and
/// symbol. One audit row each.
pub(super) fn close_cited(
    conn: &Connection,
    row: &IncomingRow,
    text: &str,
) -> Result<(), rusqlite::Error> {
    let Some(author) = &row.author_agency_id else {
        return Ok(());
    };
    let day = row.received_at.vietnam().date_naive().to_string();
    for (milestone, symbol) in rows::owed_with_reminders(conn, &row.agency_id, author)? {
        if cites(text, &symbol) && rows::record_report(conn, &milestone, author, &day, row.id)? {
            audit(
                conn,
                "system",
                "incoming.report",
                row,
                &report_words(row, &milestone, &symbol),
            )?;
        }
    }
    Ok(())
}

/// Whether `text` names `symbol` as a whole word (`01/UBND-KT`, not `101/UBND-KT` nor
/// `01/UBND-KTN`).
pub fn cites(text: &str, symbol: &str) -> bool {
    let part = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '/' || c == '-');
    text.match_indices(symbol).any(|(at, _)| {
        !part(text[..at].chars().next_back()) && !part(text[at + symbol.len()..].chars().next())
    })
}

/// The văn thư records entry `number` of `agency`'s `year` as its author's report on
/// `milestone` (the day it arrived).
pub fn link(
    store: &Store,
    agency: &str,
    year: i32,
    number: i64,
    milestone: &str,
    by: &str,
) -> Result<(), IncomingError> {
    let tx = store.write()?;
    let row = entry(&tx, agency, year, number)?;
    let author = row
        .author_agency_id
        .clone()
        .ok_or(IncomingError::AuthorUnknown(number))?;
    if !milestones::exists(&tx, milestone)? {
        return Err(IncomingError::UnknownMilestone(milestone.to_string()));
    }
    match milestones::report_of(&tx, milestone, &author)? {
        None => {
            return Err(IncomingError::NotOwed {
                milestone: milestone.to_string(),
                author: row.author.clone().unwrap_or(author),
            });
        }
        Some(Some(on)) => {
            return Err(IncomingError::AlreadyReported {
                milestone: milestone.to_string(),
                author: row.author.clone().unwrap_or(author),
                on: crate::model::day_month_year(&on),
            });
        }
        Some(None) => {}
    }
    let day = row.received_at.vietnam().date_naive().to_string();
    rows::record_report(&tx, milestone, &author, &day, row.id)?;
    audit(
        &tx,
        by,
        "incoming.link_report",
        &row,
        &report_words(&row, milestone, ""),
    )?;
    tx.commit()?;
    Ok(())
}

/// The văn thư undoes the report entry `number` recorded on `milestone`: the milestone
/// reminds its author again.
pub fn unlink(
    store: &Store,
    agency: &str,
    year: i32,
    number: i64,
    milestone: &str,
    by: &str,
) -> Result<(), IncomingError> {
    let tx = store.write()?;
    let row = entry(&tx, agency, year, number)?;
    let undone = match &row.author_agency_id {
        Some(author) => rows::undo_report(&tx, milestone, author, row.id)?,
        None => false,
    };
    if !undone {
        return Err(IncomingError::NotLinked {
            number,
            milestone: milestone.to_string(),
        });
    }
    audit(
        &tx,
        by,
        "incoming.unlink_report",
        &row,
        &report_words(&row, milestone, ""),
    )?;
    tx.commit()?;
    Ok(())
}

/// What an audit row says of a report: whose, on which milestone, citing what.
fn report_words(row: &IncomingRow, milestone: &str, cited: &str) -> String {
    let mut words = format!(
        "báo cáo của {} cho mốc {milestone}",
        row.author_agency_id.as_deref().unwrap_or("?")
    );
    if !cited.is_empty() {
        words.push_str(&format!(" (dẫn công văn {cited})"));
    }
    words
}

#[cfg(test)]
mod tests {
    use super::cites;

    #[test]
    fn a_citation_is_the_whole_symbol() {
        assert!(cites(
            "Thực hiện Công văn số 01/UBND-KT ngày 01/12/2026",
            "01/UBND-KT"
        ));
        assert!(cites("(01/UBND-KT)", "01/UBND-KT"));
        assert!(!cites("Công văn số 101/UBND-KT", "01/UBND-KT"));
        assert!(!cites("Công văn số 01/UBND-KTN", "01/UBND-KT"));
        assert!(!cites("", "01/UBND-KT"));
    }
}
