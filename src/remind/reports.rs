//! Milestones as the dashboard lists them, and an agency's report recorded (which takes
//! it out of the next reminders).

use chrono::NaiveDate;

use super::RemindError;
use crate::store::{Store, milestones};

/// One milestone with its progress on a day.
#[derive(Debug, Clone, PartialEq)]
pub struct MilestoneRow {
    pub id: String,
    pub programme: String,
    pub what: String,
    pub due: NaiveDate,
    pub agencies: i64,
    pub reported: i64,
}

impl MilestoneRow {
    /// Past due with agencies still to report.
    pub fn overdue(&self, date: NaiveDate) -> bool {
        self.due < date && self.reported < self.agencies
    }
}

/// The milestones (of one programme), with how many agencies had reported by `date`.
pub fn milestones(
    store: &Store,
    programme: Option<&str>,
    date: NaiveDate,
) -> Result<Vec<MilestoneRow>, RemindError> {
    Ok(milestones::progress(store.conn(), programme, date)?
        .into_iter()
        .map(|m| MilestoneRow {
            due: NaiveDate::parse_from_str(&m.due, "%Y-%m-%d").unwrap_or_default(),
            id: m.id,
            programme: m.programme,
            what: m.what,
            agencies: m.agencies,
            reported: m.reported,
        })
        .collect())
}

/// How recording a report went.
#[derive(Debug, Clone, PartialEq)]
pub enum Reported {
    Recorded,
    /// The agency had already reported, on that day.
    Already(String),
}

/// Records that `agency` reported on `milestone` on `date`: no reminder reaches it after.
pub fn report(
    store: &Store,
    milestone: &str,
    agency: &str,
    date: NaiveDate,
) -> Result<Reported, RemindError> {
    let c = store.conn();
    if !milestones::exists(c, milestone)? {
        return Err(RemindError::UnknownMilestone(milestone.to_string()));
    }
    let current = milestones::report_of(c, milestone, agency)?;
    match current {
        None => Err(RemindError::NotResponsible(
            milestone.to_string(),
            agency.to_string(),
        )),
        Some(Some(on)) => Ok(Reported::Already(on)),
        Some(None) => {
            milestones::set_reported(c, milestone, agency, date)?;
            Ok(Reported::Recorded)
        }
    }
}
