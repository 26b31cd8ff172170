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
use crate::http::error::ApiError;
use crate::service;

#[derive(Debug, Deserialize)]
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
        let xlsx = match self.format.as_deref().unwrap_or("pdf") {
            "pdf" | "" => false,
            "xlsx" => true,
            other => {
                return Err(bad(
                    "format",
                    format!("định dạng \"{other}\" không có; hãy chọn pdf hoặc xlsx"),
                ));
            }
        };
        Ok((self.issuer.trim().to_string(), year, xlsx))
    }
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
    let content_type = if xlsx {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "application/pdf"
    };
    Ok(file(bytes, content_type, &name))
}

/// GET /register/book?issuer=&year=&format=pdf|xlsx
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
#[derive(serde::Serialize)]
pub struct PaperCopies {
    pub paper: Vec<crate::books::paper::PaperCopy>,
}

/// GET /documents/{id}/paper: the paper recipients and the day each copy left.
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
pub async fn postal(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<BookQuery>,
) -> Result<Response, ApiError> {
    state
        .run(move |store, state| postal_response(store, &caller.user, state.renderer(), &q))
        .await
}
