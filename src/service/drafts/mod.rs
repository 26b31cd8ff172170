//! Drafts and the approval workflow: a drafter composes a document from a template's
//! form and submits it; a signer approves it or returns it with a comment; a clerk
//! issues it (its number from the register) and sends it.
//!
//! ```text
//!   create ─▶ draft ─submit─▶ submitted ─approve─▶ approved ─issue─▶ issued ─send─▶ (outbox)
//!               ▲                 │
//!               └────return───────┘ (with a comment)
//! ```
//!
//! Invariants: a transition happens only from its state (an UPDATE … WHERE state = …,
//! so two clerks cannot issue one draft twice); every transition and every refusal is
//! written to the audit log in the transaction of the change; issuing marks the draft
//! in the register's own transaction. A draft belongs to its issuing agency
//! (`issuer_id`, from its composition) and names its signer (`signer_id`): who may see
//! and move it is decided by [`super::access`].
//!
//! The module holds the drafts and their writing; [`templates`] composes a draft's form
//! into its document, [`workflow`] moves it from submission to sending.

mod editable;
pub(crate) mod frozen;
mod templates;
mod workflow;

pub use super::draft_error::{DraftError, Irreversible};
pub use editable::make_editable;
pub(crate) use templates::{Composition, compose_values};
pub use workflow::{
    Actions, Confirmation, actions, approve, approve_signing, compose, content_hash, issue,
    issue_keys, may_issue, preview, return_draft, send, submit,
};

use std::collections::BTreeMap;

use super::access;
use super::accounts::{Action, User};
use super::audit::{self, Outcome};
use super::forms::{self, Values};
use crate::store::{Store, drafts};

pub use crate::store::drafts::{Approval, Draft, State};

/// Refuses (and logs, in the audit log and the service log) an action outside the
/// user's role or by an account not linked to an agency.
pub fn authorize(
    store: &Store,
    user: &User,
    action: Action,
    target: &str,
) -> Result<(), DraftError> {
    Ok(access::role(store, user, action, target)?)
}

/// The approval of the document issued from a draft (None: issued without a draft, from
/// the command line).
pub fn approval_of_document(store: &Store, document: i64) -> Result<Option<Approval>, DraftError> {
    Ok(drafts::approval_of_document(store.conn(), document)?)
}

/// The composition draft `id`'s signer approved, if it was approved (and not sent back).
pub(crate) fn frozen_of(store: &Store, id: i64) -> Result<Option<frozen::Frozen>, DraftError> {
    let json = drafts::approved_content(store.conn(), id)?;
    Ok(json.as_deref().and_then(frozen::Frozen::from_json))
}

/// One draft, as `user` may read it (its agency's; a refusal is audited).
pub fn get_for(store: &Store, user: &User, id: i64) -> Result<Draft, DraftError> {
    let draft = get(store, id)?;
    access::read(
        store,
        user,
        draft.issuer.as_deref(),
        &[],
        "bản nháp",
        &format!("draft:{id}"),
    )?;
    Ok(draft)
}

/// The history of draft `id` (its audit rows, newest first), as `user` may read it.
pub fn history(store: &Store, user: &User, id: i64) -> Result<Vec<audit::Event>, DraftError> {
    get_for(store, user, id)?;
    Ok(audit::list(store, Some(&format!("draft:{id}")), 200)?)
}

/// One draft, whoever asks (the library's own use; faces use [`get_for`]).
pub(crate) fn get(store: &Store, id: i64) -> Result<Draft, DraftError> {
    drafts::get(store.conn(), id)?.ok_or(DraftError::NotFound(id))
}

/// The drafts `user` reads (its agency's; a signer's also those of the agencies they
/// sign for; the service's administrator all), in one state, newest first.
pub fn list(store: &Store, user: &User, state: Option<State>) -> Result<Vec<Draft>, DraftError> {
    let agencies = access::listed(user);
    Ok(drafts::list(store.conn(), state, agencies.as_deref())?)
}

/// The drafts waiting for `user`'s own step, oldest first: for a signer, those
/// submitted with them as the signer (to approve or return); for a clerk, their
/// agency's approved drafts (to issue) and issued ones not yet sent. Empty for others.
pub fn waiting_for(store: &Store, user: &User) -> Result<Vec<Draft>, DraftError> {
    use super::accounts::Role;
    Ok(match (user.role, user.person.as_deref(), user.agency()) {
        (Role::Signer, Some(person), _) => drafts::submitted_to(store.conn(), person)?,
        (Role::Clerk, _, Some(agency)) => drafts::to_issue_or_send(store.conn(), agency)?,
        _ => vec![],
    })
}

