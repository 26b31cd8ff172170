//! Signing in and out, and the account page (API tokens).

use super::*;
use crate::http::auth::ClientAddress;

pub(super) async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Ok(Some(_)) = state.caller(&headers).await {
        return Redirect::to("/").into_response();
    }
    render(&state, None, StatusCode::OK, "login.html", json!({}))
}

pub(super) async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    if !crate::http::auth::same_origin(&headers) {
        tracing::warn!("login form posted from another site: refused");
        return render(
            &state,
            None,
            StatusCode::FORBIDDEN,
            "login.html",
            json!({"error": "biểu mẫu đăng nhập phải gửi từ chính trang đăng nhập của vanthu; hãy mở lại trang đăng nhập"}),
        );
    }
    let login = form.get("login").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let shown = login.clone();
    let result = state
        .run(move |store, _| {
            let user = accounts::authenticate(store, &login, &password, address.as_deref())?;
            Ok::<_, ApiError>(accounts::open_session(store, &user)?)
        })
        .await
        .map_err(crate::http::api::session::new_password_field);
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

pub(super) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    _: Posted,
) -> Response {
    if let Some(token) = crate::http::auth::session_cookie(&headers) {
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

pub(super) async fn account_page(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let extra = match q.get("done").map(String::as_str) {
        Some("password") => {
            json!({"done": "Đã đổi mật khẩu. Các phiên đăng nhập khác và các mã API cũ đã hết hiệu lực."})
        }
        _ => json!({}),
    };
    account_view(&state, &caller, StatusCode::OK, extra).await
}

/// The account page: who the account is (agency, person), its password form, its API
/// tokens with their last use; `extra` adds messages and a new token.
pub(super) async fn account_view(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    extra: Value,
) -> Response {
    let user = caller.user.clone();
    let result = state
        .run(move |store, _| {
            let tokens = accounts::tokens(store, &user)?;
            let second_factor = accounts::second_factor::enabled(store, &user)?;
            let agency = user
                .agency()
                .map(|a| crate::service::access::agency_name(store, a));
            let person = user
                .person
                .as_deref()
                .map(|p| crate::service::access::person_name(store, p));
            Ok::<_, ApiError>((tokens, agency, person, second_factor))
        })
        .await;
    match result {
        Ok((tokens, agency, person, second_factor)) => {
            let ctx = merged(
                json!({"tokens": tokens, "agency": agency, "person": person,
                       "second_factor": second_factor,
                       "signer": caller.user.role == accounts::Role::Signer,
                       "scope": caller.user.scope.code(),
                       "min_chars": accounts::MIN_CHARS,
                       "must_change": caller.user.must_change_password}),
                extra,
            );
            render(state, Some(caller), status, "account.html", ctx)
        }
        Err(e) => fail(state, caller, e),
    }
}

/// POST /account/password: the owner's new password (current, new, new again). Every
/// session and token ends; this browser gets a new session at once.
pub(super) async fn change_password(
    State(state): State<AppState>,
    Posted { caller, form }: Posted,
) -> Response {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let (old, new, again) = (
        get("old_password"),
        get("new_password"),
        get("new_password_again"),
    );
    let user = caller.user.clone();
    let result = state
        .run(move |store, _| {
            accounts::change_password(store, &user, &old, &new, &again)?;
            let user = accounts::by_login(store, &user.login)?;
            Ok::<_, ApiError>(accounts::open_session(store, &user)?)
        })
        .await
        .map_err(crate::http::api::session::new_password_field);
    match result {
        Ok(session) => (
            [(
                header::SET_COOKIE,
                set_cookie(Some(&session.token), state.secure_cookies()),
            )],
            Redirect::to("/account?done=password"),
        )
            .into_response(),
        Err(e) if e.status == StatusCode::FORBIDDEN && e.code != "wrong_password" => {
            fail(&state, &caller, e)
        }
        Err(e) => {
            let field = e.field.clone().unwrap_or_else(|| "new_password".into());
            account_view(
                &state,
                &caller,
                e.status,
                json!({"password_errors": {field: e.message}}),
            )
            .await
        }
    }
}

/// A new API token for the signed-in user, shown once.
pub(super) async fn new_token(
    State(state): State<AppState>,
    Posted { caller, mut form }: Posted,
) -> WebResult {
    let (login, label) = (
        caller.user.login.clone(),
        form.remove("label").unwrap_or_default(),
    );
    let token = state
        .run(move |store, _| {
            let label = accounts::TokenLabel::parse(&label)?;
            Ok::<_, ApiError>(accounts::create_token(store, &login, &label)?)
        })
        .await
        .or_page(&state, &caller)?;
    Ok(account_view(&state, &caller, StatusCode::OK, json!({"token": token})).await)
}

/// POST /account/tokens/{id}/revoke: revokes one of the user's API tokens.
pub(super) async fn revoke_token(
    State(state): State<AppState>,
    Id(id): Id,
    Posted { caller, .. }: Posted,
) -> Response {
    let user = caller.user.clone();
    match state
        .run(move |store, _| Ok::<_, ApiError>(accounts::revoke_token(store, &user, id)?))
        .await
    {
        Ok(()) => {
            account_view(
                &state,
                &caller,
                StatusCode::OK,
                json!({"done": "Đã thu hồi mã API; chương trình dùng mã đó không gọi được nữa."}),
            )
            .await
        }
        Err(e) => fail(&state, &caller, e),
    }
}

/// POST /account/second-factor/{step}: `begin` shows a new secret to add to an
/// authenticator app, `confirm` keeps it once its code is typed, `off` (with the
/// password) turns it off.
pub(super) async fn second_factor(
    State(state): State<AppState>,
    axum::extract::Path(step): axum::extract::Path<String>,
    Posted { caller, form }: Posted,
) -> Response {
    let user = caller.user.clone();
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let (secret, code, password) = (get("secret"), get("code"), get("password"));
    let result = state
        .run(move |store, _| {
            use accounts::second_factor as sf;
            Ok::<_, ApiError>(match step.as_str() {
                "begin" => json!({"enrolment": sf::begin(&user)?}),
                "confirm" => match sf::confirm(store, &user, &secret, &code) {
                    Ok(()) => json!({"done": "Đã bật xác thực hai lớp: khi đồng ý ký số, vanthu sẽ hỏi mã trên ứng dụng."}),
                    Err(e) => {
                        let url = sf::begin(&user).map(|e| e.url).unwrap_or_default();
                        json!({"enrolment": {"secret": secret, "url": url},
                               "factor_error": e.to_string()})
                    }
                },
                "off" => {
                    sf::turn_off(store, &user, &password)?;
                    json!({"done": "Đã tắt xác thực hai lớp."})
                }
                other => {
                    return Err(ApiError::not_found(format!(
                        "không có bước \"{other}\" của xác thực hai lớp"
                    )));
                }
            })
        })
        .await;
    match result {
        Ok(extra) => account_view(&state, &caller, StatusCode::OK, extra).await,
        Err(e) if e.code == "wrong_password" => {
            account_view(
                &state,
                &caller,
                e.status,
                json!({"factor_error": e.message}),
            )
            .await
        }
        Err(e) => fail(&state, &caller, e),
    }
}
