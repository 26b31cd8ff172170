//! The web pages: server-rendered HTML from the tera templates in `templates/web/`
//! (embedded in the binary), plain forms that work without JavaScript. Every form
//! carries the session's CSRF token; a refusal shows why, in Vietnamese, on the page.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{FromRequestParts, Multipart, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Value, json};

use super::AppState;
use super::api::{self, Id};
use super::auth::{Caller, set_cookie};
use super::error::ApiError;
use crate::service::accounts::{self, Action, Role};
use crate::service::drafts::{self, DraftError, State as DraftState};
use crate::service::{self, audit, forms};
use crate::store::register;

const PAGES: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../../../templates/web/base.html"),
    ),
    (
        "login.html",
        include_str!("../../../templates/web/login.html"),
    ),
    (
        "dashboard.html",
        include_str!("../../../templates/web/dashboard.html"),
    ),
    (
        "drafts.html",
        include_str!("../../../templates/web/drafts.html"),
    ),
    (
        "draft_form.html",
        include_str!("../../../templates/web/draft_form.html"),
    ),
    (
        "draft.html",
        include_str!("../../../templates/web/draft.html"),
    ),
    (
        "register.html",
        include_str!("../../../templates/web/register.html"),
    ),
    (
        "document.html",
        include_str!("../../../templates/web/document.html"),
    ),
    (
        "data.html",
        include_str!("../../../templates/web/data.html"),
    ),
    (
        "users.html",
        include_str!("../../../templates/web/users.html"),
    ),
    (
        "audit.html",
        include_str!("../../../templates/web/audit.html"),
    ),
    (
        "milestone.html",
        include_str!("../../../templates/web/milestone.html"),
    ),
    (
        "account.html",
        include_str!("../../../templates/web/account.html"),
    ),
    (
        "error.html",
        include_str!("../../../templates/web/error.html"),
    ),
];

const STYLE: &str = include_str!("../../../templates/web/style.css");

/// The page templates, parsed once.
pub fn pages() -> Result<tera::Tera, tera::Error> {
    let mut t = tera::Tera::default();
    t.add_raw_templates(PAGES.iter().copied())
        .map_err(|e| tera::Error::msg(chain(&e)))?;
    t.autoescape_on(vec![".html"]);
    Ok(t)
}

/// A tera error with its causes (the template line is in the cause).
fn chain(e: &tera::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    msg
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/", get(dashboard))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/static/style.css", get(style))
        .route("/drafts", get(drafts_page))
        .route("/drafts/new", get(new_draft).post(create_draft))
        .route("/drafts/{id}", get(draft_page))
        .route("/drafts/{id}/edit", get(edit_draft).post(update_draft))
        .route("/drafts/{id}/preview.pdf", get(preview))
        .route("/drafts/{id}/{action}", post(draft_action))
        .route("/reminders/{id}/adopt", post(adopt_reminder))
        .route("/milestones/{id}", get(milestone_page).post(record_report))
        .route("/register", get(register_page))
        .route("/documents/{id}", get(document_page))
        .route("/documents/{id}/{format}", get(download))
        .route("/data", get(data_page))
        .route("/data/import", post(import))
        .route("/admin/users", get(users_page).post(add_user))
        .route("/admin/audit", get(audit_page))
        .route("/account", get(account_page))
        .route("/account/tokens", post(new_token))
}

/// A signed-in browser user; anyone else is sent to the login page.
pub struct WebUser(pub Caller);

impl FromRequestParts<AppState> for WebUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match state.caller(&parts.headers).await {
            Ok(Some(c)) if c.csrf.is_some() => Ok(WebUser(c)),
            Ok(_) => Err(Redirect::to("/login").into_response()),
            Err(e) => Err(error_page(state, None, e.status, &e.message)),
        }
    }
}

#[derive(Serialize)]
struct Me<'a> {
    login: &'a str,
    name: &'a str,
    role: &'static str,
    role_label: &'static str,
    may_compose: bool,
    may_approve: bool,
    may_issue: bool,
    may_admin: bool,
}

fn me(c: &Caller) -> Me<'_> {
    let r = c.user.role;
    Me {
        login: &c.user.login,
        name: &c.user.name,
        role: r.code(),
        role_label: r.label(),
        may_compose: r.may(Action::Compose),
        may_approve: r.may(Action::Approve),
        may_issue: r.may(Action::Issue),
        may_admin: r.may(Action::Administer),
    }
}

