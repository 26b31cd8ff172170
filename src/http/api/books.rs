//! The register's books: the Sổ đăng ký văn bản đi as PDF or XLSX, and the clerk's
//! notes on a document's row.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{Id, file};
use crate::books::notes::NoteInput;
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::service;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BookQuery {
    pub issuer: String,
    pub year: String,
    /// `pdf` (default) or `xlsx`.
    pub format: Option<String>,
}

impl BookQuery {
    /// (issuer, year, xlsx?), or a 400 naming the field.
    pub fn parse(&self) -> Result<(String, i32, bool), ApiError> {
        let bad = |field: &str, message: String| {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_field", message).at(field)
        };
        // An empty year (the search form left it blank) is this year's book.
        let year = match self.year.trim() {
            "" => chrono::Datelike::year(&crate::store::register::today_vn()),
            y => y.parse::<i32>().map_err(|_| {
                bad(
                    "year",
                    format!("năm \"{y}\" không phải số: hãy ghi năm của sổ, ví dụ 2026"),
                )
            })?,
        };
        let xlsx = wants_xlsx(self.format.as_deref())?;
        Ok((self.issuer.trim().to_string(), year, xlsx))
    }
}

/// A book's `format`: `pdf` (default, or empty) or `xlsx`; anything else is a 400 on
/// `format`.
pub fn wants_xlsx(format: Option<&str>) -> Result<bool, ApiError> {
    match format.unwrap_or("") {
        "" | "pdf" => Ok(false),
        "xlsx" => Ok(true),
        other => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_field",
            format!("định dạng \"{other}\" không có; hãy chọn pdf hoặc xlsx"),
        )
        .at("format")),
    }
}

/// A printed book as a download: its PDF or its XLSX, named `name`.
pub fn book_download(bytes: Vec<u8>, name: &str, xlsx: bool) -> Response {
    let content_type = if xlsx {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "application/pdf"
    };
    file(bytes, content_type, name)
}

/// The book as a download.
pub fn book_response(
    store: &crate::store::Store,
    user: &crate::service::accounts::User,
    renderer: &crate::Renderer,
    q: &BookQuery,
) -> Result<Response, ApiError> {
    let (issuer, year, xlsx) = q.parse()?;
    let (bytes, name) = service::books::book_file(store, user, renderer, &issuer, year, xlsx)?;
    Ok(book_download(bytes, &name, xlsx))
}

