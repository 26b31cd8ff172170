//! The dashboard, milestones and their reports, and reminders the schedule drafted.

use super::*;

/// A reminder the schedule drafted, waiting for a drafter to take it.
#[derive(Serialize)]
struct WaitingReminder {
    id: i64,
    milestone: String,
    step: String,
    /// dd/mm/yyyy
    day: String,
    /// How many agencies it goes to.
    agencies: i64,
    /// A certificate-expiry notice rather than a milestone's reminder.
    expiry: bool,
}

#[derive(Serialize)]
struct DashboardPage {
    d: service::Dashboard,
    reminders: Vec<WaitingReminder>,
    returned: Vec<DraftLine>,
    waiting: Vec<DraftLine>,
    /// Incoming documents passed on to the account, overdue, or still to check.
    incoming: service::incoming::Waiting,
    /// dd/mm/yyyy
    date: String,
    date_iso: String,
}

pub(super) async fn dashboard(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Query(q): Query<BTreeMap<String, String>>,
) -> WebResult {
    let date = q
        .get("date")
        .and_then(|d| forms::parse_date(d))
        .unwrap_or_else(register::today_vn);
    let user = caller.user.clone();
    let (d, reminders, returned, waiting, incoming) = state
        .run(move |store, _| {
            let d = service::dashboard(store, &user, date)?;
            let returned = drafts::returned_to(store, &user.login)?
                .into_iter()
                .map(DraftLine::of)
                .collect();
            let waiting = drafts::waiting_for(store, &user)?
                .into_iter()
                .map(DraftLine::of)
                .collect();
            let reminders = drafts::waiting_reminders(store, &user)?
                .into_iter()
                .map(|r| {
                    let day = crate::model::day_month_year(&r.fired_on);
                    WaitingReminder {
                        id: r.id,
                        step: crate::remind::step_label(&r.step),
                        day,
                        agencies: r.agencies,
                        expiry: r.milestone.starts_with("het-han-gcn:"),
                        milestone: r.milestone,
                    }
                })
                .collect();
            let incoming = service::incoming::waiting(store, &user, date)?;
            Ok::<_, ApiError>((d, reminders, returned, waiting, incoming))
        })
        .await
        .or_page(&state, &caller)?;
    Ok(render(
        &state,
        Some(&caller),
        StatusCode::OK,
        "dashboard.html",
        DashboardPage {
            d,
            reminders,
            returned,
            waiting,
            incoming,
            date: date.format("%d/%m/%Y").to_string(),
            date_iso: date.to_string(),
        },
    ))
}

/// A drafter takes a schedule-drafted reminder into the workflow.
pub(super) async fn adopt_reminder(
    State(state): State<AppState>,
    Id(id): Id,
    Posted { caller, .. }: Posted,
) -> WebResult {
    let user = caller.user.clone();
    let d = state
        .run(move |store, _| Ok::<_, ApiError>(drafts::adopt_reminder(store, &user, id)?))
        .await
        .or_page(&state, &caller)?;
    Ok(Redirect::to(&format!("/drafts/{}", d.id)).into_response())
}

pub(super) async fn milestone_page(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    milestone_view(&state, &caller, StatusCode::OK, id, Said::default()).await
}

pub(super) async fn milestone_view(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    id: String,
    said: Said,
) -> Response {
    #[derive(Serialize)]
    struct MilestonePage {
        m: service::MilestoneDetail,
        may_record: bool,
        today: String,
        #[serde(flatten)]
        said: Said,
    }
    let user = caller.user.clone();
    let result = state
        .run(move |store, _| {
            service::milestone(store, &user, &id)?
                .ok_or_else(|| ApiError::not_found(format!("không có mốc thời hạn mã \"{id}\"")))
        })
        .await;
    match result {
        Ok(m) => {
            let may_record = caller.user.role.may(Action::Record);
            let page = MilestonePage {
                m,
                may_record,
                today: register::today_vn().to_string(),
                said,
            };
            render(state, Some(caller), status, "milestone.html", page)
        }
        Err(e) => fail(state, caller, e),
    }
}

/// A drafter or clerk records that an agency reported.
pub(super) async fn record_report(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    Posted { caller, form }: Posted,
) -> Response {
    let agency = form.get("agency").cloned().unwrap_or_default();
    let date = match api::report_date(form.get("date").map(String::as_str).unwrap_or("")) {
        Ok(d) => d,
        Err(e) => {
            let extra = Said::field("date", e.message);
            return milestone_view(&state, &caller, e.status, id, extra).await;
        }
    };
    let (user, m) = (caller.user.clone(), id.clone());
    let result = state
        .run(move |store, _| {
            Ok::<_, ApiError>(service::record_report(store, &user, &m, &agency, date)?)
        })
        .await;
    match result {
        Ok(crate::remind::Reported::Recorded) => {
            milestone_view(
                &state,
                &caller,
                StatusCode::OK,
                id,
                Said::done("Đã ghi nhận báo cáo."),
            )
            .await
        }
        Ok(crate::remind::Reported::Already(on)) => {
            let extra = Said::done(format!("Đơn vị này đã báo cáo ngày {on}; không ghi lại."));
            milestone_view(&state, &caller, StatusCode::OK, id, extra).await
        }
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status == StatusCode::NOT_FOUND => {
            fail(&state, &caller, e)
        }
        Err(e) => {
            let extra = Said::field(e.field.unwrap_or_default(), e.message);
            milestone_view(&state, &caller, e.status, id, extra).await
        }
    }
}
