//! Deadline tracking and reminders on a schedule.
//!
//! Each milestone has a reminder policy (its own, its programme's, or the default):
//! steps such as "14 days before", "3 days before", "on the due date", "every 7 days
//! while overdue", in calendar or working days ([`calendar`]). A run for a day looks at
//! every open milestone, takes the **latest** step whose day has come (a run that was
//! missed catches up with the current step only, never with stale ones), and, if that
//! step has not fired yet, drafts one reminder dispatch addressed to the agencies that
//! have not reported by that day.
//!
//! Exactly once: the step is recorded in `reminder_drafts` (UNIQUE per milestone and
//! step) and each agency in `reminder_firings` (PRIMARY KEY milestone, step, agency) in
//! the run's `BEGIN IMMEDIATE` transaction, so two runs, a restart, or two instances on
//! one database fire a step once. A draft waits for a signer unless the policy says
//! `issue` (issued through the register, marked in the same transaction) or `send`
//! (issued, then queued for e-mail).

pub mod calendar;

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::Renderer;
use crate::mail::MailSettings;
use crate::ocop::{self, OcopError};
use crate::store::Store;
use crate::store::register;
use calendar::Calendar;

/// Why the schedule could not run or answer.
#[derive(Debug, thiserror::Error)]
pub enum RemindError {
    #[error("không có mốc thời hạn mã \"{0}\"")]
    UnknownMilestone(String),
    #[error("cơ quan \"{1}\" không phải đơn vị thực hiện mốc \"{0}\"")]
    NotResponsible(String, String),
    #[error("không có bản nháp nhắc hạn số {0}")]
    UnknownDraft(i64),
    #[error("bản nháp nhắc hạn số {0} đã ban hành")]
    AlreadyIssued(i64),
    #[error(
        "nhắc hạn của {0} phải được ký số: không ban hành tự động; bản nháp chờ người ký duyệt (\"Đưa vào duyệt\" trên trang Tổng quan)"
    )]
    MustBeSigned(String),
    #[error(transparent)]
    Ocop(#[from] OcopError),
    #[error(transparent)]
    Register(#[from] register::RegisterError),
    #[error(transparent)]
    Mail(#[from] crate::mail::MailError),
    #[error("cơ sở dữ liệu: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// What lets a run issue the reminders whose policy says `issue` or `send`: the
/// renderer, and which agencies' documents must be digitally signed (`[signing]
/// require_signature`). A run never issues those: they stay drafts for the signer to
/// approve through the workflow. The service's daily run passes none at all: it only
/// drafts, and people do the rest.
pub struct Issuing<'a> {
    pub renderer: &'a Renderer,
    pub must_sign: &'a dyn Fn(&str) -> bool,
}

/// What happens to a reminder once drafted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auto {
    /// Stays a draft for a signer to approve.
    Draft,
    /// Issued through the register.
    Issue,
    /// Issued and queued for e-mail.
    Send,
}

/// When a milestone's reminders fire.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub before: Vec<u32>,
    pub on_due: bool,
    pub overdue_every: Option<u32>,
    pub working_days: bool,
    pub auto: Auto,
    /// The agency that writes the reminders (default: the programme's issuer).
    pub issuer: Option<String>,
    /// Certificates: a notice this many months before they expire.
    pub expiry_months: Vec<u32>,
    /// Certificates: a notice on the day they expire.
    pub on_expiry: bool,
}

/// One step of a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Before(u32),
    Due,
    /// `n` days (or working days) after the due date.
    Overdue(u32),
}

impl Step {
    /// The stored key: `before-14`, `due`, `overdue-7`.
    pub fn key(self) -> String {
        match self {
            Step::Before(n) => format!("before-{n}"),
            Step::Due => "due".into(),
            Step::Overdue(n) => format!("overdue-{n}"),
        }
    }
}

impl Policy {
    /// The latest step whose day is on or before `date`, and that day.
    pub fn step_on(
        &self,
        due: NaiveDate,
        date: NaiveDate,
        cal: &Calendar,
    ) -> Option<(Step, NaiveDate)> {
        let w = self.working_days;
        let mut best: Option<(Step, NaiveDate)> = None;
        let mut consider = |step: Step, day: NaiveDate| {
            if day <= date && best.is_none_or(|(_, b)| day > b) {
                best = Some((step, day));
            }
        };
        for &n in &self.before {
            consider(Step::Before(n), cal.shift(due, -(n as i64), w));
        }
        if self.on_due {
            consider(Step::Due, due);
        }
        if let (Some(k), true) = (self.overdue_every, date > due) {
            let k = k as i64;
            if w {
                let mut i = 1;
                loop {
                    let day = cal.shift(due, i * k, true);
                    if day > date {
                        break;
                    }
                    consider(Step::Overdue((i * k) as u32), day);
                    i += 1;
                }
            } else {
                let i = (date - due).num_days() / k;
                if i >= 1 {
                    consider(Step::Overdue((i * k) as u32), cal.shift(due, i * k, false));
                }
            }
        }
        best
    }
}

