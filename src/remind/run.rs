//! A run of the schedule for a day: the latest step of each open milestone that has
//! come, fired once, drafting one reminder to the agencies that have not reported.

use chrono::NaiveDate;
use rusqlite::{TransactionBehavior, params};

use super::RemindError;
use super::calendar::Calendar;
use super::drafts::{Issuing, draft_record, issue_draft};
use super::policy::{Auto, load_policies, policy_for, step_label};
use crate::mail::MailSettings;
use crate::store::Store;
use crate::store::register;

/// A certifying agency and its certificates whose step has come: (id, step, product).
type DueNotice = (String, Vec<(i64, String, String)>);

/// A reminder the schedule drafted (or would draft, in a dry run).
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    pub draft_id: i64,
    /// The milestone, or `het-han-gcn:<agency>` for a certificate expiry notice.
    pub milestone: String,
    pub step: String,
    pub day: NaiveDate,
    /// The first agencies it is addressed to (printed names, at most [`SHOWN`]).
    pub agencies: Vec<String>,
    /// How many agencies it is addressed to.
    pub count: usize,
}

/// How many agency names a run reports per reminder.
pub const SHOWN: usize = 20;

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunReport {
    pub fired: Vec<Fired>,
    /// Issued reminders: (draft id, number/symbol).
    pub issued: Vec<(i64, String)>,
    /// Reminders queued for e-mail: register entries.
    pub queued: Vec<register::Entry>,
    /// Drafts that could not be issued automatically, with the reason.
    pub problems: Vec<String>,
}

