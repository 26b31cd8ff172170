//! Milestones: who is responsible, who has reported, and recording a report.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::ApiJson;
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::service::{self, forms};

/// GET /milestones/{id}
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

#[derive(Deserialize)]
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

/// POST /milestones/{id}/reports {agency, date}: the agency reported (drafters, clerks).
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<Report>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let date = report_date(&r.date)?;
    state
        .run(move |store, _| {
            let outcome = service::record_report(store, &caller.user, &id, r.agency.trim(), date)?;
            Ok(Json(match outcome {
                crate::remind::Reported::Recorded => json!({"recorded": true}),
                crate::remind::Reported::Already(on) => {
                    json!({"recorded": false, "already_reported_on": on})
                }
            }))
        })
        .await
}
