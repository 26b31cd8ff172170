//! A draft's way from its drafter to its recipients: submitted, approved (with the
//! named signer's consent to their key, or without), returned, issued by a clerk of
//! its agency, sent. Each step checks the role and the agency ([`crate::service::access`])
//! before anything changes.

use super::frozen::{self, Frozen};
use super::{
    Composition, Draft, DraftError, Irreversible, State, author_only, authorize, compose_values,
    frozen_of, get, get_for, transition, wrong_state,
};
use crate::mail::{self, MailSettings};
use crate::ocop::{self, Composed};
use crate::render::Renderer;
use crate::service::access;
use crate::service::accounts::{Action, User};
use crate::service::audit::{self, Outcome};
use crate::service::forms::{FieldError, Values};
use crate::sign::Keyring;
use crate::store::register::{self, Entry, RegisterError};
use crate::store::{Store, drafts};

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

/// What `user` may do with a draft now: the buttons its page shows (the same rules as
/// the steps themselves, which check them again).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Actions {
    pub edit: bool,
    /// An OCOP draft's generated text made editable (not a decision's).
    pub editable: bool,
    pub save_template: bool,
    pub submit: bool,
    pub approve: bool,
    /// Approving with consent to the signer's key: the named signer only.
    pub approve_sign: bool,
    /// Returning it to its drafter with a comment (any signer of its agency).
    #[serde(rename = "return")]
    pub send_back: bool,
    /// A signer of its agency who is not the person named as its signer: the page says
    /// who must approve.
    pub not_the_signer: bool,
    pub issue: bool,
    pub send: bool,
}

/// The actions of `user` on `draft`; `sent` when its messages were queued, `secret`
/// when its document is never e-mailed.
pub fn actions(user: &User, draft: &Draft, sent: bool, secret: bool) -> Actions {
    let issuer = draft.issuer.as_deref();
    let may = |a: Action| access::may(user, a, issuer);
    let author = draft.author == user.login;
    let composer = draft.template == crate::service::compose::TEMPLATE;
    let named = draft.signer.is_some() && user.person == draft.signer;
    Actions {
        edit: may(Action::Compose) && draft.state == State::Draft && author,
        editable: may(Action::Compose)
            && draft.state == State::Draft
            && author
            && !composer
            && draft.template != "decision",
        save_template: may(Action::Compose) && composer,
        submit: may(Action::Compose) && draft.state == State::Draft && author,
        approve: may(Action::Approve)
            && draft.state == State::Submitted
            && (draft.signer.is_none() || named),
        approve_sign: may(Action::Approve) && draft.state == State::Submitted && named,
        send_back: may(Action::Approve) && draft.state == State::Submitted,
        not_the_signer: may(Action::Approve)
            && draft.state == State::Submitted
            && draft.signer.is_some()
            && !named,
        issue: may(Action::Issue) && draft.state == State::Approved,
        send: may(Action::Send) && draft.state == State::Issued && !sent && !secret,
    }
}

/// `user` may take `action` on `draft` of its issuing agency.
fn acting_on(store: &Store, user: &User, action: Action, draft: &Draft) -> Result<(), DraftError> {
    Ok(access::act_for(
        store,
        user,
        action,
        draft.issuer.as_deref(),
        "bản nháp",
        &format!("draft:{}", draft.id),
    )?)
}