/// Renders a page with the caller (if any) and its CSRF token in the context.
fn render(
    state: &AppState,
    caller: Option<&Caller>,
    status: StatusCode,
    name: &str,
    mut ctx: Value,
) -> Response {
    if let Some(c) = caller {
        ctx["me"] = serde_json::to_value(me(c)).expect("serializes");
        ctx["csrf"] = c.csrf.clone().unwrap_or_default().into();
    }
    let context = match tera::Context::from_value(ctx) {
        Ok(c) => c,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    match state.inner.pages.render(name, &context) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            let msg = chain(&e);
            tracing::error!(page = name, error = %msg, "page template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("lỗi mẫu trang {name}: {msg}"),
            )
                .into_response()
        }
    }
}

fn error_page(
    state: &AppState,
    caller: Option<&Caller>,
    status: StatusCode,
    message: &str,
) -> Response {
    render(
        state,
        caller,
        status,
        "error.html",
        json!({"status": status.as_u16(), "message": message}),
    )
}

fn fail(state: &AppState, caller: &Caller, e: ApiError) -> Response {
    error_page(state, Some(caller), e.status, &e.message)
}

/// A page context with `extra`'s keys added (messages, form values).
fn merged(mut ctx: Value, extra: Value) -> Value {
    if let (Value::Object(c), Value::Object(e)) = (&mut ctx, extra) {
        c.extend(e);
    }
    ctx
}

/// Takes the `csrf` field out of a posted form and checks it.
fn csrf(caller: &Caller, form: &mut BTreeMap<String, String>) -> Result<(), ApiError> {
    let sent = form.remove("csrf");
    caller.check_csrf(sent.as_deref())
}

async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLE,
    )
}

async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Ok(Some(_)) = state.caller(&headers).await {
        return Redirect::to("/").into_response();
    }
    render(&state, None, StatusCode::OK, "login.html", json!({}))
}

async fn login(
    State(state): State<AppState>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let login = form.get("login").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let shown = login.clone();
    let result = state
        .run(move |store, _| {
            let user = accounts::authenticate(store, &login, &password)?;
            Ok::<_, ApiError>(accounts::open_session(store, &user)?)
        })
        .await;
    match result {
        Ok(session) => (
            [(
                header::SET_COOKIE,
                set_cookie(Some(&session.token), state.secure_cookies()),
            )],
            Redirect::to("/"),
        )
            .into_response(),
        Err(e) => render(
            &state,
            None,
            e.status,
            "login.html",
            json!({"error": e.message, "login": shown}),
        ),
    }
}

async fn logout(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    headers: HeaderMap,
    Form(mut form): Form<BTreeMap<String, String>>,
) -> Response {
    if let Err(e) = csrf(&caller, &mut form) {
        return fail(&state, &caller, e);
    }
    if let Some(token) = super::auth::session_cookie(&headers) {
        let _ = state
            .run(move |store, _| Ok::<_, ApiError>(accounts::close_session(store, &token)?))
            .await;
    }
    (
        [(header::SET_COOKIE, set_cookie(None, state.secure_cookies()))],
        Redirect::to("/login"),
    )
        .into_response()
}

async fn dashboard(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let date = q
        .get("date")
        .and_then(|d| forms::parse_date(d))
        .unwrap_or_else(register::today_vn);
    match state
        .run(move |store, _| {
            let d = service::dashboard(store, date)?;
            let reminders: Vec<Value> = drafts::waiting_reminders(store)?
                .into_iter()
                .map(|r| {
                    let day = forms::parse_date(&r.fired_on)
                        .map(|d| d.format("%d/%m/%Y").to_string())
                        .unwrap_or(r.fired_on.clone());
                    json!({"id": r.id, "milestone": r.milestone, "step": crate::remind::step_label(&r.step),
                           "day": day, "agencies": r.agencies, "expiry": r.milestone.starts_with("het-han-gcn:")})
                })
                .collect();
            Ok::<_, ApiError>((d, reminders))
        })
        .await
    {
        Ok((d, reminders)) => render(
            &state,
            Some(&caller),
            StatusCode::OK,
            "dashboard.html",
            json!({"d": d, "reminders": reminders, "date": date.format("%d/%m/%Y").to_string(), "date_iso": date.to_string()}),
        ),
        Err(e) => fail(&state, &caller, e),
    }
}

