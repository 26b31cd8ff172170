//! The dashboard, milestones and their reports, and reminders the schedule drafted.

use super::*;

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
    let (d, reminders, returned, waiting) = state
        .run(move |store, _| {
            let d = service::dashboard(store, &user, date)?;
            let returned: Vec<Value> = drafts::returned_to(store, &user.login)?
                .iter()
                .map(super::workflow::draft_json)
                .collect();
            let waiting: Vec<Value> = drafts::waiting_for(store, &user)?
                .iter()
                .map(super::workflow::draft_json)
                .collect();
            let reminders: Vec<Value> = drafts::waiting_reminders(store, &user)?
                .into_iter()
                .map(|r| {
                    let day = forms::parse_date(&r.fired_on)
                        .map(|d| d.format("%d/%m/%Y").to_string())
                        .unwrap_or(r.fired_on.clone());
                    json!({"id": r.id, "milestone": r.milestone, "step": crate::remind::step_label(&r.step),
                           "day": day, "agencies": r.agencies, "expiry": r.milestone.starts_with("het-han-gcn:")})
                })
                .collect();
            Ok::<_, ApiError>((d, reminders, returned, waiting))
        })
        .await
        .or_page(&state, &caller)?;
    Ok(render(
        &state,
        Some(&caller),
        StatusCode::OK,
        "dashboard.html",
        json!({"d": d, "reminders": reminders, "returned": returned, "waiting": waiting, "date": date.format("%d/%m/%Y").to_string(), "date_iso": date.to_string()}),
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
    milestone_view(&state, &caller, StatusCode::OK, id, json!({})).await
}

pub(super) async fn milestone_view(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    id: String,
    extra: Value,
) -> Response {
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
            let ctx = merged(
                json!({"m": m, "may_record": may_record, "today": register::today_vn().to_string()}),
                extra,
            );
            render(state, Some(caller), status, "milestone.html", ctx)
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
            let extra = json!({"errors": {"date": e.message}});
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
                json!({"done": "Đã ghi nhận báo cáo."}),
            )
            .await
        }
        Ok(crate::remind::Reported::Already(on)) => {
            let extra = json!({"done": format!("Đơn vị này đã báo cáo ngày {on}; không ghi lại.")});
            milestone_view(&state, &caller, StatusCode::OK, id, extra).await
        }
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status == StatusCode::NOT_FOUND => {
            fail(&state, &caller, e)
        }
        Err(e) => {
            let extra = json!({"errors": {e.field.clone().unwrap_or_default(): e.message}});
            milestone_view(&state, &caller, e.status, id, extra).await
        }
    }
}
