//! The programme's data as the service shows and changes it: one milestone and who
//! reported, a report recorded, an import of programme data, and the data tables.

use chrono::NaiveDate;

use super::{access, accounts, audit};
use crate::store::Store;

pub use crate::store::milestones::{MilestoneDetail, Responsible};

/// Why the programme's data was not read or changed.
#[derive(Debug, thiserror::Error)]
pub enum ProgrammeError {
    #[error(transparent)]
    Denied(#[from] access::Denial),
    #[error(transparent)]
    Remind(#[from] crate::remind::RemindError),
    #[error("cơ sở dữ liệu: {0}")]
    Sqlite(#[from] rusqlite::Error),
}
pub use crate::store::overview::DataTable;

/// One milestone and its agencies, if `user` follows it (None: no such milestone).
pub fn milestone(
    store: &Store,
    user: &accounts::User,
    id: &str,
) -> Result<Option<MilestoneDetail>, ProgrammeError> {
    if access::milestones(store, user)?.is_some_and(|f| !f.contains(id)) {
        if crate::store::milestones::exists(store.conn(), id)? {
            access::read(
                store,
                user,
                None,
                &[],
                "mốc thời hạn",
                &format!("milestone:{id}"),
            )?;
        }
        return Ok(None);
    }
    Ok(crate::store::milestones::detail(store.conn(), id)?)
}

/// Imports programme data from an uploaded text, all or nothing, with its audit row.
/// The data every agency shares (agencies, people, programmes) is the service's
/// administrator's to change. The outer error is a refusal; the inner one the file's
/// problems.
pub fn import(
    store: &mut Store,
    user: &accounts::User,
    name: &str,
    text: &str,
    mode: crate::data::Mode,
) -> Result<Result<crate::data::ImportReport, crate::data::ImportError>, ProgrammeError> {
    access::shared_data(store, user, "data:import")?;
    match crate::data::import_text(store, std::path::Path::new(name), text, mode) {
        Ok(report) => {
            audit::record(
                store.conn(),
                Some(user),
                "import",
                &format!("data:{name}"),
                audit::Outcome::Ok,
                &report.to_string().replace('\n', "; "),
            )?;
            Ok(Ok(report))
        }
        Err(e) => Ok(Err(e)),
    }
}

/// Records that `agency` reported on `milestone` on `date` (drafters and clerks), with
/// its audit row; the reminders stop reaching it.
pub fn record_report(
    store: &Store,
    user: &accounts::User,
    milestone: &str,
    agency: &str,
    date: NaiveDate,
) -> Result<crate::remind::Reported, ProgrammeError> {
    let target = format!("milestone:{milestone}");
    access::records_reports(store, user, milestone)?;
    let reported = crate::remind::report(store, milestone, agency, date)?;
    if reported == crate::remind::Reported::Recorded {
        audit::record(
            store.conn(),
            Some(user),
            "report",
            &target,
            audit::Outcome::Ok,
            &format!(
                "{} ngày {}",
                access::agency_name(store, agency),
                date.format("%d/%m/%Y")
            ),
        )?;
    }
    Ok(reported)
}

/// The programme data held, table by table (the first `limit` rows of each).
pub fn data_tables(
    store: &Store,
    user: &accounts::User,
    limit: u32,
) -> Result<Vec<DataTable>, ProgrammeError> {
    access::linked(store, user, "data")?;
    Ok(crate::store::overview::tables(store.conn(), limit)?)
}
