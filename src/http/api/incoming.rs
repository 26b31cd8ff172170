//! Incoming documents (văn bản đến): receive a PDF, read the agency's entries and
//! its Sổ đăng ký văn bản đến, confirm what was read, pass an entry on, record its
//! result, link it as a report. An entry is named by its year and Số đến, inside the
//! caller's own agency.

use axum::Json;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::{ApiJson, file};
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::incoming::{Receipt, Source};
use crate::service::incoming::{
    self as inbox, AssignInput, ConfirmInput, DoneInput, IncomingEntry, Waiting,
};
use crate::store::register::today_vn;

/// The largest body `POST /incoming` reads: the largest incoming file, and room for a
/// multipart envelope.
pub const UPLOAD_LIMIT: usize = crate::incoming::MAX_FILE + 1024 * 1024;

/// (year, Số đến) in the path; anything but two numbers is 404.
pub struct Key(pub i32, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Key {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path((year, number)) =
            axum::extract::Path::<(String, String)>::from_request_parts(parts, state)
                .await
                .map_err(|_| ApiError::not_found("không có văn bản đến này"))?;
        match (year.parse(), number.parse()) {
            (Ok(y), Ok(n)) => Ok(Key(y, n)),
            _ => Err(ApiError::not_found(format!(
                "không có văn bản đến số \"{number}\" năm \"{year}\""
            ))),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReceiveQuery {
    /// The file's name, as it is shown and stored.
    pub name: String,
    /// `true` for a paper document scanned to PDF (no digital signature expected).
    #[serde(default)]
    pub scan: bool,
}

/// What a receipt did: a new Số đến, or the entry the same file already had.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Received {
    /// `false` when this agency had registered the very same file before.
    pub registered: bool,
    pub entry: IncomingEntry,
}

/// POST /incoming?name=&scan= (body: the PDF)
#[utoipa::path(
    post,
    operation_id = "incoming_receive",
    path = "/incoming",
    tag = "incoming",
    summary = "Receive an incoming document for the caller's agency (văn thư): its signatures are checked, its first page read, and it is registered under the next Số đến",
    description = "The body is the PDF (at most 30 MB). 201 with the new entry; 200 with the first entry when the agency had registered the very same file (same SHA-256). An unsigned or invalidly signed file is registered flagged (`signatures`), never as a valid electronic original; fields not read exactly are listed in `to_check`.",
    params(ReceiveQuery),
    request_body(content(("application/pdf"))),
    responses(
        (status = 201, description = "Registered", body = Received),
        (status = 200, description = "Already registered", body = Received),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 413, response = Problem),
        (status = 422, response = Problem),
        (status = 503, response = Problem),
    ),
)]
pub async fn receive(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ReceiveQuery>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiError::new(r.status(), "bad_body", "không đọc hết được tệp gửi lên")
        }
    })?;
    let source = if q.scan { Source::Scan } else { Source::Api };
    state
        .run(move |store, state| {
            let receipt = inbox::receive(
                store,
                state.renderer(),
                state.keyring().trust(),
                &caller.user,
                &q.name,
                &body,
                source,
            )?;
            let today = today_vn();
            let (status, registered, entry) = match receipt {
                Receipt::Registered(e) => (StatusCode::CREATED, true, e),
                Receipt::Already(e) => (StatusCode::OK, false, e),
            };
            let entry = IncomingEntry::of(&entry, today);
            Ok((status, Json(Received { registered, entry })).into_response())
        })
        .await
}

/// A body over [`UPLOAD_LIMIT`], said like a file over the limit.
pub fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!(
            "tệp quá giới hạn {} MB của một văn bản đến; hãy tách hồ sơ hoặc quét ở độ phân giải thấp hơn",
            crate::incoming::MAX_FILE / (1024 * 1024)
        ),
    )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct YearQuery {
    /// The register's year (default: this year).
    pub year: Option<String>,
}

impl YearQuery {
    /// The year asked for, or this year; a bad one is a 400 naming `year`.
    pub fn year(&self) -> Result<i32, ApiError> {
        match self.year.as_deref().map(str::trim).unwrap_or("") {
            "" => Ok(chrono::Datelike::year(&today_vn())),
            y => y.parse().map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_field",
                    format!("năm \"{y}\" không phải số: hãy ghi năm của sổ, ví dụ 2026"),
                )
                .at("year")
            }),
        }
    }
}

/// The agency's entries of a year.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Entries {
    pub entries: Vec<IncomingEntry>,
}

/// GET /incoming?year=
#[utoipa::path(
    get,
    operation_id = "incoming_list",
    path = "/incoming",
    tag = "incoming",
    summary = "The caller's agency's incoming entries of a year, by Số đến (any account of the agency)",
    params(YearQuery),
    responses(
        (status = 200, description = "OK", body = Entries),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<YearQuery>,
) -> Result<Json<Entries>, ApiError> {
    let year = q.year()?;
    state
        .run(move |store, _| {
            let today = today_vn();
            let entries = inbox::list(store, &caller.user, year)?
                .iter()
                .map(|e| IncomingEntry::of(e, today))
                .collect();
            Ok(Json(Entries { entries }))
        })
        .await
}

