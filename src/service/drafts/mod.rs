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

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::access;
use super::accounts::{Action, User};
use super::audit::{self, Outcome};
use super::forms::{self, Values};
use crate::store::Store;

/// Where a draft stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = DraftState)]
pub enum State {
    Draft,
    Submitted,
    Approved,
    Issued,
}

impl State {
    pub fn code(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted => "submitted",
            State::Approved => "approved",
            State::Issued => "issued",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        match s {
            "draft" => Some(State::Draft),
            "submitted" => Some(State::Submitted),
            "approved" => Some(State::Approved),
            "issued" => Some(State::Issued),
            _ => None,
        }
    }

    /// The state in Vietnamese.
    pub fn label(self) -> &'static str {
        match self {
            State::Draft => "Đang soạn",
            State::Submitted => "Chờ duyệt",
            State::Approved => "Đã duyệt, chờ ban hành",
            State::Issued => "Đã ban hành",
        }
    }
}

/// A draft as stored.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Draft {
    pub id: i64,
    pub template: String,
    pub fields: BTreeMap<String, String>,
    pub subject: String,
    pub state: State,
    pub author: String,
    pub author_name: String,
    /// The signer's comment when the draft was returned.
    pub comment: Option<String>,
    /// The register's document once issued.
    pub document_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    /// When the signer approved re-entering their password, consenting to their key
    /// signing the document at issue (Ký số); `None`: approved without it.
    pub sign_consent: Option<String>,
    /// The issuing agency (None: a draft made before drafts recorded it that names none).
    pub issuer: Option<String>,
    /// The person named as signer, when the signer is a stored person.
    pub signer: Option<String>,
    /// The account whose password gave the consent.
    pub consent_by: Option<i64>,
    /// The SHA-256 of the composition the signer approved ([`frozen`]), and of the one
    /// issued (the same, or the draft went back to its signer).
    pub approved_hash: Option<String>,
    pub issued_hash: Option<String>,
}

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

const COLUMNS: &str = "d.id, d.template, d.fields, d.subject, d.state, u.login, u.name, d.comment,
    d.document_id, d.created_at, d.updated_at, d.sign_consent, d.issuer_id, d.signer_id,
    d.consent_user_id, d.approved_hash, d.issued_hash";

fn row(r: &rusqlite::Row) -> rusqlite::Result<Draft> {
    let fields: String = r.get(2)?;
    let state: String = r.get(4)?;
    Ok(Draft {
        id: r.get(0)?,
        template: r.get(1)?,
        fields: Values::from_json(&fields).as_map().clone(),
        subject: r.get(3)?,
        state: State::parse(&state).unwrap_or(State::Draft),
        author: r.get(5)?,
        author_name: r.get(6)?,
        comment: r.get(7)?,
        document_id: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
        sign_consent: r.get(11)?,
        issuer: r.get(12)?,
        signer: r.get(13)?,
        consent_by: r.get(14)?,
        approved_hash: r.get(15)?,
        issued_hash: r.get(16)?,
    })
}

/// The draft a document was issued from, with the hashes of what its signer approved
/// and of what was issued.
#[derive(Debug, Clone)]
pub struct Approval {
    pub draft: i64,
    pub approved_hash: Option<String>,
    pub issued_hash: Option<String>,
}

/// The approval of the document issued from a draft (None: issued without a draft, from
/// the command line).
pub fn approval_of_document(store: &Store, document: i64) -> Result<Option<Approval>, DraftError> {
    Ok(store
        .conn()
        .query_row(
            "SELECT id, approved_hash, issued_hash FROM drafts WHERE document_id = ?1",
            [document],
            |r| {
                Ok(Approval {
                    draft: r.get(0)?,
                    approved_hash: r.get(1)?,
                    issued_hash: r.get(2)?,
                })
            },
        )
        .optional()?)
}

/// The composition draft `id`'s signer approved, if it was approved (and not sent back).
pub(crate) fn frozen_of(store: &Store, id: i64) -> Result<Option<frozen::Frozen>, DraftError> {
    let json: Option<String> = store
        .conn()
        .query_row(
            "SELECT approved_content FROM drafts WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
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
    store
        .conn()
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM drafts d JOIN users u ON u.id = d.author_id WHERE d.id = ?1"
            ),
            [id],
            row,
        )
        .optional()?
        .ok_or(DraftError::NotFound(id))
}

