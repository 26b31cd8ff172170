//! The JSON API under `/api/v1`, described by the OpenAPI 3 document it serves at
//! `/api/v1/openapi.json`. One module per resource.

mod admin;
mod documents;
mod drafts;
mod milestones;
mod session;

pub use admin::{add as admin_add, import_text as admin_import};
pub use documents::{SearchQuery, delivery_json, document_file, entry_json};
pub use milestones::report_date;

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::de::DeserializeOwned;

use super::AppState;
use super::error::ApiError;

/// The OpenAPI 3 description of this API (kept beside the code; a test checks that
/// every route here is in it).
pub const OPENAPI: &str = include_str!("openapi.json");

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/openapi.json", get(openapi))
        .route("/session", post(session::login).delete(session::logout))
        .route("/me", get(session::me))
        .route("/tokens", post(session::token))
        .route("/templates", get(drafts::templates))
        .route("/preview", post(drafts::preview_letter))
        .route("/drafts", get(drafts::list).post(drafts::create))
        .route("/drafts/{id}", get(drafts::one).put(drafts::update))
        .route("/drafts/{id}/preview.pdf", get(drafts::preview))
        .route("/drafts/{id}/history", get(drafts::history))
        .route("/drafts/{id}/submit", post(drafts::submit))
        .route("/drafts/{id}/approve", post(drafts::approve))
        .route("/drafts/{id}/return", post(drafts::return_draft))
        .route("/drafts/{id}/issue", post(drafts::issue))
        .route("/drafts/{id}/send", post(drafts::send))
        .route("/reminders", get(drafts::reminders))
        .route("/reminders/{id}/adopt", post(drafts::adopt))
        .route("/milestones/{id}", get(milestones::one))
        .route("/milestones/{id}/reports", post(milestones::report))
        .route("/documents", get(documents::search))
        .route("/documents/{id}", get(documents::one))
        .route("/documents/{id}/pdf", get(documents::pdf))
        .route("/documents/{id}/docx", get(documents::docx))
        .route("/documents/{id}/deliveries", get(documents::deliveries))
        .route("/dashboard", get(documents::dashboard))
        .route("/data", get(admin::data))
        .route("/import", post(admin::import))
        .route("/users", get(admin::users).post(admin::add_user))
        .route("/audit", get(admin::audit))
        .fallback(|| async { ApiError::not_found("không có đường dẫn API này") })
}

async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}

/// A JSON body whose problems are answered as [`ApiError`]s: 400 bad JSON, 415 not
/// JSON, 413 too large, 422 the wrong shape (with serde's field path).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        use axum::extract::rejection::JsonRejection as R;
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => {
                let status = rejection.status();
                let code = match &rejection {
                    R::JsonDataError(_) => "invalid_body",
                    R::JsonSyntaxError(_) => "bad_json",
                    R::MissingJsonContentType(_) => "unsupported_media_type",
                    _ if status == StatusCode::PAYLOAD_TOO_LARGE => "too_large",
                    _ => "bad_body",
                };
                let message = match code {
                    "too_large" => "nội dung gửi lên quá lớn".to_string(),
                    "unsupported_media_type" => {
                        "hãy gửi JSON (Content-Type: application/json)".to_string()
                    }
                    _ => format!("nội dung JSON không đọc được: {}", rejection.body_text()),
                };
                Err(ApiError::new(status, code, message))
            }
        }
    }
}

/// A numeric id in the path; anything else is 404 (no such thing), never 500.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| ApiError::not_found("không có mục này"))?;
        raw.parse()
            .map(Id)
            .map_err(|_| ApiError::not_found(format!("mã \"{raw}\" không phải số")))
    }
}

/// A file download.
pub fn file(bytes: Vec<u8>, content_type: &'static str, name: &str) -> axum::response::Response {
    let disposition = format!(
        "inline; filename=\"{}\"",
        name.replace(
            |c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-',
            "_"
        )
    );
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}