/// GET /incoming/{year}/{number}
#[utoipa::path(
    get,
    operation_id = "incoming_one",
    path = "/incoming/{year}/{number}",
    tag = "incoming",
    summary = "One incoming entry",
    params(("year" = i32, Path), ("number" = i64, Path, description = "Số đến")),
    responses(
        (status = 200, description = "OK", body = IncomingEntry),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
    ),
)]
pub async fn one(
    State(state): State<AppState>,
    caller: Caller,
    Key(year, number): Key,
) -> Result<Json<IncomingEntry>, ApiError> {
    state
        .run(move |store, _| {
            let e = inbox::one(store, &caller.user, year, number)?;
            Ok(Json(IncomingEntry::of(&e, today_vn())))
        })
        .await
}

/// GET /incoming/{year}/{number}/file
#[utoipa::path(
    get,
    operation_id = "incoming_file",
    path = "/incoming/{year}/{number}/file",
    tag = "incoming",
    summary = "The received file, byte for byte",
    params(("year" = i32, Path), ("number" = i64, Path, description = "Số đến")),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf"),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
    ),
)]
pub async fn pdf(
    State(state): State<AppState>,
    caller: Caller,
    Key(year, number): Key,
) -> Result<Response, ApiError> {
    state
        .run(move |store, _| {
            let (e, bytes) = inbox::file(store, &caller.user, year, number)?;
            Ok(file(bytes, "application/pdf", &e.row.file_name))
        })
        .await
}

/// POST /incoming/{year}/{number}/confirm
#[utoipa::path(
    post,
    operation_id = "incoming_confirm",
    path = "/incoming/{year}/{number}/confirm",
    tag = "incoming",
    summary = "Confirm or correct what was read (văn thư): each field given replaces what was read and is no longer to check",
    params(("year" = i32, Path), ("number" = i64, Path, description = "Số đến")),
    request_body(content = ConfirmInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The entry", body = IncomingEntry),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    Key(year, number): Key,
    ApiJson(input): ApiJson<ConfirmInput>,
) -> Result<Json<IncomingEntry>, ApiError> {
    state
        .run(move |store, _| {
            let c = input.parse().map_err(inbox::InboxError::from)?;
            let e = inbox::confirm(store, &caller.user, year, number, &c)?;
            Ok(Json(IncomingEntry::of(&e, today_vn())))
        })
        .await
}

/// POST /incoming/{year}/{number}/assign
#[utoipa::path(
    post,
    operation_id = "incoming_assign",
    path = "/incoming/{year}/{number}/assign",
    tag = "incoming",
    summary = "Pass an entry on to a unit or person, or an account of the agency, with a handling deadline (văn thư); the account sees it on its dashboard",
    params(("year" = i32, Path), ("number" = i64, Path, description = "Số đến")),
    request_body(content = AssignInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The entry", body = IncomingEntry),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    Key(year, number): Key,
    ApiJson(input): ApiJson<AssignInput>,
) -> Result<Json<IncomingEntry>, ApiError> {
    state
        .run(move |store, _| {
            let today = today_vn();
            let a = input.parse(today).map_err(inbox::InboxError::from)?;
            let e = inbox::assign(store, &caller.user, year, number, &a)?;
            Ok(Json(IncomingEntry::of(&e, today)))
        })
        .await
}

/// POST /incoming/{year}/{number}/done
#[utoipa::path(
    post,
    operation_id = "incoming_done",
    path = "/incoming/{year}/{number}/done",
    tag = "incoming",
    summary = "Record the handling result (the account it was passed on to, or a văn thư)",
    params(("year" = i32, Path), ("number" = i64, Path, description = "Số đến")),
    request_body(content = DoneInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The entry", body = IncomingEntry),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn done(
    State(state): State<AppState>,
    caller: Caller,
    Key(year, number): Key,
    ApiJson(input): ApiJson<DoneInput>,
) -> Result<Json<IncomingEntry>, ApiError> {
    state
        .run(move |store, _| {
            let today = today_vn();
            let (result, on) = input.parse(today).map_err(inbox::InboxError::from)?;
            let e = inbox::done(store, &caller.user, year, number, &result, on)?;
            Ok(Json(IncomingEntry::of(&e, today)))
        })
        .await
}

/// The body of POST /incoming/{year}/{number}/copy.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CopyRequest {
    /// The recipients: stored agencies', people's or groups' ids, or printed names.
    #[serde(default)]
    to: Vec<String>,
    /// The caller's explicit yes: a copy takes a number of the copy series for good.
    #[serde(default)]
    confirm: bool,
    /// The PIN of the agency's key when it is on a USB token or HSM (never stored).
    #[serde(default)]
    pins: super::workflow::Pins,
}

