//! A draft's way to the register: submitted for approval, approved (with the signer's
//! consent to sign) or returned, issued with a number, sent to its recipients.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::{ApiJson, Id};
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::service::drafts;

/// POST /drafts/{id}/submit
#[utoipa::path(
    post,
    operation_id = "drafts_submit",
    path = "/drafts/{id}/submit",
    tag = "drafts",
    summary = "Submit for approval (drafter)",
    params(
        ("id" = i64, Path),
    ),
    responses(
        (status = 200, description = "OK", body = drafts::Draft),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<drafts::Draft>, ApiError> {
    state
        .run(move |store, _| Ok(Json(drafts::submit(store, &caller.user, id)?)))
        .await
}

/// The optional body of POST /drafts/{id}/approve.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// The `content_hash` of the draft the signer was shown: refused if it changed.
    #[serde(default)]
    seen: Option<String>,
}

/// POST /drafts/{id}/approve {seen}: the composition made now is frozen as approved.
#[utoipa::path(
    post,
    operation_id = "drafts_approve",
    path = "/drafts/{id}/approve",
    tag = "drafts",
    summary = "Approve (signer): freezes the content shown; issue refuses with 409 changed_since_approval (draft back to the signer) if the data changes it",
    params(
        ("id" = i64, Path),
    ),
    request_body(content = inline(Approval), content_type = "application/json"),
    responses(
        (status = 200, description = "OK", body = drafts::Draft),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    body: axum::body::Bytes,
) -> Result<Json<drafts::Draft>, ApiError> {
    let a: Approval = optional_body(&body, "{\"seen\": \"…\"}")?;
    state
        .run(move |store, _| {
            Ok(Json(drafts::approve(
                store,
                &caller.user,
                id,
                a.seen.as_deref(),
            )?))
        })
        .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Password {
    password: String,
    /// The second factor's code, for a signer who has one.
    #[serde(default)]
    code: Option<String>,
    /// The `content_hash` of the draft the signer was shown.
    #[serde(default)]
    seen: Option<String>,
}

/// POST /drafts/{id}/approve-signed {password, code}: approve and consent to the signer's
/// key signing the document at issue (`code`: the signer's second factor, if any).
#[utoipa::path(
    post,
    operation_id = "drafts_approve_signed",
    path = "/drafts/{id}/approve-signed",
    tag = "drafts",
    summary = "Approve (signer) and consent to the signer's key signing the document at issue (Ký số): the signer re-enters their password; 403 wrong_password approves nothing",
    params(
        ("id" = i64, Path),
    ),
    request_body(content = inline(Password), content_type = "application/json"),
    responses(
        (status = 200, description = "OK", body = drafts::Draft),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn approve_signed(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(p): ApiJson<Password>,
) -> Result<Json<drafts::Draft>, ApiError> {
    state
        .run(move |store, _| {
            Ok(Json(drafts::approve_signing(
                store,
                &caller.user,
                id,
                &p.password,
                p.code.as_deref(),
                p.seen.as_deref(),
            )?))
        })
        .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Comment {
    #[serde(default)]
    comment: String,
}

/// POST /drafts/{id}/return {comment}
#[utoipa::path(
    post,
    operation_id = "drafts_return_draft",
    path = "/drafts/{id}/return",
    tag = "drafts",
    summary = "Return to the drafter with a comment (signer)",
    params(
        ("id" = i64, Path),
    ),
    request_body(content = inline(Comment), content_type = "application/json"),
    responses(
        (status = 200, description = "OK", body = drafts::Draft),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn return_draft(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(c): ApiJson<Comment>,
) -> Result<Json<drafts::Draft>, ApiError> {
    state
        .run(move |store, _| {
            Ok(Json(drafts::return_draft(
                store,
                &caller.user,
                id,
                &c.comment,
            )?))
        })
        .await
}

/// The PINs typed for token keys, by the role their key signs in.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Pins {
    #[serde(default)]
    signer: Option<String>,
    #[serde(default)]
    agency: Option<String>,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    #[serde(default)]
    pins: Pins,
    /// The caller's explicit yes: issuing takes a number for good.
    #[serde(default)]
    confirm: bool,
}

/// The body of POST /drafts/{id}/send.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    /// The caller's explicit yes: the messages cannot be called back.
    #[serde(default)]
    confirm: bool,
}

impl Pins {
    /// The PINs of the web issue form (`pin_signer`, `pin_agency`).
    pub fn from_form(form: &BTreeMap<String, String>) -> Pins {
        Pins {
            signer: form.get("pin_signer").cloned(),
            agency: form.get("pin_agency").cloned(),
        }
    }

    /// The PINs as the signing code takes them.
    pub fn unlock(self) -> crate::sign::Unlock {
        let mut unlock = crate::sign::Unlock::default();
        for (role, pin) in [
            (crate::sign::Role::Signer, self.signer),
            (crate::sign::Role::Agency, self.agency),
        ] {
            if let Some(pin) = pin.filter(|p| !p.is_empty()) {
                unlock = unlock.with_pin(role, pin.into());
            }
        }
        unlock
    }
}

/// What an issue answers: the register's entry, or the state of an issue that waits.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Issued {
    Entry(Box<crate::store::register::Entry>),
    Waiting(Option<crate::service::issuing::JobState>),
}

/// POST /drafts/{id}/issue, optionally `{"pins": {"signer": "…", "agency": "…"}}` for
/// keys on tokens: the register's entry (200), or, when a remote signer must confirm on
/// their phone, 202 with the issue's state (`GET` the same path until it is `issued`).
#[utoipa::path(
    post,
    operation_id = "drafts_issue",
    path = "/drafts/{id}/issue",
    tag = "drafts",
    summary = "Issue: number from the register, PDF and DOCX stored, signed where the signer consented (clerk); 409 changed_since_approval when the data changed what the signer approved (the draft goes back to them, no number taken)",
    description = "Issuing takes a number from the register for good: the body must say so, `{\"confirm\": true}` (without it: 422 `not_confirmed` on field `confirm`, nothing changed), like the ticked box of the page. Keys on a USB token or HSM need their PIN, typed now and never stored: `{\"confirm\": true, \"pins\": {\"signer\": \"…\", \"agency\": \"…\"}}`. When a key is at a remote signing service the signer confirms on their phone: the answer is 202 with the issue's state, and `GET` on this path tells it until `issued` (or `failed`: nothing stored, no number used).",
    params(
        ("id" = i64, Path),
    ),
    request_body(content = inline(IssueRequest), content_type = "application/json"),
    responses(
        (status = 200, description = "OK", body = crate::store::register::Entry),
        (status = 202, description = "Waiting for the signer's confirmation at a remote service", body = crate::service::issuing::JobState),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn issue(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Issued>), ApiError> {
    let request: IssueRequest = optional_body(
        &body,
        "{\"confirm\": true, \"pins\": {\"signer\": …, \"agency\": …}}",
    )?;
    let confirmed = drafts::Confirmation::answered(request.confirm);
    match state
        .issue(caller.user, id, request.pins.unlock(), confirmed)
        .await?
    {
        Some(e) => Ok((StatusCode::OK, Json(Issued::Entry(Box::new(e))))),
        None => Ok((
            StatusCode::ACCEPTED,
            Json(Issued::Waiting(state.jobs().get(id))),
        )),
    }
}

/// A JSON body that may be left out (then every field takes its default); `shape` is
/// what it should look like, for the message.
fn optional_body<T: serde::de::DeserializeOwned + Default>(
    body: &[u8],
    shape: &str,
) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_body",
            // serde's own words are English: say where, in Vietnamese.
            format!(
                "nội dung không đúng dạng {shape} (chỗ sai ở dòng {}, cột {})",
                e.line(),
                e.column()
            ),
        )
    })
}

