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
mod drafts;
mod policy;
mod reports;
mod run;

pub use drafts::*;
pub use policy::*;
pub use reports::*;
pub use run::*;

use crate::ocop::OcopError;
use crate::store::register;

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