fn draft_json(d: &drafts::Draft) -> Value {
    let mut v = serde_json::to_value(d).expect("serializes");
    v["state_label"] = d.state.label().into();
    let form = forms::form(&d.template);
    v["template_title"] = form
        .as_ref()
        .map(|f| f.title.clone())
        .unwrap_or_else(|| d.template.clone())
        .into();
    // The form's values under the form's labels, dates as a clerk writes them.
    let rows: Vec<Value> = form
        .map(|f| f.fields)
        .unwrap_or_default()
        .iter()
        .filter_map(|f| {
            let value = d.fields.get(&f.name)?;
            let shown = match f.kind {
                forms::FieldKind::Date => forms::parse_date(value)
                    .map(|x| x.format("%d/%m/%Y").to_string())
                    .unwrap_or_else(|| value.clone()),
                _ => value.clone(),
            };
            let label = f.label.split(" (").next().unwrap_or(&f.label).to_string();
            Some(json!({"label": label, "value": shown}))
        })
        .collect();
    v["field_rows"] = rows.into();
    v
}

async fn drafts_page(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let filter = q.get("state").and_then(|s| DraftState::parse(s));
    match state
        .run(move |store, _| Ok::<_, ApiError>(drafts::list(store, filter)?))
        .await
    {
        Ok(list) => render(
            &state,
            Some(&caller),
            StatusCode::OK,
            "drafts.html",
            json!({
                "drafts": list.iter().map(draft_json).collect::<Vec<_>>(),
                "templates": forms::forms(),
                "state": filter.map(|s| s.code()),
            }),
        ),
        Err(e) => fail(&state, &caller, e),
    }
}

/// The form page of a template: its fields with choices, values and per-field errors.
async fn form_page(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    template: String,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    draft: Option<i64>,
) -> Response {
    let Some(form) = forms::form(&template) else {
        return error_page(
            state,
            Some(caller),
            StatusCode::NOT_FOUND,
            &format!("không có mẫu văn bản \"{template}\""),
        );
    };
    let result = state
        .run(move |store, _| {
            let mut fields = vec![];
            for f in &form.fields {
                fields.push(json!({
                    "name": f.name, "label": f.label, "kind": f.kind, "required": f.required,
                    "choices": forms::choices(store, f.kind)?,
                    "value": values.get(&f.name).cloned().unwrap_or_else(|| {
                        if f.kind == forms::FieldKind::Date { register::today_vn().to_string() } else { String::new() }
                    }),
                    "error": errors.get(&f.name),
                }));
            }
            Ok::<_, ApiError>(json!({"form": form, "fields": fields, "draft": draft, "general": errors.get("")}))
        })
        .await;
    match result {
        Ok(ctx) => render(state, Some(caller), status, "draft_form.html", ctx),
        Err(e) => fail(state, caller, e),
    }
}

async fn new_draft(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let mut values = q;
    let template = values
        .remove("template")
        .unwrap_or_else(|| "reminder".into());
    form_page(
        &state,
        &caller,
        StatusCode::OK,
        template,
        values,
        BTreeMap::new(),
        None,
    )
    .await
}

