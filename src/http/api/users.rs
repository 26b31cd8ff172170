//! The service's accounts, for administrators: list, add, change, reset a password,
//! disable and enable.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::ApiJson;
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::views::AccountView;
use crate::service::accounts::{self, Link, Login, Password, Role, UserChanges};

/// The accounts an administrator administers.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Users {
    pub users: Vec<AccountView>,
}

/// GET /users (admin): the accounts the caller administers.
#[utoipa::path(
    get,
    operation_id = "admin_users",
    path = "/users",
    tag = "admin",
    summary = "Users (admin)",
    responses(
        (status = 200, description = "OK", body = Users),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn users(State(state): State<AppState>, caller: Caller) -> Result<Json<Users>, ApiError> {
    state
        .run(move |store, _| {
            let users = accounts::accounts(store, &caller.user)?
                .iter()
                .map(AccountView::from)
                .collect();
            Ok(Json(Users { users }))
        })
        .await
}

/// An account as a form or body asks for it.
#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub login: String,
    #[serde(default)]
    pub name: String,
    pub role: String,
    /// The agency it works for (every account but the service's administrators).
    #[serde(default)]
    pub agency: Option<String>,
    /// For a signer: the person record it is.
    #[serde(default)]
    pub person: Option<String>,
    /// An administrator of the whole service (no agency).
    #[serde(default)]
    pub service: bool,
    pub password: String,
}

/// The user a form or body asks for, added by an admin.
pub fn add(
    store: &mut crate::store::Store,
    caller: &Caller,
    u: &NewUser,
) -> Result<accounts::User, ApiError> {
    // The role first: a drafter hears "not allowed", not what the form lacks.
    crate::service::access::role(store, &caller.user, accounts::Action::Administer, "users")?;
    let login = Login::parse(&u.login)?;
    let role = Role::parse(&u.role)?;
    let link = Link::parse(u.agency.as_deref(), u.person.as_deref(), u.service)?;
    let password = Password::parse_for(&u.password, login.as_str())?;
    Ok(accounts::add_user(
        store,
        Some(&caller.user),
        &login,
        &u.name,
        role,
        &link,
        &password,
    )?)
}

/// POST /users {login, name, role, agency, person, service, password} (admin)
#[utoipa::path(
    post,
    operation_id = "admin_add_user",
    path = "/users",
    tag = "admin",
    summary = "Add a user (admin)",
    request_body(content = inline(NewUser), content_type = "application/json"),
    responses(
        (status = 201, description = "OK", body = AccountView),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn add_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(u): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<AccountView>), ApiError> {
    state
        .run(move |store, _| {
            let user = add(store, &caller, &u)?;
            let account = accounts::accounts(store, &caller.user)?
                .into_iter()
                .find(|a| a.user.id == user.id)
                .ok_or_else(|| ApiError::internal("tài khoản vừa thêm không đọc lại được"))?;
            Ok((StatusCode::CREATED, Json(AccountView::from(&account))))
        })
        .await
}

/// A change of an account, as a body asks for it; an absent field keeps its value.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    pub name: Option<String>,
    pub role: Option<String>,
    pub agency: Option<String>,
    pub person: Option<String>,
    #[serde(default)]
    pub service: bool,
}

/// The changes a body or form asks for.
pub fn changes(u: &UserUpdate) -> Result<UserChanges, ApiError> {
    let link = if u.service || u.agency.as_deref().is_some_and(|a| !a.trim().is_empty()) {
        Some(Link::parse(
            u.agency.as_deref(),
            u.person.as_deref(),
            u.service,
        )?)
    } else {
        None
    };
    Ok(UserChanges {
        name: u.name.clone(),
        role: u.role.as_deref().map(Role::parse).transpose()?,
        link,
    })
}

/// PUT /users/{login} {name, role, agency, person, service} (admin): edits an account
/// or places one (the accounts of an upgrade are unlinked until then).
#[utoipa::path(
    put,
    operation_id = "admin_update_user",
    path = "/users/{login}",
    tag = "admin",
    summary = "Edit an account or place it in an agency (admin of that agency, or of the service); accounts made before agencies are unlinked until then",
    params(
        ("login" = String, Path),
    ),
    request_body(content = inline(UserUpdate), content_type = "application/json"),
    responses(
        (status = 200, description = "The account", body = AccountView),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(login): Path<String>,
    ApiJson(u): ApiJson<UserUpdate>,
) -> Result<Json<AccountView>, ApiError> {
    state
        .run(move |store, _| {
            let user = accounts::update_user(store, Some(&caller.user), &login, &changes(&u)?)?;
            let account = accounts::accounts(store, &caller.user)?
                .into_iter()
                .find(|a| a.user.id == user.id)
                .ok_or_else(|| ApiError::internal("tài khoản vừa sửa không đọc lại được"))?;
            Ok(Json(AccountView::from(&account)))
        })
        .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reset {
    password: String,
}

/// POST /users/{login}/reset {password} (admin): a temporary password; the user
/// chooses a new one at their next sign-in; their sessions and tokens end.
#[utoipa::path(
    post,
    operation_id = "admin_reset",
    path = "/users/{login}/reset",
    tag = "admin",
    summary = "Set a temporary password: the user chooses a new one at their next sign-in; their sessions and tokens end",
    params(
        ("login" = String, Path),
    ),
    request_body(content = inline(Reset), content_type = "application/json"),
    responses(
        (status = 204, description = "Reset"),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 422, response = Problem),
    ),
)]
pub async fn reset(
    State(state): State<AppState>,
    caller: Caller,
    Path(login): Path<String>,
    ApiJson(r): ApiJson<Reset>,
) -> Result<StatusCode, ApiError> {
    state
        .run(move |store, _| {
            let temporary = Password::parse_for(&r.password, &login)?;
            accounts::reset_password(store, Some(&caller.user), &login, &temporary)?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

/// POST /users/{login}/disable (admin): signs in no more; sessions and tokens end.
#[utoipa::path(
    post,
    operation_id = "admin_disable",
    path = "/users/{login}/disable",
    tag = "admin",
    summary = "Disable an account (kept for the audit log, never deleted); its sessions and tokens end",
    params(
        ("login" = String, Path),
    ),
    responses(
        (status = 204, description = "Disabled"),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
    ),
)]
pub async fn disable(
    State(state): State<AppState>,
    caller: Caller,
    Path(login): Path<String>,
) -> Result<StatusCode, ApiError> {
    user_step(state, caller, login, accounts::disable).await
}

/// POST /users/{login}/enable (admin)
#[utoipa::path(
    post,
    operation_id = "admin_enable",
    path = "/users/{login}/enable",
    tag = "admin",
    summary = "Enable a disabled account",
    params(
        ("login" = String, Path),
    ),
    responses(
        (status = 204, description = "Enabled"),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
    ),
)]
pub async fn enable(
    State(state): State<AppState>,
    caller: Caller,
    Path(login): Path<String>,
) -> Result<StatusCode, ApiError> {
    user_step(state, caller, login, accounts::enable).await
}

/// One of the account steps without a body, as the caller: 204 when done.
async fn user_step(
    state: AppState,
    caller: Caller,
    login: String,
    step: fn(
        &mut crate::store::Store,
        Option<&accounts::User>,
        &str,
    ) -> Result<(), accounts::AccountError>,
) -> Result<StatusCode, ApiError> {
    state
        .run(move |store, _| {
            step(store, Some(&caller.user), &login)?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}
