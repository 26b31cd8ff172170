//! Milestones: who is responsible, who has reported, and recording a report.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::ApiJson;
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::service::{self, forms};

/// GET /milestones/{id}
#[utoipa::path(
    get,
    operation_id = "milestones_one",
    path = "/milestones/{id}",
    tag = "deadlines",
    summary = "A milestone with its agencies and when each reported",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "OK", body = service::MilestoneDetail),
        (status = 401, response = Problem),
        (status = 404, response = Problem),
    ),
)]
pub async fn one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<service::MilestoneDetail>, ApiError> {
    state
        .run(move |store, _| {
            service::milestone(store, &caller.user, &id)?
                .map(Json)
                .ok_or_else(|| ApiError::not_found(format!("không có mốc thời hạn mã \"{id}\"")))
        })
        .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Report {
    agency: String,
    /// yyyy-mm-dd or dd/mm/yyyy
    date: String,
}

/// The date of a report form; a bad one is a 422 naming `date`.
pub fn report_date(date: &str) -> Result<chrono::NaiveDate, ApiError> {
    forms::parse_date(date.trim()).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            format!("ngày \"{date}\" không hợp lệ; hãy ghi dạng 23/10/2020"),
        )
        .at("date")
    })
}

/// Whether a report was recorded now, or when it had been.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ReportAnswer {
    pub recorded: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub already_reported_on: Option<String>,
}

/// POST /milestones/{id}/reports {agency, date}: the agency reported (drafters, clerks).
#[utoipa::path(
    post,
    operation_id = "milestones_report",
    path = "/milestones/{id}/reports",
    tag = "deadlines",
    summary = "Record that an agency reported (drafter, clerk); reminders stop reaching it",
    params(
        ("id" = String, Path),
    ),
    request_body(content = inline(Report), content_type = "application/json"),
    responses(
        (status = 200, description = "{recorded: true} or {recorded: false, already_reported_on}", body = ReportAnswer),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<Report>,
) -> Result<Json<ReportAnswer>, ApiError> {
    let date = report_date(&r.date)?;
    state
        .run(move |store, _| {
            let outcome = service::record_report(store, &caller.user, &id, r.agency.trim(), date)?;
            Ok(Json(match outcome {
                crate::remind::Reported::Recorded => ReportAnswer {
                    recorded: true,
                    already_reported_on: None,
                },
                crate::remind::Reported::Already(on) => ReportAnswer {
                    recorded: false,
                    already_reported_on: Some(on),
                },
            }))
        })
        .await
}
