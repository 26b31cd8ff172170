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
//! in the register's own transaction.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::accounts::{Action, User};
use super::audit::{self, Outcome};
use super::forms::{self, FieldError, Values};
use crate::mail::{self, MailError, MailSettings};
use crate::ocop::{self, Composed, OcopError};
use crate::render::Renderer;
use crate::sign::Keyring;
use crate::store::Store;
use crate::store::register::{self, Entry, RegisterError};

/// Where a draft stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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
}

/// The two steps that cannot be undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Irreversible {
    /// Issuing takes a number from the register for good.
    Issue,
    /// Sending mails every recipient; a message cannot be called back.
    Send,
}

/// What the caller of an irreversible step said to "are you sure?": the ticked box of
/// the page, `"confirm": true` in the API. [`issue`] and [`send`] take one and refuse a
/// "no" (after checking the caller's role), so no face can skip the question.
#[derive(Debug, Clone, Copy)]
pub struct Confirmation(bool);

impl Confirmation {
    /// What the caller answered.
    pub fn answered(yes: bool) -> Confirmation {
        Confirmation(yes)
    }

    /// A command typed at the command line is its own confirmation.
    pub fn by_command() -> Confirmation {
        Confirmation(true)
    }

    /// Refuses `step` unless the caller said yes.
    fn require(self, step: Irreversible) -> Result<(), DraftError> {
        if self.0 {
            Ok(())
        } else {
            Err(DraftError::NotConfirmed(step))
        }
    }
}

/// Why a workflow step did not happen.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    #[error("vai trò {role} không được {action}")]
    Forbidden {
        role: &'static str,
        action: &'static str,
    },
    #[error("không có mẫu văn bản \"{0}\"")]
    UnknownTemplate(String),
    #[error("biểu mẫu có {} lỗi", .0.len())]
    Invalid(Vec<FieldError>),
    #[error("không có bản nháp số {0}")]
    NotFound(i64),
    #[error("bản nháp số {id} đang ở trạng thái \"{state}\"; chỉ {wanted} được")]
    WrongState {
        id: i64,
        state: &'static str,
        wanted: &'static str,
    },
    #[error("chỉ người soạn bản nháp được sửa nó")]
    NotAuthor,
    #[error("hãy ghi ý kiến khi trả lại bản nháp")]
    CommentRequired,
    #[error("đợt đánh giá không có sản phẩm nào được cấp này công nhận")]
    NothingCertified,
    #[error(transparent)]
    Compose(#[from] OcopError),
    #[error(transparent)]
    Register(#[from] RegisterError),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error("không xuất được văn bản: {0}")]
    Render(#[from] crate::render::RenderError),
    #[error("nhắc hạn số {0} đã được đưa vào duyệt hoặc đã ban hành")]
    AlreadyAdopted(i64),
    #[error(
        "nhắc hạn số {0} là thông báo hết hạn giấy chứng nhận; hãy dùng `vanthu remind draft {0}`"
    )]
    NotAMilestoneReminder(i64),
    #[error(transparent)]
    Remind(#[from] crate::remind::RemindError),
    #[error("mật khẩu không đúng; bản nháp chưa được duyệt ký số")]
    WrongPassword,
    #[error(
        "văn bản của {0} phải được ký số trước khi ban hành và gửi: người ký hãy duyệt lại và nhập mật khẩu để ký số"
    )]
    SignatureRequired(String),
    #[error(
        "chỉ văn bản tự soạn mới lưu làm mẫu được; với bản nháp từ mẫu OCOP, hãy bấm \"Sửa nội dung tự do\" trước"
    )]
    NotComposed,
    #[error(
        "quyết định công nhận giữ nội dung theo kết quả chấm điểm (giấy chứng nhận được ghi theo đúng danh sách đó khi ban hành); hãy sửa dữ liệu đánh giá rồi soạn lại"
    )]
    KeepsTemplate,
    #[error("không có mẫu đã lưu số {0}")]
    NoSavedTemplate(i64),
    #[error("{}", match .0 {
        Irreversible::Issue => "chưa ban hành: hãy đánh dấu ô xác nhận (ban hành lấy số trong sổ và không sửa được nữa), rồi bấm lại",
        Irreversible::Send => "chưa gửi: hãy đánh dấu ô xác nhận (thư đi đến mọi nơi nhận, không thu hồi được), rồi bấm lại",
    })]
    NotConfirmed(Irreversible),
    #[error("cơ sở dữ liệu: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Refuses (and logs, in the audit log and the service log) an action outside the