/// The drafts a signer returned to `login` that are still waiting for them (returned
/// with a comment, not yet resubmitted), newest first.
pub fn returned_to(store: &Store, login: &str) -> Result<Vec<Draft>, DraftError> {
    Ok(drafts::returned_to(store.conn(), login)?)
}

/// Checks a filled form and composes it once, so a draft that is stored composes.
pub(super) fn checked(
    store: &Store,
    template: &str,
    raw: &BTreeMap<String, String>,
) -> Result<(Values, Composition), DraftError> {
    let form = forms::form(template).ok_or_else(|| DraftError::UnknownTemplate(template.into()))?;
    let values = Values::parse(store, form, raw).map_err(DraftError::Invalid)?;
    let composition = compose_values(store, template, &values)?;
    Ok((values, composition))
}

/// Creates a draft from a template's filled form (drafters).
pub fn create(
    store: &mut Store,
    user: &User,
    template: &str,
    raw: &BTreeMap<String, String>,
) -> Result<Draft, DraftError> {
    create_with_detail(store, user, template, raw, template)
}

/// [`create`], with the history's first line saying where the draft came from.
pub fn create_with_detail(
    store: &mut Store,
    user: &User,
    template: &str,
    raw: &BTreeMap<String, String>,
    detail: &str,
) -> Result<Draft, DraftError> {
    authorize(store, user, Action::Compose, "draft:new")?;
    let (values, c) = checked(store, template, raw)?;
    composing_for(store, user, &c, "draft:new")?;
    let tx = store.write()?;
    let id = insert_draft(&tx, user, template, &values, &c, detail)?;
    tx.commit()?;
    get(store, id)
}

/// A drafter composes only for their own agency: the composed document's issuer.
pub(super) fn composing_for(
    store: &Store,
    user: &User,
    c: &Composition,
    target: &str,
) -> Result<(), DraftError> {
    composing_document_for(store, user, &c.composed.document, target)
}

/// [`composing_for`] of a composed document (the live preview's sketch).
pub(crate) fn composing_document_for(
    store: &Store,
    user: &User,
    document: &crate::model::Document,
    target: &str,
) -> Result<(), DraftError> {
    let issuer = document.parts().issuer.id.clone();
    Ok(access::act_for(
        store,
        user,
        Action::Compose,
        issuer.as_deref(),
        "văn bản",
        target,
    )?)
}

/// What a composition stores beside its draft: the template, the values, the subject,
/// the issuing agency and the signer (a person id).
fn content<'a>(
    template: &'a str,
    fields: &'a str,
    subject: &'a str,
    c: &'a Composition,
) -> drafts::Content<'a> {
    let parts = c.composed.document.parts();
    drafts::Content {
        template,
        fields,
        subject,
        issuer: parts.issuer.id.as_deref(),
        signer: parts.signature.id.as_deref(),
    }
}

/// Inserts a new draft with its audit row; the caller owns the transaction.
fn insert_draft(
    tx: &rusqlite::Transaction,
    user: &User,
    template: &str,
    values: &Values,
    c: &Composition,
    detail: &str,
) -> rusqlite::Result<i64> {
    let (fields, subject) = (values.to_json(), c.composed.document.subject_one_line());
    let id = drafts::insert(
        tx,
        user.id,
        &content(template, &fields, &subject, c),
        &crate::service::clock::now_text(),
    )?;
    audit::record(
        tx,
        Some(user),
        "create",
        &format!("draft:{id}"),
        Outcome::Ok,
        detail,
    )?;
    Ok(id)
}