/// GET /register/book?issuer=&year=&format=pdf|xlsx
#[utoipa::path(
    get,
    operation_id = "books_book",
    path = "/register/book",
    tag = "register",
    summary = "The Sổ đăng ký văn bản đi of one issuer and year (Phụ lục IV): PDF (A4 landscape, cover, first page, 10 columns) or XLSX",
    params(
        BookQuery,
    ),
    responses(
        (status = 200, description = "The book", content(("application/pdf"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 404, response = Problem),
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

/// GET /documents/{id}/note: the document's row of the register book.
#[utoipa::path(
    get,
    operation_id = "books_note",
    path = "/documents/{id}/note",
    tag = "register",
    summary = "The document's row of the Sổ đăng ký văn bản đi (its 10 columns)",
    params(
        ("id" = i64, Path),
    ),
    responses(
        (status = 200, description = "OK", body = crate::books::OutgoingRow),
        (status = 401, response = Problem),
        (status = 404, response = Problem),
    ),
)]
pub async fn note(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<crate::books::OutgoingRow>, ApiError> {
    state
        .run(move |store, _| Ok(Json(service::books::row(store, &caller.user, id)?)))
        .await
}

/// PUT /documents/{id}/note (clerk): archive, copies, sent_on, note; blank clears.
#[utoipa::path(
    put,
    operation_id = "books_save_note",
    path = "/documents/{id}/note",
    tag = "register",
    summary = "The clerk's note on an issued document: đơn vị lưu, số lượng bản, ngày chuyển, ghi chú (blank clears; the document itself is never changed)",
    params(
        ("id" = i64, Path),
    ),
    request_body(content = inline(NoteInput), content_type = "application/json"),
    responses(
        (status = 200, description = "OK", body = crate::books::OutgoingRow),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn save_note(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Json(input): Json<NoteInput>,
) -> Result<Json<crate::books::OutgoingRow>, ApiError> {
    state
        .run(move |store, _| {
            Ok(Json(service::books::save_note(
                store,
                &caller.user,
                id,
                &input,
            )?))
        })
        .await
}

/// The paper copies of a document.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PaperCopies {
    pub paper: Vec<crate::books::paper::PaperCopy>,
}

/// GET /documents/{id}/paper: the paper recipients and the day each copy left.
#[utoipa::path(
    get,
    operation_id = "books_paper",
    path = "/documents/{id}/paper",
    tag = "register",
    summary = "The paper recipients of an issued document (all of them for a secret one) and the day each copy left",
    params(
        ("id" = i64, Path),
    ),
    responses(
        (status = 200, description = "OK", body = PaperCopies),
        (status = 401, response = Problem),
        (status = 404, response = Problem),
    ),
)]
pub async fn paper(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<PaperCopies>, ApiError> {
    state
        .run(move |store, _| {
            let copies = service::books::paper_copies(store, &caller.user, id)?;
            Ok(Json(PaperCopies { paper: copies }))
        })
        .await
}

/// POST /documents/{id}/paper (clerk): {recipient, sent_on, envelopes}.
#[utoipa::path(
    post,
    operation_id = "books_record_paper",
    path = "/documents/{id}/paper",
    tag = "register",
    summary = "Record that a paper copy left (clerk): the delivery table, the postal book and the register's ngày chuyển show it",
    params(
        ("id" = i64, Path),
    ),
    request_body(content = inline(service::books::PaperInput), content_type = "application/json"),
    responses(
        (status = 200, description = "OK", body = crate::books::paper::PaperCopy),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn record_paper(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Json(input): Json<service::books::PaperInput>,
) -> Result<Json<crate::books::paper::PaperCopy>, ApiError> {
    state
        .run(move |store, _| {
            Ok(Json(service::books::record_paper(
                store,
                &caller.user,
                id,
                &input,
            )?))
        })
        .await
}

/// The envelopes of a document's paper copies as a PDF download.
pub fn envelopes_response(
    store: &crate::store::Store,
    user: &crate::service::accounts::User,
    renderer: &crate::Renderer,
    id: i64,
) -> Result<Response, ApiError> {
    let (entry, pdf) = service::books::envelopes_file(store, user, renderer, id)?;
    let Some(pdf) = pdf else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "no_paper",
            format!(
                "văn bản {} không có nơi nhận bản giấy: không cần in bì",
                entry.number_symbol
            ),
        ));
    };
    let name = format!(
        "bi-{}-{}.pdf",
        entry.number_symbol.replace('/', "-"),
        entry.year
    );
    Ok(file(pdf, "application/pdf", &name))
}

/// GET /documents/{id}/envelopes: the envelopes (DL), one page per paper recipient.
#[utoipa::path(
    get,
    operation_id = "books_envelopes",
    path = "/documents/{id}/envelopes",
    tag = "register",
    summary = "The envelopes (bì văn bản, DL 220 × 110 mm) of the document's paper copies, one page each",
    params(
        ("id" = i64, Path),
    ),
    responses(
        (status = 200, description = "PDF", content(("application/pdf"))),
        (status = 401, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
    ),
)]
pub async fn envelopes(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Response, ApiError> {
    state
        .run(move |store, state| envelopes_response(store, &caller.user, state.renderer(), id))
        .await
}

/// The postal dispatch book as a PDF download.
pub fn postal_response(
    store: &crate::store::Store,
    user: &crate::service::accounts::User,
    renderer: &crate::Renderer,
    q: &BookQuery,
) -> Result<Response, ApiError> {
    let (issuer, year, _) = q.parse()?;
    let pdf = service::books::postal_file(store, user, renderer, &issuer, year)?;
    Ok(file(
        pdf,
        "application/pdf",
        &format!("so-buu-dien-{issuer}-{year}.pdf"),
    ))
}

/// GET /register/postal?issuer=&year=: the Sổ gửi văn bản đi bưu điện.
#[utoipa::path(
    get,
    operation_id = "books_postal",
    path = "/register/postal",
    tag = "register",
    summary = "The Sổ gửi văn bản đi bưu điện (Phụ lục IV, 6 columns) of one issuer and year",
    params(
        BookQuery,
    ),
    responses(
        (status = 200, description = "PDF", content(("application/pdf"))),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 404, response = Problem),
    ),
)]
pub async fn postal(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<BookQuery>,
) -> Result<Response, ApiError> {
    state
        .run(move |store, state| postal_response(store, &caller.user, state.renderer(), &q))
        .await
}
