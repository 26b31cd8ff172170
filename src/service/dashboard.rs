//! The dashboard: what waits for the signed-in account (drafts to write, approve or
//! issue; deadlines of the programmes it follows; certificates that expire; deliveries
//! that failed), in one query per part.

use chrono::NaiveDate;
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
    let circle = access::circle(store, user)?;
    let listed = access::listed(user);
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
    let expiring = crate::store::ocop::expiring_around(conn, &day, circle.as_deref())?
        .into_iter()
        .map(|(product, producer, stars, expires)| {
            let expires = NaiveDate::parse_from_str(&expires, "%Y-%m-%d").unwrap_or(date);
            ExpiringCertificate {
                product,
                producer,
                stars: stars.into(),
                expires: expires.format("%d/%m/%Y").to_string(),
                days_left: (expires - date).num_days(),
            }
        })
        .collect();
    let failing = crate::store::outbox::troubled(conn, listed.as_deref())?
        .into_iter()
        .map(|d| FailingDelivery {
            document_id: d.document_id,
            number_symbol: d.number_symbol,
            recipient: d.recipient,
            email: d.email.unwrap_or_default(),
            status: d.status,
            attempts: d.attempts as i64,
            last_reply: d.last_reply,
        })
        .collect();
    let count = |state| crate::store::drafts::count(conn, state, listed.as_deref());
    Ok(Dashboard {
        upcoming,
        overdue,
        expiring,
        failing,
        drafts_submitted: count(crate::store::drafts::State::Submitted)?,
        drafts_approved: count(crate::store::drafts::State::Approved)?,
    })
}