/// Runs the schedule for `date`: drafts the reminders whose step has come, and issues or
/// sends the ones whose policy says so. With `dry_run`, reports what it would draft and
/// changes nothing.
pub fn run(
    store: &mut Store,
    date: NaiveDate,
    dry_run: bool,
    issuing: Option<Issuing>,
    mail: &MailSettings,
) -> Result<RunReport, RemindError> {
    let mut report = RunReport::default();
    let day = date.to_string();
    let (policies, run_id) = {
        let tx = store
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let cal = Calendar::load(&tx)?;
        let policies = load_policies(&tx)?;
        let milestones: Vec<(String, String, String)> = tx
            .prepare(
                "SELECT m.id, m.programme_id, m.due_date FROM milestones m
                 WHERE NOT EXISTS (SELECT 1 FROM reminder_closed c WHERE c.milestone_id = m.id AND c.closed_on <= ?1)
                 ORDER BY m.due_date, m.id",
            )?
            .query_map([&day], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut done =
            tx.prepare("SELECT 1 FROM reminder_drafts WHERE milestone_id = ?1 AND step = ?2")?;
        // The same agencies the firing insert took (not reported by the day).
        let mut pending = tx.prepare(
            "SELECT a.short_name FROM milestone_agencies m JOIN agencies a ON a.id = m.agency_id
             WHERE m.milestone_id = ?1 AND (m.reported_on IS NULL OR m.reported_on > ?2)
             ORDER BY m.rowid LIMIT ?3",
        )?;
        let mut close = tx.prepare(
            "INSERT INTO reminder_closed (milestone_id, closed_on) VALUES (?1, ?2)
             ON CONFLICT (milestone_id) DO UPDATE SET closed_on = min(closed_on, excluded.closed_on)",
        )?;
        let mut draft = tx.prepare(
            "INSERT INTO reminder_drafts (milestone_id, step, fired_on, agencies, status, created_at)
             VALUES (?1, ?2, ?3, ?4, 'draft', ?5)",
        )?;
        let mut fire = tx.prepare(
            "INSERT OR IGNORE INTO reminder_firings (milestone_id, step, agency_id, draft_id)
             SELECT milestone_id, ?2, agency_id, ?4 FROM milestone_agencies
             WHERE milestone_id = ?1 AND (reported_on IS NULL OR reported_on > ?3)",
        )?;
        let now = chrono::Utc::now().to_rfc3339();
        let mut firings = 0;
        for (id, programme, due) in &milestones {
            let Some(policy) = policy_for(&policies, id, programme) else {
                continue;
            };
            let Ok(due) = NaiveDate::parse_from_str(due, "%Y-%m-%d") else {
                continue;
            };
            let Some((step, _)) = policy.step_on(due, date, &cal) else {
                continue;
            };
            let key = step.key();
            if done.exists(params![id, key])? {
                continue;
            }
            // Draft row first (its id goes on the firings), then one set-based insert of
            // every agency that has not reported by this day.
            draft.execute(params![id, key, day, 0, now])?;
            let draft_id = tx.last_insert_rowid();
            let n = fire.execute(params![id, key, day, draft_id])?;
            if n == 0 {
                tx.execute("DELETE FROM reminder_drafts WHERE id = ?1", [draft_id])?;
                close.execute(params![id, day])?;
                continue;
            }
            tx.execute(
                "UPDATE reminder_drafts SET agencies = ?2 WHERE id = ?1",
                params![draft_id, n as i64],
            )?;
            firings += n;
            let agencies: Vec<String> = pending
                .query_map(params![id, day, SHOWN as i64], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            report.fired.push(Fired {
                draft_id,
                milestone: id.clone(),
                step: key,
                day: date,
                agencies,
                count: n,
            });
        }
        drop((done, pending, close, draft, fire));
        // Certificates: the notices of each certifying agency whose step has come.
        let horizon_months = policies
            .values()
            .flat_map(|p| p.expiry_months.iter().copied())
            .max()
            .unwrap_or(0);
        let horizon = date
            .checked_add_months(chrono::Months::new(horizon_months))
            .unwrap_or(date);
        let certificates: Vec<(i64, String, String, String)> = tx
            .prepare(
                "SELECT c.id, c.issuer_id, c.expires_on, p.name FROM certificates c JOIN products p ON p.id = c.product_id
                 WHERE c.issuer_id IS NOT NULL AND c.expires_on <= ?1
                   AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.product_id = c.product_id AND e.date > c.issued_on)
                   AND NOT EXISTS (SELECT 1 FROM certificate_firings f WHERE f.certificate_id = c.id AND f.step = 'expired')
                 ORDER BY c.issuer_id, c.expires_on, c.id",
            )?
            .query_map([horizon.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?;
        let mut due_notices: Vec<DueNotice> = vec![];
        {
            let mut fired_cert = tx.prepare(
                "SELECT 1 FROM certificate_firings WHERE certificate_id = ?1 AND step = ?2",
            )?;
            for (id, issuer, expires, product) in certificates {
                let Some(policy) = policies.get(&issuer).or_else(|| policies.get("")) else {
                    continue;
                };
                let Ok(expires) = NaiveDate::parse_from_str(&expires, "%Y-%m-%d") else {
                    continue;
                };
                let Some((step, _)) = policy.expiry_step(expires, date) else {
                    continue;
                };
                if fired_cert.exists(params![id, step])? {
                    continue;
                }
                if due_notices.last().is_none_or(|(i, _)| *i != issuer) {
                    due_notices.push((issuer.clone(), vec![]));
                }
                due_notices
                    .last_mut()
                    .expect("pushed")
                    .1
                    .push((id, step, product));
            }
        }
        for (issuer, certs) in due_notices {
            tx.execute(
                "INSERT INTO reminder_drafts (issuer_id, step, fired_on, agencies, status, created_at)
                 VALUES (?1, 'expiry', ?2, ?3, 'draft', ?4)",
                params![issuer, day, certs.len() as i64, now],
            )?;
            let draft_id = tx.last_insert_rowid();
            for (id, step, _) in &certs {
                tx.execute(
                    "INSERT INTO certificate_firings (certificate_id, step, draft_id) VALUES (?1, ?2, ?3)",
                    params![id, step, draft_id],
                )?;
            }
            firings += certs.len();
            report.fired.push(Fired {
                draft_id,
                milestone: format!("het-han-gcn:{issuer}"),
                step: "expiry".into(),
                day: date,
                count: certs.len(),
                agencies: certs
                    .iter()
                    .take(SHOWN)
                    .map(|(_, step, product)| format!("{product} ({})", step_label(step)))
                    .collect(),
            });
        }
        tx.execute(
            "INSERT INTO reminder_runs (run_date, at, drafts, firings, issued) VALUES (?1, ?2, ?3, ?4, 0)",
            params![day, now, report.fired.len() as i64, firings as i64],
        )?;
        let run_id = tx.last_insert_rowid();
        if dry_run {
            tx.rollback()?;
            return Ok(report);
        }
        tx.commit()?;
        (policies, run_id)
    };
    // Drafts whose policy issues them, this run's and any a crash left behind.
    let Some(issuing) = issuing else {
        return Ok(report);
    };
    // Milestone reminders follow their milestone's policy; expiry notices their
    // certifying agency's (or the default).
    let waiting: Vec<i64> = store
        .conn()
        .prepare(
            "SELECT id FROM reminder_drafts WHERE status = 'draft' AND draft_id IS NULL ORDER BY id",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in waiting {
        let rec = draft_record(store, id)?;
        let policy = match (&rec.milestone, &rec.issuer) {
            (Some(m), _) => policy_for(&policies, m, rec.programme.as_deref().unwrap_or("")),
            (None, Some(i)) => policies.get(i).or_else(|| policies.get("")),
            (None, None) => None,
        };
        let Some(auto) = policy.map(|p| p.auto).filter(|a| *a != Auto::Draft) else {
            continue;
        };
        match issue_draft(store, &issuing, id) {
            Ok(entry) => {
                report.issued.push((id, entry.number_symbol.clone()));
                if auto == Auto::Send {
                    crate::mail::queue(store, &entry, mail)?;
                    report.queued.push(entry);
                }
            }
            Err(RemindError::AlreadyIssued(_)) => {}
            Err(e) => {
                let about = rec.milestone.or(rec.issuer).unwrap_or_default();
                report.problems.push(format!(
                    "nhắc hạn {about} ({}): {e}",
                    rec.day.format("%d/%m/%Y")
                ));
            }
        }
    }
    if !report.issued.is_empty() {
        store.conn().execute(
            "UPDATE reminder_runs SET issued = ?2 WHERE id = ?1",
            params![run_id, report.issued.len() as i64],
        )?;
    }
    Ok(report)
}