/// GET /drafts/{id}/issue: the state of a background issue (`signing`, `waiting` with
/// the message for the page, `issued` with its number, or `failed` with the reason).
#[utoipa::path(
    get,
    operation_id = "drafts_issue_state",
    path = "/drafts/{id}/issue",
    tag = "drafts",
    summary = "The state of a background issue (waiting on a remote signer)",
    params(
        ("id" = i64, Path),
    ),
    responses(
        (status = 200, description = "OK", body = crate::service::issuing::JobState),
        (status = 401, response = Problem),
        (status = 404, response = Problem),
    ),
)]
pub async fn issue_state(
    State(state): State<AppState>,
    _caller: Caller,
    Id(id): Id,
) -> Result<Json<crate::service::issuing::JobState>, ApiError> {
    match state.jobs().get(id) {
        Some(job) => Ok(Json(job)),
        None => Err(ApiError::not_found(
            "bản nháp này không có lần ban hành nào đang chờ",
        )),
    }
}

/// What a send queued: new messages, mailboxes queued before, paper copies, and how
/// many mailboxes the document goes to.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Sent {
    pub queued: usize,
    pub already: usize,
    pub paper: usize,
    pub mailboxes: usize,
}

/// POST /drafts/{id}/send: queues the messages; the worker delivers them.
#[utoipa::path(
    post,
    operation_id = "drafts_send",
    path = "/drafts/{id}/send",
    tag = "drafts",
    summary = "Queue one e-mail per recipient mailbox (clerk)",
    description = "Sending mails every recipient and cannot be called back: the body must say so, `{\"confirm\": true}` (without it: 422 `not_confirmed` on field `confirm`, nothing queued), like the ticked box of the page.",
    params(
        ("id" = i64, Path),
    ),
    request_body(content = inline(SendRequest), content_type = "application/json"),
    responses(
        (status = 202, description = "OK", body = Sent),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn send(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Sent>), ApiError> {
    let request: SendRequest = optional_body(&body, "{\"confirm\": true}")?;
    let confirmed = drafts::Confirmation::answered(request.confirm);
    state
        .run(move |store, state| {
            let (recipients, queued) = drafts::send(
                store,
                &state.mail(),
                &state.keyring(),
                &caller.user,
                id,
                confirmed,
            )?;
            Ok((
                StatusCode::ACCEPTED,
                Json(Sent {
                    queued: queued.queued,
                    already: queued.already,
                    paper: queued.paper,
                    mailboxes: recipients.mailboxes.len(),
                }),
            ))
        })
        .await
}
