//! The reminders the schedule drafted, waiting for a drafter to adopt them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use super::Id;
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::service::drafts;

/// The reminders waiting for a drafter.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Reminders {
    pub reminders: Vec<ReminderView>,
}

/// A reminder the schedule drafted: its milestone, step and how many agencies it names.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReminderView {
    pub id: i64,
    pub milestone: String,
    pub step: String,
    pub step_label: String,
    pub fired_on: String,
    pub agencies: i64,
}

/// GET /reminders: reminders the daily schedule drafted that wait for a drafter.
#[utoipa::path(
    get,
    operation_id = "drafts_reminders",
    path = "/reminders",
    tag = "drafts",
    summary = "Reminders the daily schedule drafted that wait for a drafter",
    responses(
        (status = 200, description = "OK", body = Reminders),
        (status = 401, response = Problem),
    ),
)]
pub async fn reminders(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Reminders>, ApiError> {
    state
        .run(move |store, _| {
            let reminders = drafts::waiting_reminders(store, &caller.user)?
                .into_iter()
                .map(|r| ReminderView {
                    step_label: crate::remind::step_label(&r.step).to_string(),
                    id: r.id,
                    milestone: r.milestone,
                    step: r.step,
                    fired_on: r.fired_on,
                    agencies: r.agencies,
                })
                .collect();
            Ok(Json(Reminders { reminders }))
        })
        .await
}

/// POST /reminders/{id}/adopt: the reminder becomes a workflow draft (drafters).
#[utoipa::path(
    post,
    operation_id = "drafts_adopt",
    path = "/reminders/{id}/adopt",
    tag = "drafts",
    summary = "Take a schedule-drafted milestone reminder into the approval workflow as a draft (drafter)",
    params(
        ("id" = i64, Path),
    ),
    responses(
        (status = 201, description = "The new draft", body = drafts::Draft),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn adopt(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<(StatusCode, Json<drafts::Draft>), ApiError> {
    state
        .run(move |store, _| {
            Ok((
                StatusCode::CREATED,
                Json(drafts::adopt_reminder(store, &caller.user, id)?),
            ))
        })
        .await
}