/// Why saving a form failed: the workflow's typed error, or the service's.
enum Failure {
    Draft(DraftError),
    Api(ApiError),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

/// A failed create/update: field errors next to their fields, anything else on top.
async fn form_errors(
    state: &AppState,
    caller: &Caller,
    template: String,
    values: BTreeMap<String, String>,
    e: Failure,
    draft: Option<i64>,
) -> Response {
    let mut errors = BTreeMap::new();
    match e {
        Failure::Draft(DraftError::Invalid(problems)) => {
            for p in problems {
                errors.insert(p.field, p.message);
            }
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            form_page(state, caller, status, template, values, errors, draft).await
        }
        Failure::Draft(e) => {
            let api = ApiError::from(e);
            if api.status == StatusCode::FORBIDDEN || api.status == StatusCode::NOT_FOUND {
                return fail(state, caller, api);
            }
            errors.insert(String::new(), api.message);
            form_page(state, caller, api.status, template, values, errors, draft).await
        }
        Failure::Api(api) => fail(state, caller, api),
    }
}

async fn create_draft(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Query(q): Query<BTreeMap<String, String>>,
    Form(mut form): Form<BTreeMap<String, String>>,
) -> Response {
    if let Err(e) = csrf(&caller, &mut form) {
        return fail(&state, &caller, e);
    }
    let template = q.get("template").cloned().unwrap_or_default();
    let (t, values, user) = (template.clone(), form.clone(), caller.user.clone());
    let result = state
        .run(move |store, _| drafts::create(store, &user, &t, &values).map_err(Failure::Draft))
        .await;
    match result {
        Ok(d) => Redirect::to(&format!("/drafts/{}", d.id)).into_response(),
        Err(e) => form_errors(&state, &caller, template, form, e, None).await,
    }
}

async fn edit_draft(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Id(id): Id,
) -> Response {
    match state
        .run(move |store, _| Ok::<_, ApiError>(drafts::get(store, id)?))
        .await
    {
        Ok(d) => {
            form_page(
                &state,
                &caller,
                StatusCode::OK,
                d.template,
                d.fields,
                BTreeMap::new(),
                Some(id),
            )
            .await
        }
        Err(e) => fail(&state, &caller, e),
    }
}

async fn update_draft(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Id(id): Id,
    Form(mut form): Form<BTreeMap<String, String>>,
) -> Response {
    if let Err(e) = csrf(&caller, &mut form) {
        return fail(&state, &caller, e);
    }
    let template = match state
        .run(move |store, _| Ok::<_, ApiError>(drafts::get(store, id)?))
        .await
    {
        Ok(d) => d.template,
        Err(e) => return fail(&state, &caller, e),
    };
    let (values, user) = (form.clone(), caller.user.clone());
    let result = state
        .run(move |store, _| drafts::update(store, &user, id, &values).map_err(Failure::Draft))
        .await;
    match result {
        Ok(_) => Redirect::to(&format!("/drafts/{id}")).into_response(),
        Err(e) => form_errors(&state, &caller, template, form, e, Some(id)).await,
    }
}

async fn draft_page(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Id(id): Id,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let result = state
        .run(move |store, _| {
            let d = drafts::get(store, id)?;
            let history = audit::list(store, Some(&format!("draft:{id}")), 100)?;
            let document = match d.document_id {
                Some(doc) => Some(register::by_id(store, doc)?),
                None => None,
            };
            let deliveries = match d.document_id {
                Some(doc) => crate::mail::outbox::list(store, doc)?
                    .into_iter()
                    .map(|x| api::delivery_json(&x))
                    .collect(),
                None => vec![],
            };
            Ok::<_, ApiError>((d, history, document, deliveries))
        })
        .await;
    let (d, history, document, deliveries) = match result {
        Ok(r) => r,
        Err(e) => return fail(&state, &caller, e),
    };
    let role = caller.user.role;
    let actions = json!({
        "edit": role.may(Action::Compose) && d.state == DraftState::Draft && d.author == caller.user.login,
        "submit": role.may(Action::Compose) && d.state == DraftState::Draft,
        "approve": role.may(Action::Approve) && d.state == DraftState::Submitted,
        "issue": role.may(Action::Issue) && d.state == DraftState::Approved,
        "send": role.may(Action::Send) && d.state == DraftState::Issued,
    });
    // While messages are on their way, the page reloads itself (no script needed).
    let pending = deliveries
        .iter()
        .any(|x: &Value| x["status"] == "queued" || x["status"] == "sending");
    render(
        &state,
        Some(&caller),
        StatusCode::OK,
        "draft.html",
        json!({
            "refresh": if pending { Some(3) } else { None },
            "d": draft_json(&d), "history": history, "actions": actions,
            "document": document.map(|e| api_entry(&e)), "deliveries": deliveries,
            "done": q.get("done"),
        }),
    )
}

fn api_entry(e: &register::Entry) -> Value {
    let mut v = json!({
        "id": e.id, "number_symbol": e.number_symbol, "year": e.year, "kind": e.kind,
        "subject": e.subject, "signer": e.signer, "issuer_name": e.issuer_name,
        "recipients": e.recipients, "pages": e.pages, "pdf_sha256": e.pdf_sha256,
    });
    v["date"] = chrono::NaiveDate::parse_from_str(&e.date, "%Y-%m-%d")
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_else(|_| e.date.clone())
        .into();
    v
}

async fn preview(State(state): State<AppState>, WebUser(caller): WebUser, Id(id): Id) -> Response {
    let result = state
        .run(move |store, state| {
            let pdf = drafts::preview(store, state.renderer(), id)?;
            Ok::<_, ApiError>(api::file(
                pdf,
                "application/pdf",
                &format!("ban-nhap-{id}.pdf"),
            ))
        })
        .await;
    result.unwrap_or_else(|e| fail(&state, &caller, e))
}

async fn draft_action(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    axum::extract::Path((id, action)): axum::extract::Path<(String, String)>,
    Form(mut form): Form<BTreeMap<String, String>>,
) -> Response {
    if let Err(e) = csrf(&caller, &mut form) {
        return fail(&state, &caller, e);
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(
            &state,
            Some(&caller),
            StatusCode::NOT_FOUND,
            "không có bản nháp này",
        );
    };
    let user = caller.user.clone();
    let comment = form.get("comment").cloned().unwrap_or_default();
    let act = action.clone();
    let result = state
        .run(move |store, state| {
            match act.as_str() {
                "submit" => drafts::submit(store, &user, id).map(|_| ()),
                "approve" => drafts::approve(store, &user, id).map(|_| ()),
                "return" => drafts::return_draft(store, &user, id, &comment).map(|_| ()),
                "issue" => drafts::issue(store, state.renderer(), &user, id).map(|_| ()),
                "send" => drafts::send(store, state.mail(), &user, id).map(|_| ()),
                _ => Err(DraftError::NotFound(id)),
            }
            .map_err(ApiError::from)
        })
        .await;
    match result {
        Ok(()) => Redirect::to(&format!("/drafts/{id}?done={action}")).into_response(),
        Err(e) => fail(&state, &caller, e),
    }
}

/// A drafter takes a schedule-drafted reminder into the workflow.
async fn adopt_reminder(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Id(id): Id,
    Form(mut form): Form<BTreeMap<String, String>>,
) -> Response {
    if let Err(e) = csrf(&caller, &mut form) {
        return fail(&state, &caller, e);
    }
    let user = caller.user.clone();
    match state
        .run(move |store, _| Ok::<_, ApiError>(drafts::adopt_reminder(store, &user, id)?))
        .await
    {
        Ok(d) => Redirect::to(&format!("/drafts/{}", d.id)).into_response(),
        Err(e) => fail(&state, &caller, e),
    }
}

async fn milestone_page(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    milestone_view(&state, &caller, StatusCode::OK, id, json!({})).await
}

async fn milestone_view(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    id: String,
    extra: Value,
) -> Response {
    let result = state
        .run(move |store, _| {
            service::milestone(store, &id)?
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
async fn record_report(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(mut form): Form<BTreeMap<String, String>>,
) -> Response {
    if let Err(e) = csrf(&caller, &mut form) {
        return fail(&state, &caller, e);
    }
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

async fn register_page(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Query(q): Query<api::SearchQuery>,
) -> Response {
    let search = match q.parse() {
        Ok(s) => s,
        Err(e) => return fail(&state, &caller, e),
    };
    let shown = json!({"q": q.q, "year": q.year, "kind": q.kind, "number": q.number});
    match state
        .run(move |store, _| Ok::<_, ApiError>(register::search(store, &search, 100)?))
        .await
    {
        Ok(found) => render(
            &state,
            Some(&caller),
            StatusCode::OK,
            "register.html",
            json!({"documents": found.iter().map(api_entry).collect::<Vec<_>>(), "query": shown}),
        ),
        Err(e) => fail(&state, &caller, e),
    }
}

async fn document_page(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Id(id): Id,
) -> Response {
    let result = state
        .run(move |store, _| {
            let e = register::by_id(store, id)
                .map_err(|_| ApiError::not_found(format!("không có văn bản mã {id} trong sổ")))?;
            let deliveries: Vec<Value> = crate::mail::outbox::list(store, id)?
                .into_iter()
                .map(|x| api::delivery_json(&x))
                .collect();
            let draft: Option<i64> =
                rusqlite::OptionalExtension::optional(store.conn().query_row(
                    "SELECT id FROM drafts WHERE document_id = ?1",
                    [id],
                    |r| r.get(0),
                ))?;
            Ok::<_, ApiError>((e, deliveries, draft))
        })
        .await;
    match result {
        Ok((e, deliveries, draft)) => render(
            &state,
            Some(&caller),
            StatusCode::OK,
            "document.html",
            json!({"e": api_entry(&e), "deliveries": deliveries, "draft": draft}),
        ),
        Err(e) => fail(&state, &caller, e),
    }
}

async fn download(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    axum::extract::Path((id, format)): axum::extract::Path<(String, String)>,
) -> Response {
    let (Ok(id), pdf) = (id.parse::<i64>(), format == "pdf") else {
        return error_page(
            &state,
            Some(&caller),
            StatusCode::NOT_FOUND,
            "không có văn bản này",
        );
    };
    if !pdf && format != "docx" {
        return error_page(
            &state,
            Some(&caller),
            StatusCode::NOT_FOUND,
            "chỉ có tệp pdf hoặc docx",
        );
    }
    let result = state
        .run(move |store, _| {
            let e = register::by_id(store, id)
                .map_err(|_| ApiError::not_found(format!("không có văn bản mã {id} trong sổ")))?;
            let (p, d) = register::files(store, id)?;
            let stem = format!("{}-{}", e.number_symbol.replace('/', "-"), e.year);
            Ok::<_, ApiError>(if pdf {
                api::file(p, "application/pdf", &format!("{stem}.pdf"))
            } else {
                api::file(
                    d,
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    &format!("{stem}.docx"),
                )
            })
        })
        .await;
    result.unwrap_or_else(|e| fail(&state, &caller, e))
}

async fn data_page(State(state): State<AppState>, WebUser(caller): WebUser) -> Response {
    data_view(&state, &caller, StatusCode::OK, json!({})).await
}

async fn data_view(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    extra: Value,
) -> Response {
    match state
        .run(|store, _| Ok::<_, ApiError>(service::data_tables(store, 100)?))
        .await
    {
        Ok(tables) => {
            let ctx = merged(json!({"tables": tables}), extra);
            render(state, Some(caller), status, "data.html", ctx)
        }
        Err(e) => fail(state, caller, e),
    }
}

/// The data upload: a multipart form with `csrf` and `file` (.toml, .json or .csv).
async fn import(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    mut multipart: Multipart,
) -> Response {
    let (mut sent_csrf, mut file, mut mode) = (None, None, crate::data::Mode::Add);
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                let file_name = field.file_name().unwrap_or_default().to_string();
                match field.text().await {
                    Ok(text) if name == "csrf" => sent_csrf = Some(text),
                    Ok(text) if name == "file" => file = Some((file_name, text)),
                    Ok(_) if name == "update" => mode = crate::data::Mode::Update,
                    Ok(_) => {}
                    Err(e) => {
                        return data_view(&state, &caller, StatusCode::BAD_REQUEST, json!({"error": format!("tệp tải lên không đọc được (phải là văn bản UTF-8): {e}")})).await;
                    }
                }
            }
            Ok(None) => break,
            Err(e) => {
                return data_view(
                    &state,
                    &caller,
                    e.status(),
                    json!({"error": format!("tệp tải lên không đọc được: {}", e.body_text())}),
                )
                .await;
            }
        }
    }
    if let Err(e) = caller.check_csrf(sent_csrf.as_deref()) {
        return fail(&state, &caller, e);
    }
    let Some((name, text)) = file.filter(|(n, _)| !n.is_empty()) else {
        return data_view(
            &state,
            &caller,
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"error": "hãy chọn một tệp .toml, .json hoặc .csv"}),
        )
        .await;
    };
    let c = caller.clone();
    let result = state
        .run(move |store, _| api::admin_import(store, &c, &name, &text, mode))
        .await;
    match result {
        Ok(report) => {
            data_view(
                &state,
                &caller,
                StatusCode::OK,
                json!({"done": report.to_string()}),
            )
            .await
        }
        Err(e) if e.status == StatusCode::FORBIDDEN => fail(&state, &caller, e),
        Err(e) => {
            let problems: Vec<String> = e
                .fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect();
            data_view(&state, &caller, e.status, json!({"error": "Không nhập gì cả: tệp có lỗi, dữ liệu đang có giữ nguyên.", "problems": problems})).await
        }
    }
}