impl Policy {
    /// The latest certificate-expiry step whose day has come: `before-6m`, `before-3m`
    /// (months before `expires`, until it expires) or `expired` (on the day, and for a
    /// month after, so a missed run still sends it but an old expiry is not dug up).
    pub fn expiry_step(&self, expires: NaiveDate, date: NaiveDate) -> Option<(String, NaiveDate)> {
        if self.on_expiry && date >= expires {
            return (date <= expires + chrono::Days::new(31)).then(|| ("expired".into(), expires));
        }
        self.expiry_months
            .iter()
            .filter_map(|&m| {
                let day = expires.checked_sub_months(chrono::Months::new(m))?;
                (day <= date && date < expires).then(|| (format!("before-{m}m"), day))
            })
            .max_by_key(|(_, day)| *day)
    }
}

fn load_policies(conn: &rusqlite::Connection) -> rusqlite::Result<HashMap<String, Policy>> {
    let mut stmt = conn.prepare(
        "SELECT scope, before_days, on_due, overdue_every, working_days, auto, issuer_id, expiry_months, on_expiry
         FROM reminder_policies",
    )?;
    let rows = stmt.query_map([], |r| {
        let before: String = r.get(1)?;
        let auto: String = r.get(5)?;
        Ok((
            r.get::<_, String>(0)?,
            Policy {
                before: before
                    .split(',')
                    .filter_map(|n| n.trim().parse().ok())
                    .collect(),
                on_due: r.get(2)?,
                overdue_every: r.get(3)?,
                working_days: r.get(4)?,
                auto: match auto.as_str() {
                    "issue" => Auto::Issue,
                    "send" => Auto::Send,
                    _ => Auto::Draft,
                },
                issuer: r.get(6)?,
                expiry_months: r
                    .get::<_, String>(7)?
                    .split(',')
                    .filter_map(|n| n.trim().parse().ok())
                    .collect(),
                on_expiry: r.get(8)?,
            },
        ))
    })?;
    rows.collect()
}

fn policy_for<'a>(
    policies: &'a HashMap<String, Policy>,
    milestone: &str,
    programme: &str,
) -> Option<&'a Policy> {
    policies
        .get(milestone)
        .or_else(|| policies.get(programme))
        .or_else(|| policies.get(""))
}

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

/// A step key as a clerk reads it: `before-14` → "14 ngày trước hạn", `due` → "đúng
/// hạn", `overdue-7` → "quá hạn 7 ngày", `before-6m` → "6 tháng trước khi hết hạn",
/// `expired` → "hết hạn", `expiry` → "giấy chứng nhận hết hạn".
pub fn step_label(key: &str) -> String {
    if let Some(m) = key
        .strip_prefix("before-")
        .and_then(|k| k.strip_suffix('m'))
    {
        return format!("{m} tháng trước khi hết hạn");
    }
    if let Some(n) = key.strip_prefix("before-") {
        return format!("{n} ngày trước hạn");
    }
    if let Some(n) = key.strip_prefix("overdue-") {
        return format!("quá hạn {n} ngày");
    }
    match key {
        "due" => "đúng hạn".into(),
        "expired" => "hết hạn".into(),
        "expiry" => "giấy chứng nhận hết hạn".into(),
        other => other.into(),
    }
}

/// A certifying agency and its certificates whose step has come: (id, step, product).
type DueNotice = (String, Vec<(i64, String, String)>);

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

/// A stored draft: what it is about, the day it fired, and whether it was issued.
struct DraftRecord {
    milestone: Option<String>,
    programme: Option<String>,
    issuer: Option<String>,
    day: NaiveDate,
    issued: bool,
}