/// The drafter hands the draft to the signer (its author only).
pub fn submit(store: &mut Store, user: &User, id: i64) -> Result<Draft, DraftError> {
    authorize(store, user, Action::Compose, &format!("draft:{id}"))?;
    let draft = get_for(store, user, id)?;
    acting_on(store, user, Action::Compose, &draft)?;
    author_only(store, user, &draft, "submit")?;
    // A template's `{{ name }}` field left in a composer draft would print as «name».
    if draft.template == crate::service::compose::TEMPLATE {
        let names = crate::service::compose::placeholders(&draft.fields)
            .map_err(|e| DraftError::Invalid(vec![e]))?;
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

/// The checks of approving: a signer of the issuing agency (or one who signs for it)
/// and, when the draft names a stored person as its signer, that person's account only.
///
/// What is approved is the composition made now, frozen ([`frozen`]); `seen`, the hash
/// of the composition the signer was shown, when given, must still be it.
fn approving(
    store: &Store,
    user: &User,
    id: i64,
    seen: Option<&str>,
) -> Result<(Draft, Frozen), DraftError> {
    let target = format!("draft:{id}");
    authorize(store, user, Action::Approve, &target)?;
    let draft = get_for(store, user, id)?;
    acting_on(store, user, Action::Approve, &draft)?;
    if draft.signer.is_some() {
        access::consent(store, user, draft.signer.as_deref(), &target)?;
    }
    if draft.state != State::Submitted {
        return Err(wrong_state(store, id, "bản nháp chờ duyệt mới duyệt")?);
    }
    let c = compose_values(
        store,
        &draft.template,
        &Values::stored(draft.fields.clone()),
    )?;
    let frozen = Frozen::of(store, &c)?;
    if seen.is_some_and(|s| !s.trim().is_empty() && s.trim() != frozen.hash()) {
        return Err(DraftError::SeenChanged(id));
    }
    Ok((draft, frozen))
}

/// Moves a submitted draft to approved with its frozen composition (and, with
/// `consent`, the consenting account), one transaction with its audit row.
fn approved(
    store: &mut Store,
    user: &User,
    id: i64,
    frozen: &Frozen,
    consent: bool,
) -> Result<Draft, DraftError> {
    let hash = frozen.hash();
    let tx = store.write()?;
    let approved = drafts::approve(
        &tx,
        id,
        consent.then_some(user.id),
        &frozen.to_json(),
        &hash,
        &crate::service::clock::now_text(),
    )?;
    if !approved {
        drop(tx);
        return Err(wrong_state(store, id, "bản nháp chờ duyệt mới duyệt")?);
    }
    let action = if consent { "approve-sign" } else { "approve" };
    audit::record(
        &tx,
        Some(user),
        action,
        &format!("draft:{id}"),
        Outcome::Ok,
        &format!("nội dung đã duyệt {}", frozen::short(&hash)),
    )?;
    tx.commit()?;
    get(store, id)
}

/// The signer named on the draft approves it (without consenting to their key: the
/// issue is then unsigned, or refused where a signature is required). `seen`: the hash
/// of the pages the signer was shown (the page sends it; the API may).
pub fn approve(
    store: &mut Store,
    user: &User,
    id: i64,
    seen: Option<&str>,
) -> Result<Draft, DraftError> {
    let (_, frozen) = approving(store, user, id, seen)?;
    approved(store, user, id, &frozen, false)
}

/// The signer approves a submitted draft and consents to their key signing it at issue,
/// re-entering their password (Nghị định 30 Điều 14: the signer signs first) and, when
/// they have one, their second factor's `code`. A wrong password approves nothing (and
/// counts as a failed login).
pub fn approve_signing(
    store: &mut Store,
    user: &User,
    id: i64,
    password: &str,
    code: Option<&str>,
    seen: Option<&str>,
) -> Result<Draft, DraftError> {
    let target = format!("draft:{id}");
    let (draft, frozen) = approving(store, user, id, seen)?;
    // Consent needs a person: a draft whose signer is not one cannot be signed.
    access::consent(store, user, draft.signer.as_deref(), &target)?;
    if crate::service::accounts::authenticate(store, &user.login, password, None).is_err() {
        audit::record(
            store.conn(),
            Some(user),
            "approve-sign",
            &target,
            Outcome::Refused,
            "sai mật khẩu",
        )?;
        return Err(DraftError::WrongPassword);
    }
    if let Err(e) = crate::service::accounts::second_factor::check(store, user, code) {
        audit::record(
            store.conn(),
            Some(user),
            "approve-sign",
            &target,
            Outcome::Refused,
            &e.to_string(),
        )?;
        return Err(DraftError::SecondFactor(e.to_string()));
    }
    approved(store, user, id, &frozen, true)
}

/// The signer returns a submitted draft to its drafter, saying why.
pub fn return_draft(
    store: &mut Store,
    user: &User,
    id: i64,
    comment: &str,
) -> Result<Draft, DraftError> {
    authorize(store, user, Action::Approve, &format!("draft:{id}"))?;
    let draft = get_for(store, user, id)?;
    acting_on(store, user, Action::Approve, &draft)?;
    let comment = crate::text::nfc(comment.trim());
    if let Err(e) = crate::text::check_text(&comment) {
        return Err(DraftError::Invalid(vec![FieldError {
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

/// The draft's composition as `user` may read it: once approved, the one its signer
/// approved ([`frozen`]); before, the one the data makes now.
fn composition(store: &Store, draft: &Draft) -> Result<Composition, DraftError> {
    match frozen_of(store, draft.id)? {
        Some(f) if matches!(draft.state, State::Approved | State::Issued) => f.composition(),
        _ => compose_values(
            store,
            &draft.template,
            &Values::stored(draft.fields.clone()),
        ),
    }
}

/// The draft's document, unnumbered, as `user` may read it (once approved: exactly what
/// was approved).
pub fn compose(store: &Store, user: &User, id: i64) -> Result<Composed, DraftError> {
    let draft = get_for(store, user, id)?;
    Ok(composition(store, &draft)?.composed)
}

/// The hash of the composition the draft's pages show now ([`frozen::Frozen::hash`]):
/// what a signer who approves these pages approves (the page sends it back as `seen`).
pub fn content_hash(store: &Store, user: &User, id: i64) -> Result<String, DraftError> {
    let draft = get_for(store, user, id)?;
    match (&draft.approved_hash, draft.state) {
        (Some(h), State::Approved | State::Issued) => Ok(h.clone()),
        _ => Ok(Frozen::of(store, &composition(store, &draft)?)?.hash()),
    }
}

/// The PDF of the draft as it would be issued, without a number (its agency's readers).
pub fn preview(
    store: &Store,
    user: &User,
    renderer: &Renderer,
    id: i64,
) -> Result<Vec<u8>, DraftError> {
    let composed = compose(store, user, id)?;
    Ok(renderer.pdf(&composed.document)?.0)
}

/// The keys that issuing draft `id` signs with and where each is kept (asked before
/// issuing: a token's PIN, a remote signer's confirmation). Empty when the draft is
/// issued unsigned (no signer's consent at approval).
pub fn issue_keys(
    store: &Store,
    keyring: &Keyring,
    user: &User,
    id: i64,
) -> Result<Vec<(crate::sign::keys::Owner, crate::sign::keys::KeyPlace)>, DraftError> {
    let draft = get_for(store, user, id)?;
    if draft.sign_consent.is_none() {
        return Ok(vec![]);
    }
    let c = composition(store, &draft)?;
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
    let draft = get_for(store, user, id)?;
    acting_on(store, user, Action::Issue, &draft)?;
    confirmation.require(Irreversible::Issue)
}

/// Whether the consent on `draft` is the named signer's own: given by the account that
/// is the person the composed document names as signer.
fn consent_holds(store: &Store, draft: &Draft, composed: &Composed) -> Result<bool, DraftError> {
    let Some(by) = draft.consent_by else {
        return Ok(false);
    };
    let person = crate::store::accounts::person_of(store.conn(), by)?;
    let signer = composed.document.parts().signature.id.clone();
    Ok(person.is_some() && person == signer && signer == draft.signer)
}

/// Sends an approved draft back to its signer because the data changed since approval
/// (`changes`, in words; empty: approved before vanthu kept what was approved): its
/// consent and frozen composition are cleared, the note says what changed; the
/// clerk's refused issue and the return are audited; nothing is numbered. Returns the
/// error to answer.
fn send_back(
    store: &mut Store,
    user: &User,
    draft: &Draft,
    changes: Vec<String>,
) -> Result<DraftError, DraftError> {
    let target = format!("draft:{}", draft.id);
    let said = if changes.is_empty() {
        "bản nháp được duyệt trước khi vanthu giữ nội dung đã duyệt".to_string()
    } else {
        changes.join("; ")
    };
    let note = format!("Dữ liệu đã thay đổi sau khi duyệt: {said}. Hãy xem lại và duyệt lại.");
    let tx = store.write()?;
    if !drafts::send_back(&tx, draft.id, &note, &crate::service::clock::now_text())? {
        drop(tx);
        return wrong_state(store, draft.id, "bản nháp đã duyệt mới ban hành");
    }
    audit::record(&tx, Some(user), "issue", &target, Outcome::Refused, &said)?;
    audit::record(
        &tx,
        Some(user),
        "return-changed",
        &target,
        Outcome::Ok,
        &note,
    )?;
    tx.commit()?;
    Ok(DraftError::ChangedSinceApproval {
        id: draft.id,
        changes,
    })
}

/// For a reminder, the day an agency (by its printed name) reported on its milestone.
fn reported_on(store: &Store, draft: &Draft, name: &str) -> Option<String> {
    let milestone = draft.fields.get("milestone")?;
    crate::store::milestones::reported_on_by_name(store.conn(), milestone, name)
        .ok()
        .flatten()
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
    let draft = get_for(store, user, id)?;
    acting_on(store, user, Action::Issue, &draft)?;
    confirmation.require(Irreversible::Issue)?;
    if draft.state != State::Approved {
        return Err(wrong_state(store, id, "bản nháp đã duyệt mới ban hành")?);
    }
    // What is issued is what the signer approved; composed again from live data, it must
    // be the same, or the draft goes back to the signer and nothing is numbered.
    let Some(frozen) = frozen_of(store, id)? else {
        return Err(send_back(store, user, &draft, vec![])?);
    };
    let c = frozen.composition()?;
    let live = compose_values(
        store,
        &draft.template,
        &Values::stored(draft.fields.clone()),
    );
    let changed = match &live {
        Ok(now) => frozen::changes(&c, now, &|name| reported_on(store, &draft, name)),
        Err(e) => vec![format!(
            "văn bản không soạn lại được từ dữ liệu hiện có: {e}"
        )],
    };
    if !changed.is_empty() {
        return Err(send_back(store, user, &draft, changed)?);
    }
    let issued_hash = frozen.hash();
    // The document is issued in the register of the clerk's own agency, under its key.
    access::act_for(
        store,
        user,
        Action::Issue,
        c.composed.document.parts().issuer.id.as_deref(),
        "văn bản",
        &target,
    )?;
    let issuer = c.composed.document.issuer_key();
    // Signed when the named signer consented at approval; refused unsigned where the
    // agency's documents must be signed.
    if draft.sign_consent.is_some() && !consent_holds(store, &draft, &c.composed)? {
        return Err(DraftError::ConsentNotValid(id));
    }
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
            let now = crate::service::clock::now_text();
            if !drafts::mark_issued(tx, id, entry.id, &issued_hash, &now)? {
                // Another clerk issued it meanwhile: take nothing.
                return Err(RegisterError::AlreadyIssued);
            }
            if let Some((issuer, evaluated)) = &c.decision {
                ocop::certify(tx, entry, issuer, c.date, evaluated)?;
            }
            audit::record(
                tx,
                Some(user),
                "issue",
                &target,
                Outcome::Ok,
                &format!(
                    "{}; nội dung ban hành {}",
                    entry.number_symbol,
                    frozen::short(&issued_hash)
                ),
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
    let draft = get_for(store, user, id)?;
    acting_on(store, user, Action::Send, &draft)?;
    confirmation.require(Irreversible::Send)?;
    let Some(document) = draft.document_id else {
        return Err(wrong_state(store, id, "văn bản đã ban hành mới gửi")?);
    };
    let entry = register::by_id(store, document)?;
    access::act_for(
        store,
        user,
        Action::Send,
        Some(&entry.issuer),
        "văn bản",
        &target,
    )?;
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