async fn users_page(State(state): State<AppState>, WebUser(caller): WebUser) -> Response {
    users_view(&state, &caller, StatusCode::OK, json!({})).await
}

async fn users_view(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    extra: Value,
) -> Response {
    let c = caller.clone();
    match state
        .run(move |store, _| {
            drafts::authorize(store, &c.user, Action::Administer, "users")?;
            Ok::<_, ApiError>(accounts::users(store)?)
        })
        .await
    {
        Ok(users) => {
            let users: Vec<Value> = users
                .iter()
                .map(|u| json!({"login": u.login, "name": u.name, "role": u.role.label()}))
                .collect();
            let roles: Vec<Value> = Role::ALL
                .iter()
                .map(|r| json!({"code": r.code(), "label": r.label()}))
                .collect();
            let ctx = merged(json!({"users": users, "roles": roles}), extra);
            render(state, Some(caller), status, "users.html", ctx)
        }
        Err(e) => fail(state, caller, e),
    }
}

async fn add_user(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Form(mut form): Form<BTreeMap<String, String>>,
) -> Response {
    if let Err(e) = csrf(&caller, &mut form) {
        return fail(&state, &caller, e);
    }
    let c = caller.clone();
    let f = form.clone();
    let get = move |k: &str| f.get(k).cloned().unwrap_or_default();
    let result = state
        .run(move |store, _| {
            api::admin_add(
                store,
                &c,
                &get("login"),
                &get("name"),
                &get("role"),
                &get("password"),
            )
        })
        .await;
    match result {
        Ok(u) => {
            users_view(
                &state,
                &caller,
                StatusCode::OK,
                json!({"done": format!("đã thêm {} ({})", u.login, u.role.label())}),
            )
            .await
        }
        Err(e) if e.status == StatusCode::FORBIDDEN => fail(&state, &caller, e),
        Err(e) => {
            let mut errors = serde_json::Map::new();
            errors.insert(
                e.field.clone().unwrap_or_default(),
                e.message.clone().into(),
            );
            form.remove("password");
            users_view(
                &state,
                &caller,
                e.status,
                json!({"errors": errors, "values": form}),
            )
            .await
        }
    }
}

