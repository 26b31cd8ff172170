//! Programme data (tables, upload), users and the audit log.

use super::*;

pub(super) async fn data_page(State(state): State<AppState>, WebUser(caller): WebUser) -> Response {
    data_view(&state, &caller, StatusCode::OK, Said::default()).await
}

/// The data page: the programme's tables and the owners of images.
#[derive(Serialize)]
struct DataPage {
    tables: Vec<service::DataTable>,
    owners: service::images::Owners,
    #[serde(flatten)]
    said: Said,
}

pub(super) async fn data_view(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    said: Said,
) -> Response {
    let user = caller.user.clone();
    match state
        .run(move |store, _| {
            let tables = service::data_tables(store, &user, 100)?;
            let owners = service::images::owners(store, &user)?;
            Ok::<_, ApiError>((tables, owners))
        })
        .await
    {
        Ok((tables, owners)) => {
            let page = DataPage {
                tables,
                owners,
                said,
            };
            render(state, Some(caller), status, "data.html", page)
        }
        Err(e) => fail(state, caller, e),
    }
}

/// The data upload: a multipart form with `csrf` and `file` (.toml, .json or .csv).
pub(super) async fn import(
    State(state): State<AppState>,
    Uploaded { caller, parts }: Uploaded,
) -> Response {
    let mut fields = match parts {
        Ok(f) => f,
        Err((status, error)) => {
            return data_view(&state, &caller, status, Said::error(error)).await;
        }
    };
    let mode = if fields.contains_key("update") {
        crate::data::Mode::Update
    } else {
        crate::data::Mode::Add
    };
    let file = match fields
        .remove("file")
        .map(|p| (p.file_name, String::from_utf8(p.bytes.to_vec())))
    {
        Some((name, Ok(text))) => Some((name, text)),
        Some((name, Err(_))) => {
            let error = format!(
                "tệp \"{name}\" không phải văn bản UTF-8; hãy lưu lại với bảng mã UTF-8 (Excel: \"CSV UTF-8\")"
            );
            return data_view(&state, &caller, StatusCode::BAD_REQUEST, Said::error(error)).await;
        }
        None => None,
    };
    let Some((name, text)) = file.filter(|(n, _)| !n.is_empty()) else {
        return data_view(
            &state,
            &caller,
            StatusCode::UNPROCESSABLE_ENTITY,
            Said::error("hãy chọn một tệp .toml, .json hoặc .csv"),
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
                Said::done(report.to_string()),
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
            data_view(
                &state,
                &caller,
                e.status,
                Said {
                    problems,
                    ..Said::error("Không nhập gì cả: tệp có lỗi, dữ liệu đang có giữ nguyên.")
                },
            )
            .await
        }
    }
}

pub(super) async fn users_page(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
) -> Response {
    users_view(&state, &caller, StatusCode::OK, Said::default()).await
}

/// One account on the users page.
#[derive(Serialize)]
struct UserLine {
    #[serde(flatten)]
    account: crate::http::views::AccountView,
    /// The signed-in administrator's own account.
    #[serde(rename = "self")]
    own: bool,
}

#[derive(Serialize)]
struct RoleChoice {
    code: &'static str,
    label: &'static str,
}

/// The users page: the accounts, the roles, the agencies and people to link.
#[derive(Serialize)]
struct UsersPage {
    users: Vec<UserLine>,
    roles: Vec<RoleChoice>,
    agencies: Vec<accounts::AgencyPlace>,
    people: Vec<accounts::PersonPlace>,
    service_admin: bool,
    min_chars: usize,
    #[serde(flatten)]
    said: Said,
}

pub(super) async fn users_view(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    said: Said,
) -> Response {
    let c = caller.clone();
    match state
        .run(move |store, _| {
            let accounts = accounts::accounts(store, &c.user)?;
            let places = accounts::places(store, &c.user)?;
            Ok::<_, ApiError>((accounts, places))
        })
        .await
    {
        Ok((list, places)) => {
            let users = list
                .iter()
                .map(|a| UserLine {
                    account: a.into(),
                    own: a.user.id == caller.user.id,
                })
                .collect();
            let roles = Role::ALL
                .iter()
                .map(|r| RoleChoice {
                    code: r.code(),
                    label: r.label(),
                })
                .collect();
            let page = UsersPage {
                users,
                roles,
                agencies: places.agencies,
                people: places.people,
                service_admin: caller.user.is_service_admin(),
                min_chars: accounts::MIN_CHARS,
                said,
            };
            render(state, Some(caller), status, "users.html", page)
        }
        Err(e) => fail(state, caller, e),
    }
}

/// The new account of the users page's form.
fn new_user(form: &BTreeMap<String, String>) -> api::users::NewUser {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    // The service's administrators belong to no agency: the agency select is ignored.
    let service = form.get("service").is_some_and(|v| v == "yes");
    api::users::NewUser {
        login: get("login"),
        name: get("name"),
        role: get("role"),
        agency: form.get("agency").cloned().filter(|_| !service),
        person: form.get("person").cloned().filter(|_| !service),
        service,
        password: get("password"),
    }
}