/// The drafts `user` reads (its agency's; a signer's also those of the agencies they
/// sign for; the service's administrator all), in one state, newest first.
pub fn list(store: &Store, user: &User, state: Option<State>) -> Result<Vec<Draft>, DraftError> {
    let agencies = access::listed(user).map(|v| serde_json::to_string(&v).expect("strings"));
    let mut stmt = store.conn().prepare(&format!(
        "SELECT {COLUMNS} FROM drafts d JOIN users u ON u.id = d.author_id
         WHERE (?1 IS NULL OR d.state = ?1)
           AND (?2 IS NULL OR d.issuer_id IN (SELECT value FROM json_each(?2)))
         ORDER BY d.id DESC LIMIT 200"
    ))?;
    let rows = stmt.query_map(params![state.map(State::code), agencies], row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The drafts waiting for `user`'s own step, oldest first: for a signer, those
/// submitted with them as the signer (to approve or return); for a clerk, their
/// agency's approved drafts (to issue) and issued ones not yet sent. Empty for others.
pub fn waiting_for(store: &Store, user: &User) -> Result<Vec<Draft>, DraftError> {
    use super::accounts::Role;
    let sql = match (user.role, user.person.as_deref(), user.agency()) {
        (Role::Signer, Some(_), _) => format!(
            "SELECT {COLUMNS} FROM drafts d JOIN users u ON u.id = d.author_id
             WHERE d.state = 'submitted' AND d.signer_id = ?1
             ORDER BY d.updated_at, d.id LIMIT 50"
        ),
        (Role::Clerk, _, Some(_)) => format!(
            "SELECT {COLUMNS} FROM drafts d JOIN users u ON u.id = d.author_id
             WHERE d.issuer_id = ?1 AND (d.state = 'approved' OR (d.state = 'issued'
               AND d.document_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.document_id = d.document_id)))
             ORDER BY d.updated_at, d.id LIMIT 50"
        ),
        _ => return Ok(vec![]),
    };
    let key = match user.role {
        Role::Signer => user.person.clone(),
        _ => user.agency().map(String::from),
    };
    let mut stmt = store.conn().prepare(&sql)?;
    let rows = stmt.query_map([key], row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The drafts a signer returned to `login` that are still waiting for them (returned
/// with a comment, not yet resubmitted), newest first.
pub fn returned_to(store: &Store, login: &str) -> Result<Vec<Draft>, DraftError> {
    let mut stmt = store.conn().prepare(&format!(
        "SELECT {COLUMNS} FROM drafts d JOIN users u ON u.id = d.author_id
         WHERE u.login = ?1 AND d.state = 'draft' AND coalesce(d.comment, '') != ''
         ORDER BY d.updated_at DESC, d.id DESC LIMIT 50"
    ))?;
    let rows = stmt.query_map([login], row)?;
    Ok(rows.collect::<Result<_, _>>()?)
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
    let tx = store.conn_mut().transaction()?;
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

/// The issuing agency and the signer (a person id) of a composition, as stored beside
/// the draft.
fn owners(c: &Composition) -> (Option<String>, Option<String>) {
    let parts = c.composed.document.parts();
    (parts.issuer.id.clone(), parts.signature.id.clone())
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
    let (issuer, signer) = owners(c);
    tx.execute(
        "INSERT INTO drafts (template, fields, subject, state, author_id, created_at, updated_at,
                             issuer_id, signer_id)
         VALUES (?1, ?2, ?3, 'draft', ?4, ?5, ?5, ?6, ?7)",
        params![
            template,
            values.to_json(),
            c.composed.document.subject_one_line(),
            user.id,
            crate::service::clock::now_text(),
            issuer,
            signer
        ],
    )?;
    let id = tx.last_insert_rowid();
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
    let tx = store.conn_mut().transaction()?;
    let detail = format!("từ nhắc hạn số {reminder}");
    let id = insert_draft(&tx, user, "reminder", &values, &c, &detail)?;
    let n = tx.execute(
        "UPDATE reminder_drafts SET draft_id = ?2 WHERE id = ?1 AND status = 'draft' AND draft_id IS NULL",
        params![reminder, id],
    )?;
    if n == 0 {
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
    let adopted: std::collections::HashSet<i64> = store
        .conn()
        .prepare("SELECT id FROM reminder_drafts WHERE draft_id IS NOT NULL")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
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
    let (issuer, signer) = owners(&c);
    let tx = store.conn_mut().transaction()?;
    let n = tx.execute(
        "UPDATE drafts SET fields = ?2, subject = ?3, updated_at = ?4, issuer_id = ?5, signer_id = ?6
         WHERE id = ?1 AND state = 'draft'",
        params![
            id,
            values.to_json(),
            c.composed.document.subject_one_line(),
            crate::service::clock::now_text(),
            issuer,
            signer
        ],
    )?;
    if n == 0 {
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
    let tx = store.conn_mut().transaction()?;
    let n = tx.execute(
        "UPDATE drafts SET state = ?3, comment = ?4, updated_at = ?5 WHERE id = ?1 AND state = ?2",
        params![
            id,
            from.code(),
            to.code(),
            comment,
            crate::service::clock::now_text()
        ],
    )?;
    if n == 0 {
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
