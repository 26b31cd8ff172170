//! Milestones as the dashboard lists them, and an agency's report recorded (which takes
//! it out of the next reminders).

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};

use super::RemindError;
use crate::store::Store;

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
    let mut stmt = store.conn().prepare(
        "SELECT m.id, m.programme_id, m.what, m.due_date, count(a.agency_id),
                count(a.agency_id) FILTER (WHERE a.reported_on IS NOT NULL AND a.reported_on <= ?2)
         FROM milestones m LEFT JOIN milestone_agencies a ON a.milestone_id = m.id
         WHERE ?1 IS NULL OR m.programme_id = ?1
         GROUP BY m.id ORDER BY m.due_date, m.id",
    )?;
    let rows = stmt.query_map(params![programme, date.to_string()], |r| {
        let due: String = r.get(3)?;
        Ok(MilestoneRow {
            id: r.get(0)?,
            programme: r.get(1)?,
            what: r.get(2)?,
            due: NaiveDate::parse_from_str(&due, "%Y-%m-%d").unwrap_or_default(),
            agencies: r.get(4)?,
            reported: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
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
    let exists: bool = c
        .prepare("SELECT 1 FROM milestones WHERE id = ?1")?
        .exists([milestone])?;
    if !exists {
        return Err(RemindError::UnknownMilestone(milestone.to_string()));
    }
    let current: Option<Option<String>> = c
        .query_row(
            "SELECT reported_on FROM milestone_agencies WHERE milestone_id = ?1 AND agency_id = ?2",
            [milestone, agency],
            |r| r.get(0),
        )
        .optional()?;
    match current {
        None => Err(RemindError::NotResponsible(
            milestone.to_string(),
            agency.to_string(),
        )),
        Some(Some(on)) => Ok(Reported::Already(on)),
        Some(None) => {
            c.execute(
                "UPDATE milestone_agencies SET reported_on = ?3 WHERE milestone_id = ?1 AND agency_id = ?2",
                params![milestone, agency, date.to_string()],
            )?;
            Ok(Reported::Recorded)
        }
    }
}