pub(super) async fn add_user(
    State(state): State<AppState>,
    Posted { caller, mut form }: Posted,
) -> Response {
    let c = caller.clone();
    let wanted = new_user(&form);
    let result = state
        .run(move |store, _| api::admin_add(store, &c, &wanted))
        .await;
    match result {
        Ok(u) => {
            users_view(
                &state,
                &caller,
                StatusCode::OK,
                Said::done(format!(
                    "Đã thêm tài khoản {} ({}).",
                    u.name,
                    u.role.label()
                )),
            )
            .await
        }
        Err(e) if e.status == StatusCode::FORBIDDEN => fail(&state, &caller, e),
        Err(e) => {
            form.remove("password");
            let said = Said {
                values: Some(form),
                ..Said::field(e.field.unwrap_or_default(), e.message)
            };
            users_view(&state, &caller, e.status, said).await
        }
    }
}

/// POST /admin/users/{login}/{action}: `place` (role, agency, person), `reset`
/// (a temporary password), `disable`, `enable`.
pub(super) async fn user_action(
    State(state): State<AppState>,
    axum::extract::Path((login, action)): axum::extract::Path<(String, String)>,
    Posted { caller, form }: Posted,
) -> Response {
    let c = caller.clone();
    let who = login.clone();
    let result = state
        .run(move |store, _| {
            let name = accounts::by_login(store, &login)?.name;
            match action.as_str() {
                "place" => {
                    let service = form.get("service").is_some_and(|v| v == "yes");
                    let update = api::users::UserUpdate {
                        name: None,
                        role: form.get("role").cloned(),
                        agency: form.get("agency").cloned().filter(|_| !service),
                        person: form.get("person").cloned().filter(|_| !service),
                        service,
                    };
                    accounts::update_user(store, Some(&c.user), &login, &api::users::changes(&update)?)?;
                    Ok(format!("Đã sửa tài khoản của {name}."))
                }
                "reset" => {
                    let temporary = accounts::Password::parse_for(
                        form.get("password").map_or("", String::as_str),
                        &login,
                    )?;
                    accounts::reset_password(store, Some(&c.user), &login, &temporary)?;
                    Ok(format!(
                        "Đã đặt lại mật khẩu của {name}: người đó phải đổi mật khẩu khi đăng nhập; các phiên và mã API cũ đã hết hiệu lực."
                    ))
                }
                "disable" => {
                    accounts::disable(store, Some(&c.user), &login)?;
                    Ok(format!("Đã khóa tài khoản của {name}; tài khoản vẫn được giữ trong nhật ký."))
                }
                "enable" => {
                    accounts::enable(store, Some(&c.user), &login)?;
                    Ok(format!("Đã mở khóa tài khoản của {name}."))
                }
                _ => Err(ApiError::not_found(format!(
                    "không có thao tác \"{action}\" với tài khoản"
                ))),
            }
        })
        .await;
    match result {
        Ok(done) => users_view(&state, &caller, StatusCode::OK, Said::done(done)).await,
        Err(e) if e.status == StatusCode::FORBIDDEN => fail(&state, &caller, e),
        Err(e) => {
            let error = format!("Tài khoản {who}: {}", e.message);
            users_view(&state, &caller, e.status, Said::error(error)).await
        }
    }
}

#[derive(Serialize)]
struct AuditPage {
    events: Vec<crate::service::audit::Event>,
}

pub(super) async fn audit_page(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
) -> WebResult {
    let c = caller.clone();
    let events = state
        .run(move |store, _| {
            Ok::<_, ApiError>(crate::service::accounts::audit_log(
                store, &c.user, None, 500,
            )?)
        })
        .await
        .or_page(&state, &caller)?;
    Ok(render(
        &state,
        Some(&caller),
        StatusCode::OK,
        "audit.html",
        AuditPage { events },
    ))
}

/// The image upload of the data page: `csrf`, `owner` (a person's or an agency's id),
/// `kind` (signature or seal), `diameter_mm` (seals), `image` (the PNG).
pub(super) async fn upload_image(
    State(state): State<AppState>,
    Uploaded { caller, parts }: Uploaded,
) -> Response {
    let mut fields = match parts {
        Ok(f) => f,
        Err((status, error)) => {
            return data_view(&state, &caller, status, Said::error(error)).await;
        }
    };
    let text = |k: &str| fields.get(k).map(Part::text).unwrap_or_default();
    let (owner, kind) = (text("owner"), text("kind"));
    let diameter = text("diameter_mm").replace(',', ".");
    let image = fields
        .remove("image")
        .map(|p| p.bytes.to_vec())
        .unwrap_or_default();
    let c = caller.clone();
    let result = state
        .run(move |store, _| {
            if kind == "seal" {
                let Ok(mm) = diameter.parse::<f64>() else {
                    return Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid_field",
                        "hãy ghi đường kính con dấu bằng mm, ví dụ 36",
                    ));
                };
                service::images::set_seal(store, &c.user, &owner, image, mm)?;
                let name = service::images::owner_name(store, &owner);
                Ok(format!("Đã lưu con dấu của {name} ({mm} mm)."))
            } else {
                service::images::set_signature_image(store, &c.user, &owner, image)?;
                let name = service::images::owner_name(store, &owner);
                Ok(format!("Đã lưu ảnh chữ ký của {name}."))
            }
        })
        .await;
    match result {
        Ok(done) => data_view(&state, &caller, StatusCode::OK, Said::done(done)).await,
        Err(e) if e.status == StatusCode::FORBIDDEN => fail(&state, &caller, e),
        Err(e) => {
            let error = format!("Không lưu ảnh: {}", e.message);
            data_view(&state, &caller, e.status, Said::error(error)).await
        }
    }
}