/// user's role.
pub fn authorize(
    store: &Store,
    user: &User,
    action: Action,
    target: &str,
) -> Result<(), DraftError> {
    if user.role.may(action) {
        return Ok(());
    }
    tracing::warn!(login = %user.login, role = user.role.code(), action = action.code(), target, "refused");
    audit::record(
        store.conn(),
        Some(user),
        action.code(),
        target,
        Outcome::Refused,
        user.role.code(),
    )?;
    Err(DraftError::Forbidden {
        role: user.role.label(),
        action: action.label(),
    })
}

const COLUMNS: &str = "d.id, d.template, d.fields, d.subject, d.state, u.login, u.name, d.comment,
    d.document_id, d.created_at, d.updated_at, d.sign_consent";

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
    })
}

/// One draft.
pub fn get(store: &Store, id: i64) -> Result<Draft, DraftError> {
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

/// Drafts (in one state), newest first.
pub fn list(store: &Store, state: Option<State>) -> Result<Vec<Draft>, DraftError> {
    let mut stmt = store.conn().prepare(&format!(
        "SELECT {COLUMNS} FROM drafts d JOIN users u ON u.id = d.author_id
         WHERE ?1 IS NULL OR d.state = ?1 ORDER BY d.id DESC LIMIT 200"
    ))?;
    let rows = stmt.query_map([state.map(State::code)], row)?;
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

/// What composing a draft gives: the document, and for a decision the evaluated
/// products whose certificates issuing it records.
pub(super) struct Composition {
    pub(super) composed: Composed,
    date: NaiveDate,
    decision: Option<(String, Vec<ocop::Evaluated>)>,
}

pub(super) fn compose_values(
    store: &Store,
    template: &str,
    v: &Values,
) -> Result<Composition, DraftError> {
    let date = v.date("date").unwrap_or_else(register::today_vn);
    match template {
        "reminder" => Ok(Composition {
            composed: ocop::reminder(
                store,
                &ocop::ReminderRequest {
                    milestone: v.get("milestone").unwrap_or_default(),
                    date,
                    issuer: v.get("issuer"),
                    signer: v.get("signer"),
                },
            )?,
            date,
            decision: None,
        }),
        "plan" => Ok(Composition {
            composed: ocop::plan(
                store,
                v.get("programme").unwrap_or_default(),
                date,
                v.get("signer"),
            )?,
            date,
            decision: None,
        }),
        "decision" => {
            let issuer = v.get("issuer").unwrap_or_default();
            let d = ocop::decide(
                store,
                &ocop::DecisionRequest {
                    round: v.get("round").unwrap_or_default(),
                    issuer,
                    date,
                    signer: v.get("signer"),
                },
            )?;
            Ok(Composition {
                composed: d.decision.ok_or(DraftError::NothingCertified)?,
                date,
                decision: Some((issuer.to_string(), d.evaluated)),
            })
        }
        "transfer" => {
            let issuer = v.get("issuer").unwrap_or_default();
            let d = ocop::decide(
                store,
                &ocop::DecisionRequest {
                    round: v.get("round").unwrap_or_default(),
                    issuer,
                    date,
                    signer: v.get("signer"),
                },
            )?;
            Ok(Composition {
                composed: d.transfer.ok_or_else(|| {
                    invalid(
                        "round",
                        "đợt đánh giá không có sản phẩm nào vượt thẩm quyền công nhận của cơ quan: không cần chuyển hồ sơ",
                    )
                })?,
                date,
                decision: None,
            })
        }
        "expiry-notice" | "withdrawal" => {
            let window = match v.get("within") {
                None => ocop::Window::Months(6),
                Some(w) => ocop::Window::parse(w).map_err(|e| invalid("within", e))?,
            };
            let issuer = v.get("issuer").unwrap_or_default();
            let found = ocop::expiring(store, issuer, date, window, v.get("signer"))?;
            let (composed, none) = if template == "withdrawal" {
                (
                    found.withdrawal,
                    "không có giấy chứng nhận nào đã hết hạn mà chưa đăng ký đánh giá lại trong địa bàn: không cần thu hồi",
                )
            } else {
                (
                    found.notice,
                    "không có giấy chứng nhận nào hết hạn trong khoảng đã chọn trong địa bàn: không cần thông báo",
                )
            };
            let field = if template == "withdrawal" {
                "issuer"
            } else {
                "within"
            };
            Ok(Composition {
                composed: composed.ok_or_else(|| invalid(field, none))?,
                date,
                decision: None,
            })
        }
        super::compose::TEMPLATE => Ok(Composition {
            composed: super::compose::compose(store, v)?,
            date,
            decision: None,
        }),
        other => Err(DraftError::UnknownTemplate(other.to_string())),
    }
}

/// A problem of one form field.
fn invalid(field: &str, message: impl Into<String>) -> DraftError {
    DraftError::Invalid(vec![FieldError {
        field: field.to_string(),
        message: message.into(),
    }])
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
    let tx = store.conn_mut().transaction()?;
    let id = insert_draft(&tx, user, template, &values, &c, detail)?;
    tx.commit()?;
    get(store, id)
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
    tx.execute(
        "INSERT INTO drafts (template, fields, subject, state, author_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'draft', ?4, ?5, ?5)",
        params![
            template,
            values.to_json(),
            c.composed.document.subject_one_line(),
            user.id,
            super::now_text()
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

/// Reminders the schedule drafted that wait for someone (not issued, not yet taken
/// into the workflow), newest first.
pub fn waiting_reminders(store: &Store) -> Result<Vec<crate::remind::DraftRow>, DraftError> {
    let adopted: std::collections::HashSet<i64> = store
        .conn()
        .prepare("SELECT id FROM reminder_drafts WHERE draft_id IS NOT NULL")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(crate::remind::drafts(store)?
        .into_iter()
        .filter(|d| d.status == "draft" && !adopted.contains(&d.id))
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
    let draft = get(store, id)?;
    author_only(store, user, &draft, "update")?;
    let (values, c) = checked(store, &draft.template, raw)?;
    let tx = store.conn_mut().transaction()?;
    let n = tx.execute(
        "UPDATE drafts SET fields = ?2, subject = ?3, updated_at = ?4 WHERE id = ?1 AND state = 'draft'",
        params![id, values.to_json(), c.composed.document.subject_one_line(), super::now_text()],
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
fn transition(
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
        params![id, from.code(), to.code(), comment, super::now_text()],
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

/// The drafter hands the draft to the signer (its author only).
pub fn submit(store: &mut Store, user: &User, id: i64) -> Result<Draft, DraftError> {
    authorize(store, user, Action::Compose, &format!("draft:{id}"))?;
    let draft = get(store, id)?;
    author_only(store, user, &draft, "submit")?;
    // A template's `{{ name }}` field left in a composer draft would print as «name».
    if draft.template == super::compose::TEMPLATE {
        let names =
            super::saved::placeholders(&draft.fields).map_err(|e| DraftError::Invalid(vec![e]))?;
        if let Some(name) = names.first() {
            return Err(DraftError::Invalid(vec![FieldError {
                field: String::new(),
                message: format!(
                    "bản nháp còn ô {{{{ {name} }}}} chưa điền; hãy thay bằng nội dung trước khi trình duyệt (hoặc lưu làm mẫu)"
                ),
            }]));
        }
    }
    transition(
        store,
        user,
        id,
        (State::Draft, State::Submitted),
        "submit",
        None,
        "bản nháp đang soạn mới trình duyệt",
    )
}

/// The signer approves a submitted draft.
pub fn approve(store: &mut Store, user: &User, id: i64) -> Result<Draft, DraftError> {
    authorize(store, user, Action::Approve, &format!("draft:{id}"))?;
    transition(
        store,
        user,
        id,
        (State::Submitted, State::Approved),
        "approve",
        None,
        "bản nháp chờ duyệt mới duyệt",
    )
}

/// The signer approves a submitted draft and consents to their key signing it at issue,
/// re-entering their password (Nghị định 30 Điều 14: the signer signs first). A wrong
/// password approves nothing (and counts as a failed login).
pub fn approve_signing(
    store: &mut Store,
    user: &User,
    id: i64,
    password: &str,
) -> Result<Draft, DraftError> {
    let target = format!("draft:{id}");
    authorize(store, user, Action::Approve, &target)?;
    if super::accounts::authenticate(store, &user.login, password, None).is_err() {
        audit::record(
            store.conn(),
            Some(user),
            "approve-sign",
            &target,
            Outcome::Refused,
            "wrong password",
        )?;
        return Err(DraftError::WrongPassword);
    }
    let draft = transition(
        store,
        user,
        id,
        (State::Submitted, State::Approved),
        "approve-sign",
        None,
        "bản nháp chờ duyệt mới duyệt",
    )?;
    store.conn().execute(
        "UPDATE drafts SET sign_consent = ?2 WHERE id = ?1",
        params![draft.id, super::now_text()],
    )?;
    get(store, id)
}

/// The signer returns a submitted draft to its drafter, saying why.
pub fn return_draft(
    store: &mut Store,
    user: &User,
    id: i64,
    comment: &str,
) -> Result<Draft, DraftError> {
    authorize(store, user, Action::Approve, &format!("draft:{id}"))?;
    let comment = crate::text::nfc(comment.trim());
    if let Err(e) = crate::text::check_text(&comment) {
        return Err(DraftError::Invalid(vec![super::forms::FieldError {
            field: "comment".into(),
            message: e.to_string(),
        }]));
    }
    if comment.is_empty() {
        return Err(DraftError::CommentRequired);
    }
    transition(
        store,
        user,
        id,
        (State::Submitted, State::Draft),
        "return",
        Some(&comment),
        "bản nháp chờ duyệt mới trả lại",
    )
}

/// The draft composed now: its document, unnumbered.
pub fn compose(store: &Store, id: i64) -> Result<Composed, DraftError> {
    let draft = get(store, id)?;
    let values = Values::stored(draft.fields);
    Ok(compose_values(store, &draft.template, &values)?.composed)
}

/// The PDF of the draft as it would be issued, without a number (anyone signed in).
pub fn preview(store: &Store, renderer: &Renderer, id: i64) -> Result<Vec<u8>, DraftError> {
    let composed = compose(store, id)?;
    Ok(renderer.pdf(&composed.document)?.0)
}

/// The keys that issuing draft `id` signs with and where each is kept (asked before
/// issuing: a token's PIN, a remote signer's confirmation). Empty when the draft is
/// issued unsigned (no signer's consent at approval).
pub fn issue_keys(
    store: &Store,
    keyring: &Keyring,
    id: i64,
) -> Result<Vec<(crate::sign::keys::Owner, crate::sign::keys::KeyPlace)>, DraftError> {
    let draft = get(store, id)?;
    if draft.sign_consent.is_none() {
        return Ok(vec![]);
    }
    let c = compose_values(store, &draft.template, &Values::stored(draft.fields))?;
    Ok(crate::sign::issue::key_places(
        keyring,
        &c.composed.document,
    ))
}

/// Whether `user` may issue draft `id` now with `confirmation` (their role, their yes):
/// asked before a background issue starts, so a refusal is said at once.
pub fn may_issue(
    store: &Store,
    user: &User,
    id: i64,
    confirmation: Confirmation,
) -> Result<(), DraftError> {
    authorize(store, user, Action::Issue, &format!("draft:{id}"))?;
    confirmation.require(Irreversible::Issue)
}

/// The clerk issues an approved draft: number from the register, PDF and DOCX stored,
/// the draft marked issued (and a decision's certificates recorded), all in the
/// register's one transaction.
pub fn issue(
    store: &mut Store,
    renderer: &Renderer,
    keyring: &Keyring,
    unlock: crate::sign::Unlock,
    user: &User,
    id: i64,
    confirmation: Confirmation,
) -> Result<Entry, DraftError> {
    let target = format!("draft:{id}");
    authorize(store, user, Action::Issue, &target)?;
    confirmation.require(Irreversible::Issue)?;
    let draft = get(store, id)?;
    if draft.state != State::Approved {
        return Err(wrong_state(store, id, "bản nháp đã duyệt mới ban hành")?);
    }
    let values = Values::stored(draft.fields);
    let c = compose_values(store, &draft.template, &values)?;
    let issuer = c.composed.document.issuer_key();
    // Signed when the signer consented at approval; refused unsigned where the
    // agency's documents must be signed.
    let electronic = match &draft.sign_consent {
        Some(_) => Some(register::electronic(
            store,
            keyring,
            unlock,
            &c.composed.document,
        )?),
        None if keyring.requires_signature(&issuer) => {
            return Err(DraftError::SignatureRequired(issuer));
        }
        None => None,
    };
    let result = register::issue_then(
        store,
        &c.composed.document,
        &c.composed.letter,
        c.date,
        |doc| match &electronic {
            Some(e) => register::render_signed(renderer, doc, e),
            None => register::render_files(renderer, doc),
        },
        |tx, entry| {
            let n = tx.execute(
                "UPDATE drafts SET state = 'issued', document_id = ?2, updated_at = ?3
                 WHERE id = ?1 AND state = 'approved'",
                params![id, entry.id, super::now_text()],
            )?;
            if n == 0 {
                // Another clerk issued it meanwhile: take nothing.
                return Err(RegisterError::AlreadyIssued);
            }
            // A reminder the schedule drafted is issued through this draft.
            tx.execute(
                "UPDATE reminder_drafts SET status = 'issued', document_id = ?2
                 WHERE draft_id = ?1 AND status = 'draft'",
                params![id, entry.id],
            )?;
            if let Some((issuer, evaluated)) = &c.decision {
                ocop::certify(tx, entry, issuer, c.date, evaluated)?;
            }
            audit::record(
                tx,
                Some(user),
                "issue",
                &target,
                Outcome::Ok,
                &entry.number_symbol,
            )?;
            Ok(())
        },
    );
    match result {
        Ok(entry) => Ok(entry),
        Err(RegisterError::AlreadyIssued) => {
            Err(wrong_state(store, id, "bản nháp đã duyệt mới ban hành")?)
        }
        Err(e) => Err(e.into()),
    }
}

/// The clerk sends an issued draft's document: one message per mailbox is queued (the
/// service's worker delivers them) and the paper recipients are listed.
pub fn send(
    store: &mut Store,
    settings: &MailSettings,
    keyring: &Keyring,
    user: &User,
    id: i64,
    confirmation: Confirmation,
) -> Result<(mail::Recipients, mail::outbox::Queued), DraftError> {
    let target = format!("draft:{id}");
    authorize(store, user, Action::Send, &target)?;
    confirmation.require(Irreversible::Send)?;
    let draft = get(store, id)?;
    let Some(document) = draft.document_id else {
        return Err(wrong_state(store, id, "văn bản đã ban hành mới gửi")?);
    };
    let entry = register::by_id(store, document)?;
    if entry.signatures == 0 && keyring.requires_signature(&entry.issuer) {
        return Err(DraftError::SignatureRequired(entry.issuer));
    }
    let queued = mail::queue(store, &entry, settings)?;
    audit::record(
        store.conn(),
        Some(user),
        "send",
        &target,
        Outcome::Ok,
        &format!("{} thư mới", queued.1.queued),
    )?;
    Ok(queued)
}
