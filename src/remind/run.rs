//! A run of the schedule for a day: the latest step of each open milestone that has
//! come, fired once, drafting one reminder to the agencies that have not reported.

use chrono::NaiveDate;

use super::RemindError;
use super::calendar::Calendar;
use super::drafts::{Issuing, draft_record, issue_draft};
use super::policy::{Auto, load_policies, policy_for, step_label};
use crate::mail::MailSettings;
use crate::store::register;
use crate::store::{Store, milestones, reminders};

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
        let tx = store.write()?;
        let cal = Calendar::load(&tx)?;
        let policies = load_policies(&tx)?;
        let open = milestones::open_on(&tx, &day)?;
        let now = crate::store::time::Stamp::now().to_string();
        let mut firings = 0;
        for (id, programme, due) in &open {
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
            if reminders::step_fired(&tx, id, &key)? {
                continue;
            }
            let Some((draft_id, n)) = reminders::fire_milestone(&tx, id, &key, &day, &now)? else {
                continue;
            };
            firings += n;
            // The same agencies the firing took (not reported by the day).
            let agencies = milestones::not_reported(&tx, id, &day, Some(SHOWN))?
                .into_iter()
                .map(|(_, name)| name)
                .collect();
            report.fired.push(Fired {
                draft_id,
                milestone: id.clone(),
                step: key,
                day: date,
                agencies,
                count: n,
            });
        }
        // Certificates: the notices of each certifying agency whose step has come.
        let horizon_months = policies
            .values()
            .flat_map(|p| p.expiry_months.iter().copied())
            .max()
            .unwrap_or(0);
        let horizon = date
            .checked_add_months(chrono::Months::new(horizon_months))
            .unwrap_or(date);
        let certificates = reminders::expiring_by(&tx, &horizon.to_string())?;
        let mut due_notices: Vec<DueNotice> = vec![];
        {
            for reminders::Expiring {
                id,
                issuer,
                expires_on: expires,
                product,
            } in certificates
            {
                let Some(policy) = policies.get(&issuer).or_else(|| policies.get("")) else {
                    continue;
                };
                let Ok(expires) = NaiveDate::parse_from_str(&expires, "%Y-%m-%d") else {
                    continue;
                };
                let Some((step, _)) = policy.expiry_step(expires, date) else {
                    continue;
                };
                if reminders::certificate_step_fired(&tx, id, &step)? {
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
            let fired: Vec<(i64, &str)> = certs
                .iter()
                .map(|(id, step, _)| (*id, step.as_str()))
                .collect();
            let draft_id = reminders::fire_expiry(&tx, &issuer, &day, &fired, &now)?;
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
        let run_id = reminders::record_run(&tx, &day, &now, report.fired.len(), firings)?;
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
    let waiting = reminders::waiting(store.conn())?;
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
        reminders::set_run_issued(store.conn(), run_id, report.issued.len())?;
    }
    Ok(report)
}
