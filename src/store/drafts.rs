//! The drafts table: a draft's form values, its state, its author, issuer and signer,
//! the signer's consent and the hashes of what was approved and issued.
//!
//! Invariant: every move of a draft is an `UPDATE … WHERE id = ? AND state = ?` that
//! says whether it happened (false: the draft was not in that state, e.g. another
//! clerk issued it first), so a draft never moves twice from one state. Who may move
//! it, and the audit row written in the same transaction, are the service's.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

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
    /// The SHA-256 of the composition the signer approved, and of the one issued (the
    /// same, or the draft went back to its signer).
    pub approved_hash: Option<String>,
    pub issued_hash: Option<String>,
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
        fields: serde_json::from_str(&fields).unwrap_or_default(),
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

fn many(
    conn: &Connection,
    filter: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Draft>, rusqlite::Error> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM drafts d JOIN users u ON u.id = d.author_id {filter}"
    ))?
    .query_map(params, row)?
    .collect()
}

/// Draft `id`, if it exists.
pub fn get(conn: &Connection, id: i64) -> Result<Option<Draft>, rusqlite::Error> {
    Ok(many(conn, "WHERE d.id = ?1", [id])?.pop())
}

/// The drafts in `state` (any when None) of the issuers `issuers` (any when None),
/// newest first, at most 200.
pub fn list(
    conn: &Connection,
    state: Option<State>,
    issuers: Option<&[String]>,
) -> Result<Vec<Draft>, rusqlite::Error> {
    let issuers = issuers.map(|v| serde_json::to_string(v).expect("strings"));
    many(
        conn,
        "WHERE (?1 IS NULL OR d.state = ?1)
           AND (?2 IS NULL OR d.issuer_id IN (SELECT value FROM json_each(?2)))
         ORDER BY d.id DESC LIMIT 200",
        params![state.map(State::code), issuers],
    )
}

/// The submitted drafts naming `person` as signer, oldest first (at most 50).
pub fn submitted_to(conn: &Connection, person: &str) -> Result<Vec<Draft>, rusqlite::Error> {
    many(
        conn,
        "WHERE d.state = 'submitted' AND d.signer_id = ?1 ORDER BY d.updated_at, d.id LIMIT 50",
        [person],
    )
}

/// `issuer`'s approved drafts and its issued ones not yet sent, oldest first (at most
/// 50).
pub fn to_issue_or_send(conn: &Connection, issuer: &str) -> Result<Vec<Draft>, rusqlite::Error> {
    many(
        conn,
        "WHERE d.issuer_id = ?1 AND (d.state = 'approved' OR (d.state = 'issued'
           AND d.document_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.document_id = d.document_id)))
         ORDER BY d.updated_at, d.id LIMIT 50",
        [issuer],
    )
}

/// The drafts of author `login` returned with a comment and not yet resubmitted,
/// newest first (at most 50).
pub fn returned_to(conn: &Connection, login: &str) -> Result<Vec<Draft>, rusqlite::Error> {
    many(
        conn,
        "WHERE u.login = ?1 AND d.state = 'draft' AND coalesce(d.comment, '') != ''
         ORDER BY d.updated_at DESC, d.id DESC LIMIT 50",
        [login],
    )
}

/// The draft a document was issued from, with the hashes of what its signer approved
/// and of what was issued.
#[derive(Debug, Clone)]
pub struct Approval {
    pub draft: i64,
    pub approved_hash: Option<String>,
    pub issued_hash: Option<String>,
}

