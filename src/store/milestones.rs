//! The milestones' tables: `milestones` (a programme's task and its due day) and
//! `milestone_agencies` (who owes a report on it, and the day each reported).

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

/// One milestone with how many agencies owe a report and how many had reported by
/// the day asked.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub id: String,
    pub programme: String,
    pub what: String,
    /// `YYYY-MM-DD`.
    pub due: String,
    pub agencies: i64,
    pub reported: i64,
}

/// The milestones (of one programme), by due day, with reports counted up to `date`.
pub fn progress(
    conn: &Connection,
    programme: Option<&str>,
    date: NaiveDate,
) -> Result<Vec<Progress>, rusqlite::Error> {
    conn.prepare(
        "SELECT m.id, m.programme_id, m.what, m.due_date, count(a.agency_id),
                count(a.agency_id) FILTER (WHERE a.reported_on IS NOT NULL AND a.reported_on <= ?2)
         FROM milestones m LEFT JOIN milestone_agencies a ON a.milestone_id = m.id
         WHERE ?1 IS NULL OR m.programme_id = ?1
         GROUP BY m.id ORDER BY m.due_date, m.id",
    )?
    .query_map(params![programme, date.to_string()], |r| {
        Ok(Progress {
            id: r.get(0)?,
            programme: r.get(1)?,
            what: r.get(2)?,
            due: r.get(3)?,
            agencies: r.get(4)?,
            reported: r.get(5)?,
        })
    })?
    .collect()
}

/// Whether milestone `id` exists.
pub fn exists(conn: &Connection, id: &str) -> Result<bool, rusqlite::Error> {
    conn.prepare_cached("SELECT 1 FROM milestones WHERE id = ?1")?
        .exists([id])
}

/// Whether `agency` owes a report on `milestone`: None if it does not, else the day it
/// reported (`YYYY-MM-DD`), if it has.
pub fn report_of(
    conn: &Connection,
    milestone: &str,
    agency: &str,
) -> Result<Option<Option<String>>, rusqlite::Error> {
    conn.query_row(
        "SELECT reported_on FROM milestone_agencies WHERE milestone_id = ?1 AND agency_id = ?2",
        [milestone, agency],
        |r| r.get(0),
    )
    .optional()
}

/// Records that `agency` reported on `milestone` on `date`.
pub fn set_reported(
    conn: &Connection,
    milestone: &str,
    agency: &str,
    date: NaiveDate,
) -> Result<(), rusqlite::Error> {
    conn.execute(
        "UPDATE milestone_agencies SET reported_on = ?3 WHERE milestone_id = ?1 AND agency_id = ?2",
        params![milestone, agency, date.to_string()],
    )?;
    Ok(())
}