fn draft_record(store: &Store, draft: i64) -> Result<DraftRecord, RemindError> {
    let (milestone, programme, issuer, day, status): (
        Option<String>,
        Option<String>,
        Option<String>,
        NaiveDate,
        String,
    ) = store
        .conn()
        .query_row(
            "SELECT d.milestone_id, m.programme_id, d.issuer_id, d.fired_on, d.status FROM reminder_drafts d
             LEFT JOIN milestones m ON m.id = d.milestone_id WHERE d.id = ?1 AND d.status != 'empty'",
            [draft],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?
        .ok_or(RemindError::UnknownDraft(draft))?;
    Ok(DraftRecord {
        milestone,
        programme,
        issuer,
        day,
        issued: status == "issued",
    })
}

/// Composes a drafted reminder as it was on its day: a milestone's reminder to the
/// agencies that had not reported then, or an expiry notice for its certificates.
pub fn compose_draft(store: &Store, draft: i64) -> Result<ocop::Composed, RemindError> {
    compose_record(store, draft, &draft_record(store, draft)?)
}

fn compose_record(
    store: &Store,
    draft: i64,
    rec: &DraftRecord,
) -> Result<ocop::Composed, RemindError> {
    match (&rec.milestone, &rec.issuer) {
        (Some(milestone), _) => {
            let policies = load_policies(store.conn())?;
            let programme = rec.programme.as_deref().unwrap_or("");
            let issuer = policy_for(&policies, milestone, programme).and_then(|p| p.issuer.clone());
            Ok(ocop::reminder(
                store,
                &ocop::ReminderRequest {
                    milestone,
                    date: rec.day,
                    issuer: issuer.as_deref(),
                    signer: None,
                },
            )?)
        }
        (None, Some(issuer)) => {
            let ids: Vec<i64> = store
                .conn()
                .prepare("SELECT certificate_id FROM certificate_firings WHERE draft_id = ?1")?
                .query_map([draft], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            Ok(ocop::expiry_notice(
                store, issuer, rec.day, None, &ids, None,
            )?)
        }
        (None, None) => Err(RemindError::UnknownDraft(draft)),
    }
}

/// Issues a drafted reminder through the register, dated the day it fired; the draft is
/// marked issued in the same transaction, so it is issued once even if two runs try.
pub fn issue_draft(
    store: &mut Store,
    issuing: &Issuing,
    draft: i64,
) -> Result<register::Entry, RemindError> {
    let rec = draft_record(store, draft)?;
    if rec.issued {
        return Err(RemindError::AlreadyIssued(draft));
    }
    let composed = compose_record(store, draft, &rec)?;
    let issuer = composed.document.issuer_key();
    if (issuing.must_sign)(&issuer) {
        return Err(RemindError::MustBeSigned(
            composed.document.issuer_one_line(),
        ));
    }
    let renderer = issuing.renderer;
    let date = rec.day;
    let entry = register::issue_then(
        store,
        &composed.document,
        &composed.letter,
        date,
        |doc| register::render_files(renderer, doc),
        |tx, entry| {
            let n = tx.execute(
                "UPDATE reminder_drafts SET status = 'issued', document_id = ?2 WHERE id = ?1 AND status = 'draft'",
                params![draft, entry.id],
            )?;
            if n == 0 {
                // Another run issued it meanwhile: take nothing.
                return Err(register::RegisterError::AlreadyIssued);
            }
            Ok(())
        },
    )
    .map_err(|e| match e {
        register::RegisterError::AlreadyIssued => RemindError::AlreadyIssued(draft),
        e => RemindError::Register(e),
    })?;
    Ok(entry)
}

/// One row of `vanthu remind list`: a step the schedule handled.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DraftRow {
    pub id: i64,
    /// The agency that writes it: the policy's issuer, or the programme's.
    pub issuer: String,
    pub milestone: String,
    pub step: String,
    pub fired_on: String,
    pub agencies: i64,
    pub status: String,
    pub number: Option<String>,
}

/// What the reminder form needs to write a schedule-drafted milestone reminder as a
/// workflow draft: (milestone, the day it fired, who writes it per the policy).
/// None for an expiry notice (it lists certificates, which no form holds).
pub fn reminder_values(
    store: &Store,
    draft: i64,
) -> Result<Option<(String, NaiveDate, Option<String>)>, RemindError> {
    let rec = draft_record(store, draft)?;
    if rec.issued {
        return Err(RemindError::AlreadyIssued(draft));
    }
    let Some(milestone) = rec.milestone else {
        return Ok(None);
    };
    let policies = load_policies(store.conn())?;
    let issuer = policy_for(
        &policies,
        &milestone,
        rec.programme.as_deref().unwrap_or(""),
    )
    .and_then(|p| p.issuer.clone());
    Ok(Some((milestone, rec.day, issuer)))
}

/// Everything the schedule drafted, newest first.
pub fn drafts(store: &Store) -> Result<Vec<DraftRow>, RemindError> {
    let policies = load_policies(store.conn())?;
    let mut stmt = store.conn().prepare(
        "SELECT d.id, coalesce(d.milestone_id, 'het-han-gcn:' || d.issuer_id), d.step, d.fired_on, d.agencies,
                d.status, doc.number_symbol, d.issuer_id, d.milestone_id, m.programme_id, p.issuer_id
         FROM reminder_drafts d LEFT JOIN documents doc ON doc.id = d.document_id
         LEFT JOIN milestones m ON m.id = d.milestone_id LEFT JOIN programmes p ON p.id = m.programme_id
         ORDER BY d.fired_on DESC, d.id DESC",
    )?;
    let rows = stmt.query_map([], |r| {
        let own: Option<String> = r.get(7)?;
        let milestone: Option<String> = r.get(8)?;
        let programme: Option<String> = r.get(9)?;
        let programme_issuer: Option<String> = r.get(10)?;
        let issuer = own
            .or_else(|| {
                policy_for(
                    &policies,
                    milestone.as_deref().unwrap_or(""),
                    programme.as_deref().unwrap_or(""),
                )
                .and_then(|p| p.issuer.clone())
            })
            .or(programme_issuer)
            .unwrap_or_default();
        Ok(DraftRow {
            id: r.get(0)?,
            issuer,
            milestone: r.get(1)?,
            step: r.get(2)?,
            fired_on: r.get(3)?,
            agencies: r.get(4)?,
            status: r.get(5)?,
            number: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, m, day).unwrap()
    }

    fn default_policy() -> Policy {
        Policy {
            before: vec![14, 3],
            on_due: true,
            overdue_every: Some(7),
            working_days: false,
            auto: Auto::Draft,
            issuer: None,
            expiry_months: vec![6, 3],
            on_expiry: true,
        }
    }

    #[test]
    fn the_latest_step_that_has_come() {
        let p = default_policy();
        let c = Calendar::default();
        let due = d(10, 30);
        assert_eq!(
            p.step_on(due, d(10, 15), &c),
            None,
            "15 days before: nothing yet"
        );
        assert_eq!(
            p.step_on(due, d(10, 16), &c),
            Some((Step::Before(14), d(10, 16)))
        );
        assert_eq!(
            p.step_on(due, d(10, 26), &c),
            Some((Step::Before(14), d(10, 16)))
        );
        assert_eq!(
            p.step_on(due, d(10, 27), &c),
            Some((Step::Before(3), d(10, 27)))
        );
        assert_eq!(p.step_on(due, d(10, 30), &c), Some((Step::Due, d(10, 30))));
        assert_eq!(p.step_on(due, d(11, 5), &c), Some((Step::Due, d(10, 30))));
        assert_eq!(
            p.step_on(due, d(11, 6), &c),
            Some((Step::Overdue(7), d(11, 6)))
        );
        assert_eq!(
            p.step_on(due, d(11, 20), &c),
            Some((Step::Overdue(21), d(11, 20)))
        );
        // A run missed for weeks catches up with the current step only.
        assert_eq!(
            p.step_on(due, d(12, 3), &c),
            Some((Step::Overdue(28), d(11, 27)))
        );
    }

    #[test]
    fn step_labels_are_vietnamese() {
        assert_eq!(step_label("before-14"), "14 ngày trước hạn");
        assert_eq!(step_label("before-3m"), "3 tháng trước khi hết hạn");
        assert_eq!(step_label("overdue-21"), "quá hạn 21 ngày");
        assert_eq!(step_label("due"), "đúng hạn");
    }

    #[test]
    fn working_day_steps_skip_the_weekend() {
        let p = Policy {
            working_days: true,
            ..default_policy()
        };
        let c = Calendar::default();
        // Friday 30/10/2020: 3 working days before is Tuesday 27/10; overdue by 7 working
        // days is Tuesday 10/11.
        assert_eq!(
            p.step_on(d(10, 30), d(10, 27), &c),
            Some((Step::Before(3), d(10, 27)))
        );
        assert_eq!(
            p.step_on(d(10, 30), d(11, 9), &c),
            Some((Step::Due, d(10, 30)))
        );
        assert_eq!(
            p.step_on(d(10, 30), d(11, 10), &c),
            Some((Step::Overdue(7), d(11, 10)))
        );
    }
}