/// The approval of the document issued from a draft (None: issued without one).
pub fn approval_of_document(
    conn: &Connection,
    document: i64,
) -> Result<Option<Approval>, rusqlite::Error> {
    conn.query_row(
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
    .optional()
}

/// The approved composition of draft `id` as stored (JSON), if it has one.
pub fn approved_content(conn: &Connection, id: i64) -> Result<Option<String>, rusqlite::Error> {
    Ok(conn
        .query_row(
            "SELECT approved_content FROM drafts WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// What a draft's form composes to, as stored beside it.
#[derive(Debug, Clone)]
pub struct Content<'a> {
    pub template: &'a str,
    /// The form values as JSON.
    pub fields: &'a str,
    /// The subject on one line.
    pub subject: &'a str,
    pub issuer: Option<&'a str>,
    pub signer: Option<&'a str>,
}

/// Adds a draft by account `author` at `at` (RFC 3339); returns its id.
pub fn insert(
    conn: &Connection,
    author: i64,
    content: &Content,
    at: &str,
) -> Result<i64, rusqlite::Error> {
    conn.execute(
        "INSERT INTO drafts (template, fields, subject, state, author_id, created_at, updated_at,
                             issuer_id, signer_id)
         VALUES (?1, ?2, ?3, 'draft', ?4, ?5, ?5, ?6, ?7)",
        params![
            content.template,
            content.fields,
            content.subject,
            author,
            at,
            content.issuer,
            content.signer
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Replaces the content of draft `id` while it is being written, its issuer and signer
/// included; false if it is not being written.
pub fn rewrite(
    conn: &Connection,
    id: i64,
    content: &Content,
    at: &str,
) -> Result<bool, rusqlite::Error> {
    replace_content(conn, id, content, true, at)
}

/// Replaces the content of draft `id` while it is being written (its template and
/// fields) and keeps its issuer and signer; false if it is not being written.
pub fn rewrite_keeping_owners(
    conn: &Connection,
    id: i64,
    content: &Content,
    at: &str,
) -> Result<bool, rusqlite::Error> {
    replace_content(conn, id, content, false, at)
}

fn replace_content(
    conn: &Connection,
    id: i64,
    content: &Content,
    owners: bool,
    at: &str,
) -> Result<bool, rusqlite::Error> {
    Ok(conn.execute(
        "UPDATE drafts SET template = ?2, fields = ?3, subject = ?4, updated_at = ?5,
                issuer_id = CASE WHEN ?8 THEN ?6 ELSE issuer_id END,
                signer_id = CASE WHEN ?8 THEN ?7 ELSE signer_id END
         WHERE id = ?1 AND state = 'draft'",
        params![
            id,
            content.template,
            content.fields,
            content.subject,
            at,
            content.issuer,
            content.signer,
            owners
        ],
    )? > 0)
}

/// Moves draft `id` from `from` to `to` with `comment`; false if it was not in `from`.
pub fn transition(
    conn: &Connection,
    id: i64,
    (from, to): (State, State),
    comment: Option<&str>,
    at: &str,
) -> Result<bool, rusqlite::Error> {
    Ok(conn.execute(
        "UPDATE drafts SET state = ?3, comment = ?4, updated_at = ?5 WHERE id = ?1 AND state = ?2",
        params![id, from.code(), to.code(), comment, at],
    )? > 0)
}

/// Approves submitted draft `id`: keeps the approved composition (JSON) and its hash,
/// and, with `consent_by`, that account's consent to sign at `at`; false if it was
/// not submitted.
pub fn approve(
    conn: &Connection,
    id: i64,
    consent_by: Option<i64>,
    content: &str,
    hash: &str,
    at: &str,
) -> Result<bool, rusqlite::Error> {
    Ok(conn.execute(
        "UPDATE drafts SET state = 'approved', comment = NULL, updated_at = ?2,
                sign_consent = CASE WHEN ?3 IS NOT NULL THEN ?2 END, consent_user_id = ?3,
                approved_content = ?4, approved_hash = ?5, issued_hash = NULL
         WHERE id = ?1 AND state = 'submitted'",
        params![id, at, consent_by, content, hash],
    )? > 0)
}

/// Sends approved draft `id` back to its signer with `note`, clearing the consent and
/// the approved composition; false if it was not approved.
pub fn send_back(
    conn: &Connection,
    id: i64,
    note: &str,
    at: &str,
) -> Result<bool, rusqlite::Error> {
    Ok(conn.execute(
        "UPDATE drafts SET state = 'submitted', comment = ?2, updated_at = ?3,
                sign_consent = NULL, consent_user_id = NULL,
                approved_content = NULL, approved_hash = NULL
         WHERE id = ?1 AND state = 'approved'",
        params![id, note, at],
    )? > 0)
}

/// Marks approved draft `id` issued as `document` with the hash of what was issued,
/// and the schedule's reminder drafted as it (if any) issued too; false if the draft
/// was not approved (another clerk issued it).
pub fn mark_issued(
    conn: &Connection,
    id: i64,
    document: i64,
    hash: &str,
    at: &str,
) -> Result<bool, rusqlite::Error> {
    let n = conn.execute(
        "UPDATE drafts SET state = 'issued', document_id = ?2, updated_at = ?3, issued_hash = ?4
         WHERE id = ?1 AND state = 'approved'",
        params![id, document, at, hash],
    )?;
    if n == 0 {
        return Ok(false);
    }
    conn.execute(
        "UPDATE reminder_drafts SET status = 'issued', document_id = ?2
         WHERE draft_id = ?1 AND status = 'draft'",
        params![id, document],
    )?;
    Ok(true)
}

/// Links the schedule's reminder draft `reminder` to workflow draft `draft`; false if
/// it was taken already (or is not a waiting draft).
pub fn adopt_reminder(
    conn: &Connection,
    reminder: i64,
    draft: i64,
) -> Result<bool, rusqlite::Error> {
    Ok(conn.execute(
        "UPDATE reminder_drafts SET draft_id = ?2 WHERE id = ?1 AND status = 'draft' AND draft_id IS NULL",
        params![reminder, draft],
    )? > 0)
}

/// The schedule's reminder drafts taken into the workflow.
pub fn adopted_reminders(conn: &Connection) -> Result<Vec<i64>, rusqlite::Error> {
    conn.prepare("SELECT id FROM reminder_drafts WHERE draft_id IS NOT NULL")?
        .query_map([], |r| r.get(0))?
        .collect()
}

/// How many drafts of `issuers` (all when None) are in `state`.
pub fn count(
    conn: &Connection,
    state: State,
    issuers: Option<&[String]>,
) -> Result<i64, rusqlite::Error> {
    let issuers = issuers.map(|v| serde_json::to_string(v).expect("strings"));
    conn.query_row(
        "SELECT count(*) FROM drafts WHERE state = ?1
           AND (?2 IS NULL OR issuer_id IN (SELECT value FROM json_each(?2)))",
        params![state.code(), issuers],
        |r| r.get(0),
    )
}