/// Takes a milestone reminder the daily schedule drafted into the approval workflow:
/// a reminder draft with its milestone, day and issuer, authored by `user` (drafters);
/// from then on it is issued through the workflow, once.
pub fn adopt_reminder(store: &mut Store, user: &User, reminder: i64) -> Result<Draft, DraftError> {
    authorize(
        store,
        user,
        Action::Compose,
        &format!("reminder:{reminder}"),
    )?;
    let (milestone, day, issuer) = crate::remind::reminder_values(store, reminder)?
        .ok_or(DraftError::NotAMilestoneReminder(reminder))?;
    let mut raw = BTreeMap::from([
        ("milestone".to_string(), milestone),
        ("date".to_string(), day.to_string()),
    ]);
    if let Some(i) = issuer {
        raw.insert("issuer".into(), i);
    }
    let (values, c) = checked(store, "reminder", &raw)?;
    composing_for(store, user, &c, &format!("reminder:{reminder}"))?;
    let tx = store.write()?;
    let detail = format!("từ nhắc hạn số {reminder}");
    let id = insert_draft(&tx, user, "reminder", &values, &c, &detail)?;
    if !drafts::adopt_reminder(&tx, reminder, id)? {
        return Err(DraftError::AlreadyAdopted(reminder));
    }
    tx.commit()?;
    get(store, id)
}

/// Reminders the schedule drafted for `user`'s agencies that wait for someone (not
/// issued, not yet taken into the workflow), newest first.
pub fn waiting_reminders(
    store: &Store,
    user: &User,
) -> Result<Vec<crate::remind::DraftRow>, DraftError> {
    let adopted: std::collections::HashSet<i64> = drafts::adopted_reminders(store.conn())?
        .into_iter()
        .collect();
    Ok(crate::remind::drafts(store)?
        .into_iter()
        .filter(|d| d.status == "draft" && !adopted.contains(&d.id))
        .filter(|d| access::reads(user, &d.issuer) || user.is_service_admin())
        .collect())
}

/// Changes the form values of a draft that is being written (its author only).
pub fn update(
    store: &mut Store,
    user: &User,
    id: i64,
    raw: &BTreeMap<String, String>,
) -> Result<Draft, DraftError> {
    let target = format!("draft:{id}");
    authorize(store, user, Action::Compose, &target)?;
    let draft = get_for(store, user, id)?;
    author_only(store, user, &draft, "update")?;
    let (values, c) = checked(store, &draft.template, raw)?;
    composing_for(store, user, &c, &target)?;
    let (fields, subject) = (values.to_json(), c.composed.document.subject_one_line());
    let tx = store.write()?;
    let changed = drafts::rewrite(
        &tx,
        id,
        &content(&draft.template, &fields, &subject, &c),
        &crate::service::clock::now_text(),
    )?;
    if !changed {
        drop(tx);
        return Err(wrong_state(store, id, "bản nháp đang soạn mới sửa")?);
    }
    audit::record(&tx, Some(user), "update", &target, Outcome::Ok, "")?;
    tx.commit()?;
    get(store, id)
}

pub(super) fn wrong_state(
    store: &Store,
    id: i64,
    wanted: &'static str,
) -> Result<DraftError, DraftError> {
    let draft = get(store, id)?;
    Ok(DraftError::WrongState {
        id,
        state: draft.state.label(),
        wanted,
    })
}

/// Moves a draft from `from` to `to` with an audit row, in one transaction.
pub(super) fn transition(
    store: &mut Store,
    user: &User,
    id: i64,
    (from, to): (State, State),
    action: &str,
    comment: Option<&str>,
    wanted: &'static str,
) -> Result<Draft, DraftError> {
    let target = format!("draft:{id}");
    get(store, id)?;
    let tx = store.write()?;
    let moved = drafts::transition(
        &tx,
        id,
        (from, to),
        comment,
        &crate::service::clock::now_text(),
    )?;
    if !moved {
        drop(tx);
        return Err(wrong_state(store, id, wanted)?);
    }
    audit::record(
        &tx,
        Some(user),
        action,
        &target,
        Outcome::Ok,
        comment.unwrap_or(""),
    )?;
    tx.commit()?;
    get(store, id)
}

/// Refuses (and logs) a drafter's action on a draft someone else wrote.
pub(super) fn author_only(
    store: &Store,
    user: &User,
    draft: &Draft,
    action: &str,
) -> Result<(), DraftError> {
    if draft.author == user.login {
        return Ok(());
    }
    let target = format!("draft:{}", draft.id);
    tracing::warn!(login = %user.login, action, target, author = %draft.author, "refused: not the author");
    audit::record(
        store.conn(),
        Some(user),
        action,
        &target,
        Outcome::Refused,
        "not the author",
    )?;
    Err(DraftError::NotAuthor)
}