/// POST /incoming/{year}/{number}/copy
#[utoipa::path(
    post,
    operation_id = "incoming_copy",
    path = "/incoming/{year}/{number}/copy",
    tag = "incoming",
    summary = "Forward the entry as an electronic copy (SAO Y) signed with the agency's key, numbered in its copy series, its messages queued for the delivery worker (văn thư)",
    description = "`{\"to\": [\"xa-an-binh\", \"UBND xã Tân Lập\"], \"confirm\": true}`: each recipient a stored agency's, person's or group's id or printed name. Only a validly signed original or a scanned paper original is copied (409 `not_an_original` otherwise); an unknown recipient is 422 on field `to`; without `confirm` 422 on field `confirm`. Nothing is numbered or stored when refused. A key on a token takes `\"pins\": {\"agency\": \"…\"}`.",
    params(("year" = i32, Path), ("number" = i64, Path, description = "Số đến")),
    request_body(content = inline(CopyRequest), content_type = "application/json"),
    responses(
        (status = 201, description = "The copy's register entry", body = crate::store::register::Entry),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn copy(
    State(state): State<AppState>,
    caller: Caller,
    Key(year, number): Key,
    ApiJson(request): ApiJson<CopyRequest>,
) -> Result<(StatusCode, Json<crate::store::register::Entry>), ApiError> {
    state
        .run(move |store, state| {
            let input = crate::service::copies::CopyInput {
                to: request.to,
                confirm: request.confirm,
            };
            let unlock = request.pins.unlock();
            let tools = crate::service::copies::Tools {
                renderer: state.renderer(),
                keyring: &state.keyring(),
                mail: &state.mail(),
            };
            let e = crate::service::copies::copy(
                store,
                tools,
                unlock,
                &caller.user,
                year,
                number,
                &input,
            )?;
            Ok((StatusCode::CREATED, Json(e)))
        })
        .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportLink {
    /// The milestone the entry is its author's report on.
    milestone: String,
    /// `true` undoes the link (the report is no longer recorded).
    #[serde(default)]
    undo: bool,
}

/// POST /incoming/{year}/{number}/reports
#[utoipa::path(
    post,
    operation_id = "incoming_report",
    path = "/incoming/{year}/{number}/reports",
    tag = "incoming",
    summary = "Link an entry as its author's report on a milestone, or undo the link (văn thư); reminders stop reaching that agency for it",
    params(("year" = i32, Path), ("number" = i64, Path, description = "Số đến")),
    request_body(content = inline(ReportLink), content_type = "application/json"),
    responses(
        (status = 200, description = "The entry", body = IncomingEntry),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    Key(year, number): Key,
    ApiJson(r): ApiJson<ReportLink>,
) -> Result<Json<IncomingEntry>, ApiError> {
    state
        .run(move |store, _| {
            let e = inbox::report(
                store,
                &caller.user,
                year,
                number,
                r.milestone.trim(),
                r.undo,
            )?;
            Ok(Json(IncomingEntry::of(&e, today_vn())))
        })
        .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BookQuery {
    /// The register's year (default: this year).
    pub year: Option<String>,
    /// `pdf` (default) or `xlsx`.
    pub format: Option<String>,
}

/// The incoming book as a download.
pub fn book_response(
    store: &crate::store::Store,
    user: &crate::service::accounts::User,
    renderer: &crate::Renderer,
    q: &BookQuery,
) -> Result<Response, ApiError> {
    let year = YearQuery {
        year: q.year.clone(),
    }
    .year()?;
    let xlsx = super::books::wants_xlsx(q.format.as_deref())?;
    let (bytes, name) = inbox::book_file(store, user, renderer, year, xlsx)?;
    Ok(super::books::book_download(bytes, &name, xlsx))
}

/// GET /incoming/book?year=&format=pdf|xlsx
#[utoipa::path(
    get,
    operation_id = "incoming_book",
    path = "/incoming/book",
    tag = "incoming",
    summary = "The Sổ đăng ký văn bản đến of the caller's agency and a year (Phụ lục IV): PDF (A4 landscape, cover, 10 columns) or XLSX",
    params(BookQuery),
    responses(
        (status = 200, description = "The book", content(("application/pdf"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 503, response = Problem),
    ),
)]
pub async fn book(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<BookQuery>,
) -> Result<Response, ApiError> {
    state
        .run(move |store, state| book_response(store, &caller.user, state.renderer(), &q))
        .await
}

/// GET /incoming/waiting
#[utoipa::path(
    get,
    operation_id = "incoming_waiting",
    path = "/incoming/waiting",
    tag = "incoming",
    summary = "What waits for the caller: entries passed on to them, the agency's overdue ones (leaders, văn thư), the ones still to check (văn thư)",
    responses(
        (status = 200, description = "OK", body = Waiting),
        (status = 401, response = Problem),
    ),
)]
pub async fn waiting(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Waiting>, ApiError> {
    state
        .run(move |store, _| Ok(Json(inbox::waiting(store, &caller.user, today_vn())?)))
        .await
}