/// The milestones `agency` owes a report on and has not reported: `(id, what)`, by
/// due day.
pub fn owed_by(conn: &Connection, agency: &str) -> Result<Vec<(String, String)>, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT m.id, m.what FROM milestone_agencies ma JOIN milestones m ON m.id = ma.milestone_id
         WHERE ma.agency_id = ?1 AND ma.reported_on IS NULL ORDER BY m.due_date, m.id",
    )?
    .query_map([agency], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// The day (`dd/mm/yyyy`) the agency of short name `agency` reported on `milestone`.
pub fn reported_on_by_name(
    conn: &Connection,
    milestone: &str,
    agency: &str,
) -> Result<Option<String>, rusqlite::Error> {
    conn.query_row(
        "SELECT strftime('%d/%m/%Y', m.reported_on) FROM milestone_agencies m
         JOIN agencies a ON a.id = m.agency_id
         WHERE m.milestone_id = ?1 AND a.short_name = ?2 AND m.reported_on IS NOT NULL",
        [milestone, agency],
        |r| r.get(0),
    )
    .optional()
}

/// The milestones not closed by `day` (`YYYY-MM-DD`): `(id, programme, due)`, by due day.
pub fn open_on(
    conn: &Connection,
    day: &str,
) -> Result<Vec<(String, String, String)>, rusqlite::Error> {
    conn.prepare(
        "SELECT m.id, m.programme_id, m.due_date FROM milestones m
         WHERE NOT EXISTS (SELECT 1 FROM reminder_closed c WHERE c.milestone_id = m.id AND c.closed_on <= ?1)
         ORDER BY m.due_date, m.id",
    )?
    .query_map([day], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
    .collect()
}

/// The milestones of programmes issued by one of `agencies`, or that one of them must
/// report on.
pub fn followed_by(conn: &Connection, agencies: &[String]) -> Result<Vec<String>, rusqlite::Error> {
    let json = serde_json::to_string(agencies).expect("strings");
    conn.prepare_cached(
        "SELECT m.id FROM milestones m JOIN programmes p ON p.id = m.programme_id
         WHERE p.issuer_id IN (SELECT value FROM json_each(?1))
            OR EXISTS (SELECT 1 FROM milestone_agencies ma WHERE ma.milestone_id = m.id
                       AND ma.agency_id IN (SELECT value FROM json_each(?1)))",
    )?
    .query_map([json], |r| r.get(0))?
    .collect()
}

/// The agency whose programme milestone `id` belongs to.
pub fn programme_issuer(conn: &Connection, id: &str) -> Result<Option<String>, rusqlite::Error> {
    conn.query_row(
        "SELECT p.issuer_id FROM milestones m JOIN programmes p ON p.id = m.programme_id
         WHERE m.id = ?1",
        [id],
        |r| r.get(0),
    )
    .optional()
}

/// The agencies owing a report on `milestone` that had not reported by `day`
/// (`YYYY-MM-DD`), as `(id, short name)`, in the order they were listed, at most
/// `limit` (all when None).
pub fn not_reported(
    conn: &Connection,
    milestone: &str,
    day: &str,
    limit: Option<usize>,
) -> Result<Vec<(String, String)>, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT a.id, a.short_name FROM milestone_agencies m JOIN agencies a ON a.id = m.agency_id
         WHERE m.milestone_id = ?1 AND (m.reported_on IS NULL OR m.reported_on > ?2)
         ORDER BY m.rowid LIMIT ?3",
    )?
    .query_map(
        params![milestone, day, limit.map_or(-1, |l| l as i64)],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?
    .collect()
}

/// A milestone with its programme: what, due day, the programme's name, year and
/// issuing agency.
pub type WithProgramme = (String, NaiveDate, String, i64, String);

/// Milestone `id` with its programme, if stored.
pub fn with_programme(
    conn: &Connection,
    id: &str,
) -> Result<Option<WithProgramme>, rusqlite::Error> {
    conn.query_row(
        "SELECT m.what, m.due_date, p.name, p.year, p.issuer_id FROM milestones m
         JOIN programmes p ON p.id = m.programme_id WHERE m.id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )
    .optional()
}

/// One agency responsible for a milestone, and when it reported.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Responsible {
    pub agency: String,
    pub name: String,
    /// dd/mm/yyyy, None while it has not reported.
    pub reported_on: Option<String>,
}

/// A milestone with its agencies.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct MilestoneDetail {
    pub id: String,
    pub programme: String,
    /// The programme's name.
    pub programme_name: String,
    pub what: String,
    /// dd/mm/yyyy
    pub due: String,
    pub agencies: Vec<Responsible>,
}

/// A milestone with its programme and the agencies that owe it (None: no such milestone).
pub fn detail(conn: &Connection, id: &str) -> Result<Option<MilestoneDetail>, rusqlite::Error> {
    let Some((programme, programme_name, what, due)) = conn
        .query_row(
            "SELECT m.programme_id, coalesce(p.name, m.programme_id), m.what, strftime('%d/%m/%Y', m.due_date)
             FROM milestones m LEFT JOIN programmes p ON p.id = m.programme_id WHERE m.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?
    else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.short_name, strftime('%d/%m/%Y', m.reported_on)
         FROM milestone_agencies m JOIN agencies a ON a.id = m.agency_id
         WHERE m.milestone_id = ?1 ORDER BY m.rowid",
    )?;
    let agencies = stmt
        .query_map([id], |r| {
            Ok(Responsible {
                agency: r.get(0)?,
                name: r.get(1)?,
                reported_on: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Some(MilestoneDetail {
        id: id.to_string(),
        programme,
        programme_name,
        what,
        due,
        agencies,
    }))
}
