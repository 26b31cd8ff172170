//! Signing in and out, and the account page (API tokens).

use super::*;
use crate::http::auth::ClientAddress;

/// The login page, with why the last try failed and the login typed.
#[derive(Default, Serialize)]
struct LoginPage {
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    login: Option<String>,
}

/// What the account page says after one of its forms was posted (what is empty is left
/// out of the context).
#[derive(Default, Serialize)]
pub(super) struct AccountSaid {
    #[serde(skip_serializing_if = "Option::is_none")]
    done: Option<String>,
    /// A new API token, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    /// Field → problem, next to the password form's fields.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    password_errors: BTreeMap<String, String>,
    /// A second factor being set up: the secret to type into the app.
    #[serde(skip_serializing_if = "Option::is_none")]
    enrolment: Option<accounts::second_factor::Enrolment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    factor_error: Option<String>,
}

impl AccountSaid {
    fn done(message: impl Into<String>) -> AccountSaid {
        AccountSaid {
            done: Some(message.into()),
            ..AccountSaid::default()
        }
    }
}

#[derive(Serialize)]
struct AccountPage {
    tokens: Vec<accounts::TokenInfo>,
    agency: Option<String>,
    person: Option<String>,
    second_factor: bool,
    signer: bool,
    scope: &'static str,
    min_chars: usize,
    must_change: bool,
    #[serde(flatten)]
    said: AccountSaid,
}

pub(super) async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Ok(Some(_)) = state.caller(&headers).await {
        return Redirect::to("/").into_response();
    }
    render(
        &state,
        None,
        StatusCode::OK,
        "login.html",
        LoginPage::default(),
    )
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
            LoginPage {
                error: Some("biểu mẫu đăng nhập phải gửi từ chính trang đăng nhập của vanthu; hãy mở lại trang đăng nhập".into()),
                login: None,
            },
        );
    }
    let login = form.get("login").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let shown = login.clone();
    let result = state
        .run(move |store, _| {
            let (_, session) = accounts::sign_in(store, &login, &password, address.as_deref())?;
            Ok::<_, ApiError>(session)
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
            LoginPage {
                error: Some(e.message),
                login: Some(shown),
            },
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
        Some("password") => AccountSaid::done(
            "Đã đổi mật khẩu. Các phiên đăng nhập khác và các mã API cũ đã hết hiệu lực.",
        ),
        _ => AccountSaid::default(),
    };
    account_view(&state, &caller, StatusCode::OK, extra).await
}

/// The account page: who the account is (agency, person), its password form, its API
/// tokens with their last use; `extra` adds messages and a new token.
pub(super) async fn account_view(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    said: AccountSaid,
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
            let page = AccountPage {
                tokens,
                agency,
                person,
                second_factor,
                signer: caller.user.role == accounts::Role::Signer,
                scope: caller.user.scope.code(),
                min_chars: accounts::MIN_CHARS,
                must_change: caller.user.must_change_password,
                said,
            };
            render(state, Some(caller), status, "account.html", page)
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
                AccountSaid {
                    password_errors: BTreeMap::from([(field, e.message)]),
                    ..AccountSaid::default()
                },
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
    Ok(account_view(
        &state,
        &caller,
        StatusCode::OK,
        AccountSaid {
            token: Some(token),
            ..AccountSaid::default()
        },
    )
    .await)
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
                AccountSaid::done("Đã thu hồi mã API; chương trình dùng mã đó không gọi được nữa."),
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
                "begin" => AccountSaid {
                    enrolment: Some(sf::begin(&user)?),
                    ..AccountSaid::default()
                },
                "confirm" => match sf::confirm(store, &user, &secret, &code) {
                    Ok(()) => AccountSaid::done(
                        "Đã bật xác thực hai lớp: khi đồng ý ký số, vanthu sẽ hỏi mã trên ứng dụng.",
                    ),
                    Err(e) => {
                        let url = sf::begin(&user).map(|e| e.url).unwrap_or_default();
                        AccountSaid {
                            enrolment: Some(sf::Enrolment { secret, url }),
                            factor_error: Some(e.to_string()),
                            ..AccountSaid::default()
                        }
                    }
                },
                "off" => {
                    sf::turn_off(store, &user, &password)?;
                    AccountSaid::done("Đã tắt xác thực hai lớp.")
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
                AccountSaid {
                    factor_error: Some(e.message),
                    ..AccountSaid::default()
                },
            )
            .await
        }
        Err(e) => fail(&state, &caller, e),
    }
}
