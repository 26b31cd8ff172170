//! The reminder drafts a run made: their values, their composed letter, their issue.

use chrono::NaiveDate;

use super::RemindError;
use super::policy::{load_policies, policy_for};
use crate::Renderer;
use crate::ocop;
use crate::store::register;
use crate::store::{Store, reminders};

/// What lets a run issue the reminders whose policy says `issue` or `send`: the
/// renderer, and which agencies' documents must be digitally signed (`[signing]
/// require_signature`). A run never issues those: they stay drafts for the signer to
/// approve through the workflow. The service's daily run passes none at all: it only
/// drafts, and people do the rest.
pub struct Issuing<'a> {
    pub renderer: &'a Renderer,
    pub must_sign: &'a dyn Fn(&str) -> bool,
}

/// A stored draft: what it is about, the day it fired, and whether it was issued.
pub(super) struct DraftRecord {
    pub(super) milestone: Option<String>,
    pub(super) programme: Option<String>,
    pub(super) issuer: Option<String>,
    pub(super) day: NaiveDate,
    pub(super) issued: bool,
}

pub(super) fn draft_record(store: &Store, draft: i64) -> Result<DraftRecord, RemindError> {
    let r = reminders::draft(store.conn(), draft)?.ok_or(RemindError::UnknownDraft(draft))?;
    Ok(DraftRecord {
        milestone: r.milestone,
        programme: r.programme,
        issuer: r.issuer,
        day: r.fired_on,
        issued: r.status == "issued",
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
            let ids = reminders::notice_certificates(store.conn(), draft)?;
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
            if !reminders::mark_issued(tx, draft, entry.id)? {
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
    Ok(reminders::list(store.conn())?
        .into_iter()
        .map(|r| {
            let issuer = r
                .issuer
                .or_else(|| {
                    policy_for(
                        &policies,
                        r.milestone.as_deref().unwrap_or(""),
                        r.programme.as_deref().unwrap_or(""),
                    )
                    .and_then(|p| p.issuer.clone())
                })
                .or(r.programme_issuer)
                .unwrap_or_default();
            DraftRow {
                id: r.id,
                issuer,
                milestone: r.about,
                step: r.step,
                fired_on: r.fired_on,
                agencies: r.agencies,
                status: r.status,
                number: r.number,
            }
        })
        .collect())
}
