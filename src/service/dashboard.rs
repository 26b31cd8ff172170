//! The dashboard: what waits for the signed-in account (drafts to write, approve or
//! issue; deadlines of the programmes it follows; certificates that expire; deliveries
//! that failed), in one query per part.

use chrono::NaiveDate;
use rusqlite::params;
use serde::Serialize;

use super::{access, accounts};
use crate::store::Store;

/// A milestone on the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Deadline {
    pub id: String,
    pub programme: String,
    pub what: String,
    /// dd/mm/yyyy
    pub due: String,
    pub days_left: i64,
    pub reported: i64,
    pub agencies: i64,
}

/// A certificate on the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ExpiringCertificate {
    pub product: String,
    pub producer: String,
    pub stars: i64,
    /// dd/mm/yyyy
    pub expires: String,
    pub days_left: i64,
}

/// A delivery that failed or is being retried.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FailingDelivery {
    pub document_id: i64,
    pub number_symbol: String,
    pub recipient: String,
    pub email: String,
    pub status: String,
    pub attempts: i64,
    pub last_reply: String,
}

/// What needs attention on `date`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    /// Due within 30 days, agencies still to report.
    pub upcoming: Vec<Deadline>,
    /// Past due, agencies still to report.
    pub overdue: Vec<Deadline>,
    /// Expiring within 6 months (or expired within the last month).
    pub expiring: Vec<ExpiringCertificate>,
    pub failing: Vec<FailingDelivery>,
    /// Drafts waiting, by state code.
    pub drafts_submitted: i64,
    pub drafts_approved: i64,
}

/// The dashboard of `user` as of `date`: the milestones, certificates, deliveries and
/// drafts of its agency's circle ([`access::circle`]).
pub fn dashboard(
    store: &Store,
    user: &accounts::User,
    date: NaiveDate,
) -> Result<Dashboard, crate::remind::RemindError> {
    let conn = store.conn();
    let day = date.to_string();
    let followed = access::milestones(store, user)?;
    let circle = access::circle(store, user)?.map(|c| serde_json::to_string(&c).expect("strings"));
    let listed = access::listed(user).map(|c| serde_json::to_string(&c).expect("strings"));
    // The milestones as `vanthu milestones list` counts them, those due within 30 days
    // with agencies still to report.
    let (mut upcoming, mut overdue) = (vec![], vec![]);
    for m in crate::remind::milestones(store, None, date)? {
        if followed.as_ref().is_some_and(|f| !f.contains(&m.id)) {
            continue;
        }
        let days_left = (m.due - date).num_days();
        if days_left > 30 || m.reported >= m.agencies {
            continue;
        }
        let d = Deadline {
            id: m.id,
            programme: m.programme,
            what: m.what,
            due: m.due.format("%d/%m/%Y").to_string(),
            days_left,
            agencies: m.agencies,
            reported: m.reported,
        };
        if days_left < 0 {
            overdue.push(d);
        } else {
            upcoming.push(d);
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT p.name, pr.name, c.stars, c.expires_on FROM certificates c
         JOIN products p ON p.id = c.product_id JOIN producers pr ON pr.id = p.producer_id
         WHERE c.expires_on BETWEEN date(?1, '-1 months') AND date(?1, '+6 months')
           AND (?2 IS NULL OR c.issuer_id IN (SELECT value FROM json_each(?2)))
         ORDER BY c.expires_on, p.name LIMIT 200",
    )?;
    let expiring = stmt
        .query_map(params![&day, circle], |r| {
            let expires: String = r.get(3)?;
            let expires = NaiveDate::parse_from_str(&expires, "%Y-%m-%d").unwrap_or(date);
            Ok(ExpiringCertificate {
                product: r.get(0)?,
                producer: r.get(1)?,
                stars: r.get(2)?,
                expires: expires.format("%d/%m/%Y").to_string(),
                days_left: (expires - date).num_days(),
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT d.document_id, doc.number_symbol, d.recipient, d.email, d.status, d.attempts,
                coalesce(d.last_reply, '')
         FROM deliveries d JOIN documents doc ON doc.id = d.document_id
         WHERE (d.status = 'failed' OR (d.status = 'queued' AND d.attempts > 0))
           AND (?1 IS NULL OR doc.issuer IN (SELECT value FROM json_each(?1)))
         ORDER BY d.id DESC LIMIT 200",
    )?;
    let failing = stmt
        .query_map([&listed], |r| {
            Ok(FailingDelivery {
                document_id: r.get(0)?,
                number_symbol: r.get(1)?,
                recipient: r.get(2)?,
                email: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                status: r.get(4)?,
                attempts: r.get(5)?,
                last_reply: r.get(6)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let count = |state: &str| -> rusqlite::Result<i64> {
        conn.query_row(
            "SELECT count(*) FROM drafts WHERE state = ?1
               AND (?2 IS NULL OR issuer_id IN (SELECT value FROM json_each(?2)))",
            params![state, listed],
            |r| r.get(0),
        )
    };
    Ok(Dashboard {
        upcoming,
        overdue,
        expiring,
        failing,
        drafts_submitted: count("submitted")?,
        drafts_approved: count("approved")?,
    })
}
