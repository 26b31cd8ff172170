//! The stored records a form's choice field names: milestones, programmes, evaluation
//! rounds, agencies, people and recipients, each as `(value, label)` for a list of
//! options, and whether a value names one.

use rusqlite::{Connection, OptionalExtension};

/// A kind of stored record a field can choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Records {
    Milestone,
    Programme,
    Round,
    Agency,
    Person,
    /// Recipient groups and agencies, as `@id`.
    Recipients,
}

/// One option: its stored value, its label and, for a person, the agencies they sign
/// for (their own first, comma-separated).
#[derive(Debug, Clone, PartialEq)]
pub struct Offered {
    pub value: String,
    pub label: String,
    pub agencies: Option<String>,
}

/// The options of `records`, in the order a form lists them.
pub fn options(conn: &Connection, records: Records) -> Result<Vec<Offered>, rusqlite::Error> {
    let sql = match records {
        Records::Milestone => {
            "SELECT m.id, m.what || ' (hạn ' || strftime('%d/%m/%Y', m.due_date) || ')', NULL
             FROM milestones m ORDER BY m.due_date DESC, m.id"
        }
        Records::Programme => "SELECT id, name, NULL FROM programmes ORDER BY year DESC, id",
        Records::Round => {
            "SELECT round, round || ' (' || count(*) || ' sản phẩm)', NULL FROM evaluations
             GROUP BY round ORDER BY max(date) DESC"
        }
        Records::Agency => "SELECT id, short_name, NULL FROM agencies ORDER BY short_name, id",
        Records::Person => {
            "SELECT p.id, p.name || ' (' || a.short_name || ')',
                    p.agency_id || CASE WHEN p.signs_for = '' THEN '' ELSE ',' || p.signs_for END
             FROM people p JOIN agencies a ON a.id = p.agency_id ORDER BY a.id, p.rowid"
        }
        Records::Recipients => {
            "SELECT '@' || id, name, NULL FROM recipient_groups
             UNION ALL SELECT '@' || id, short_name, NULL FROM agencies"
        }
    };
    conn.prepare_cached(sql)?
        .query_map([], |r| {
            Ok(Offered {
                value: r.get(0)?,
                label: r.get(1)?,
                agencies: r.get(2)?,
            })
        })?
        .collect()
}

/// Whether `value` names a stored record of `records` (recipients are free text:
/// always true).
pub fn exists(conn: &Connection, records: Records, value: &str) -> Result<bool, rusqlite::Error> {
    let sql = match records {
        Records::Milestone => "SELECT 1 FROM milestones WHERE id = ?1",
        Records::Programme => "SELECT 1 FROM programmes WHERE id = ?1",
        Records::Round => "SELECT 1 FROM evaluations WHERE round = ?1 LIMIT 1",
        Records::Agency => "SELECT 1 FROM agencies WHERE id = ?1",
        Records::Person => "SELECT 1 FROM people WHERE id = ?1",
        Records::Recipients => return Ok(true),
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_row([value], |_| Ok(()))
        .optional()?
        .is_some())
}