async fn account_page(State(state): State<AppState>, WebUser(caller): WebUser) -> Response {
    render(
        &state,
        Some(&caller),
        StatusCode::OK,
        "account.html",
        json!({}),
    )
}

/// A new API token for the signed-in user, shown once.
async fn new_token(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Form(mut form): Form<BTreeMap<String, String>>,
) -> Response {
    if let Err(e) = csrf(&caller, &mut form) {
        return fail(&state, &caller, e);
    }
    let (login, label) = (
        caller.user.login.clone(),
        form.remove("label").unwrap_or_default(),
    );
    match state
        .run(move |store, _| {
            Ok::<_, ApiError>(accounts::create_token(store, &login, label.trim())?)
        })
        .await
    {
        Ok(token) => render(
            &state,
            Some(&caller),
            StatusCode::OK,
            "account.html",
            json!({"token": token}),
        ),
        Err(e) => fail(&state, &caller, e),
    }
}

async fn audit_page(State(state): State<AppState>, WebUser(caller): WebUser) -> Response {
    let c = caller.clone();
    match state
        .run(move |store, _| {
            drafts::authorize(store, &c.user, Action::Administer, "audit")?;
            Ok::<_, ApiError>(audit::list(store, None, 500)?)
        })
        .await
    {
        Ok(events) => render(
            &state,
            Some(&caller),
            StatusCode::OK,
            "audit.html",
            json!({"events": events}),
        ),
        Err(e) => fail(&state, &caller, e),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_page_template_is_embedded_and_parses() {
        let pages = super::pages().expect("pages parse");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/web");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".html"))
            .collect();
        files.sort();
        let mut embedded: Vec<String> = pages.get_template_names().map(String::from).collect();
        embedded.sort();
        assert_eq!(files, embedded);
    }
}
