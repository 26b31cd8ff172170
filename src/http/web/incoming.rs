//! The incoming documents' pages: the agency's list with the upload form and its book,
//! and one entry with what was read, its signatures, and the văn thư's and the
//! handler's forms.

use super::*;
use crate::incoming::{Receipt, Source};
use crate::service::incoming::{
    self as inbox, AssignInput, Choices, ConfirmInput, DoneInput, IncomingEntry,
};

#[derive(Serialize)]
struct ListPage {
    year: i32,
    entries: Vec<IncomingEntry>,
    may_receive: bool,
    max_mb: usize,
    #[serde(flatten)]
    said: Said,
}

/// An agency offered as a tick on the copy form.
#[derive(Serialize)]
struct CopyTo {
    id: String,
    name: String,
}

/// The ids of the boxes ticked as `<prefix><id>` (the form is read into a map of one
/// value a name, so each box has a name of its own), in the order of their ids.
fn ticked<'a>(
    form: &'a BTreeMap<String, String>,
    prefix: &'a str,
) -> impl Iterator<Item = String> + 'a {
    form.keys()
        .filter_map(move |k| k.strip_prefix(prefix))
        .map(str::to_string)
}

#[derive(Serialize)]
struct EntryPage {
    e: IncomingEntry,
    c: Choices,
    /// The electronic copies made of it (sao y), each a register entry.
    copies: Vec<EntryLine>,
    /// The agency's key is on a token: the copy form asks its PIN (what it is).
    copy_pin: Option<String>,
    /// The agencies a copy usually goes to, ticked on the copy form
    /// ([`crate::service::copies::usual_recipients`]).
    copy_to: Vec<CopyTo>,
    may_receive: bool,
    /// The entry was passed on to the signed-in account.
    is_handler: bool,
    today: String,
    #[serde(flatten)]
    said: Said,
}

/// (year, Số đến) of a page's address, or the error page (404).
fn key(
    state: &AppState,
    caller: &Caller,
    year: &str,
    number: &str,
) -> Result<(i32, i64), PageError> {
    match (year.parse(), number.parse()) {
        (Ok(y), Ok(n)) => Ok((y, n)),
        _ => Err(error_page(
            state,
            Some(caller),
            StatusCode::NOT_FOUND,
            "không có văn bản đến này",
        )
        .into()),
    }
}

/// GET /incoming?year=
pub(super) async fn incoming_page(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Query(q): Query<api::incoming::YearQuery>,
) -> Response {
    match q.year() {
        Ok(year) => list_view(&state, &caller, StatusCode::OK, year, Said::default()).await,
        Err(e) => fail(&state, &caller, e),
    }
}

async fn list_view(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    year: i32,
    said: Said,
) -> Response {
    let user = caller.user.clone();
    let result = state
        .run(move |store, _| {
            let today = register::today_vn();
            let entries = inbox::list(store, &user, year)?
                .iter()
                .map(|e| IncomingEntry::of(e, today))
                .collect::<Vec<_>>();
            Ok::<_, ApiError>(entries)
        })
        .await;
    match result {
        Ok(entries) => render(
            state,
            Some(caller),
            status,
            "incoming.html",
            ListPage {
                year,
                entries,
                may_receive: caller.user.role.may(Action::Receive),
                max_mb: crate::incoming::MAX_FILE / (1024 * 1024),
                said,
            },
        ),
        Err(e) => fail(state, caller, e),
    }
}

/// POST /incoming (multipart: `file`, `scan`): the văn thư registers a file; the entry's
/// page follows.
pub(super) async fn incoming_upload(
    State(state): State<AppState>,
    Uploaded { caller, parts }: Uploaded,
) -> Response {
    let this_year = chrono::Datelike::year(&register::today_vn());
    let mut form = match parts {
        Ok(f) => f,
        Err((status, error)) => {
            return list_view(&state, &caller, status, this_year, Said::error(error)).await;
        }
    };
    let scan = form.remove("scan").is_some_and(|p| p.text() == "on");
    let Some(file) = form.remove("file").filter(|p| !p.bytes.is_empty()) else {
        let said = Said::error("hãy chọn tệp PDF của văn bản đến");
        return list_view(
            &state,
            &caller,
            StatusCode::UNPROCESSABLE_ENTITY,
            this_year,
            said,
        )
        .await;
    };
    let source = if scan { Source::Scan } else { Source::Upload };
    let user = caller.user.clone();
    let result = state
        .run(move |store, state| {
            Ok::<_, ApiError>(inbox::receive(
                store,
                state.renderer(),
                state.keyring().trust(),
                &user,
                &file.file_name,
                &file.bytes,
                source,
            )?)
        })
        .await;
    match result {
        Ok(receipt) => {
            let (status, said, e) = match receipt {
                Receipt::Registered(e) => (
                    StatusCode::CREATED,
                    format!("Đã đăng ký văn bản đến số {}.", e.row.number),
                    e,
                ),
                Receipt::Already(e) => (
                    StatusCode::OK,
                    format!(
                        "Tệp này đã được đăng ký trước đó là văn bản đến số {}; không đăng ký lại.",
                        e.row.number
                    ),
                    e,
                ),
            };
            let (year, number) = (e.row.year, e.row.number);
            entry_view(&state, &caller, status, year, number, Said::done(said)).await
        }
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            list_view(&state, &caller, e.status, this_year, Said::error(e.message)).await
        }
        Err(e) => fail(&state, &caller, e),
    }
}

/// GET /incoming/book?year=&format=
pub(super) async fn incoming_book(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Query(q): Query<api::incoming::BookQuery>,
) -> WebResult {
    let user = caller.user.clone();
    state
        .run(move |store, state| api::incoming::book_response(store, &user, state.renderer(), &q))
        .await
        .or_page(&state, &caller)
}

/// GET /incoming/{year}/{number}
pub(super) async fn incoming_entry(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    axum::extract::Path((year, number)): axum::extract::Path<(String, String)>,
) -> Response {
    match key(&state, &caller, &year, &number) {
        Ok((y, n)) => entry_view(&state, &caller, StatusCode::OK, y, n, Said::default()).await,
        Err(page) => page.into_response(),
    }
}

async fn entry_view(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    year: i32,
    number: i64,
    said: Said,
) -> Response {
    let user = caller.user.clone();
    let result = state
        .run(move |store, state| {
            let e = inbox::one(store, &user, year, number)?;
            let c = inbox::choices(store, &user, &e)?;
            let copies = register::copies_of(store, e.row.id)?;
            let owner = crate::sign::keys::Owner::Agency(e.row.agency_id.clone());
            let copy_pin = match state.keyring().place(&owner) {
                Some(crate::sign::keys::KeyPlace::Token(token)) => Some(token),
                _ => None,
            };
            let usual = crate::service::copies::usual_recipients(store, &e.row.agency_id)?;
            let view = IncomingEntry::of(&e, register::today_vn());
            Ok::<_, ApiError>((view, c, copies, (copy_pin, usual)))
        })
        .await;
    match result {
        Ok((e, c, copies, (copy_pin, usual))) => {
            let is_handler = e.handler_login.as_deref() == Some(caller.user.login.as_str());
            let page = EntryPage {
                e,
                c,
                copies: copies.into_iter().map(EntryLine::from).collect(),
                copy_pin,
                copy_to: usual
                    .into_iter()
                    .map(|(id, name)| CopyTo { id, name })
                    .collect(),
                may_receive: caller.user.role.may(Action::Receive),
                is_handler,
                today: register::today_vn().to_string(),
                said,
            };
            render(state, Some(caller), status, "incoming_entry.html", page)
        }
        Err(e) => fail(state, caller, e),
    }
}

/// GET /incoming/{year}/{number}/file: the received PDF.
pub(super) async fn incoming_file(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    axum::extract::Path((year, number)): axum::extract::Path<(String, String)>,
) -> Response {
    let (y, n) = match key(&state, &caller, &year, &number) {
        Ok(k) => k,
        Err(page) => return page.into_response(),
    };
    let user = caller.user.clone();
    let result = state
        .run(move |store, _| {
            let (e, bytes) = inbox::file(store, &user, y, n)?;
            Ok::<_, ApiError>(api::file(bytes, "application/pdf", &e.row.file_name))
        })
        .await;
    result.unwrap_or_else(|e| fail(&state, &caller, e))
}

/// POST /incoming/{year}/{number}/{action}: `confirm`, `assign`, `done`, `report`,
/// `unlink`; the entry's page again, with what was done or the problem under its field.
pub(super) async fn incoming_action(
    State(state): State<AppState>,
    axum::extract::Path((year, number, action)): axum::extract::Path<(String, String, String)>,
    Posted { caller, form }: Posted,
) -> Response {
    let (y, n) = match key(&state, &caller, &year, &number) {
        Ok(k) => k,
        Err(page) => return page.into_response(),
    };
    let text = |name: &str| form.get(name).cloned().unwrap_or_default();
    let step = match action.as_str() {
        "confirm" => Step::Confirm(ConfirmInput {
            author: text("author"),
            number_symbol: text("number_symbol"),
            date: text("date"),
            subject: text("subject"),
        }),
        "assign" => Step::Assign(AssignInput {
            to: text("to"),
            account: text("account"),
            deadline: text("deadline"),
            on: text("on"),
        }),
        "done" => Step::Done(DoneInput {
            result: text("result"),
            on: text("on"),
        }),
        "report" | "unlink" => Step::Report {
            milestone: text("milestone").trim().to_string(),
            undo: action == "unlink",
        },
        "copy" => Step::Copy(
            crate::service::copies::CopyInput {
                // The ticked agencies ("to:<id>"), then the lines typed.
                to: ticked(&form, "to:")
                    .chain(text("to").lines().map(str::to_string))
                    .collect(),
                confirm: form.contains_key("confirm"),
            },
            api::workflow::Pins::from_form(&form),
        ),
        _ => {
            let missing = "không có thao tác này";
            return error_page(&state, Some(&caller), StatusCode::NOT_FOUND, missing);
        }
    };
    let user = caller.user.clone();
    let result = state
        .run(move |store, state| step.run(store, state, &user, y, n))
        .await;
    match result {
        Ok(done) => entry_view(&state, &caller, StatusCode::OK, y, n, Said::done(done)).await,
        Err(e)
            if matches!(
                e.status,
                StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT
            ) =>
        {
            let mut said = match e.field.clone() {
                Some(field) => Said::field(format!("{action}_{field}"), e.message.clone()),
                None => Said::default(),
            };
            said.error = Some(e.message);
            said.values = Some(form);
            entry_view(&state, &caller, e.status, y, n, said).await
        }
        Err(e) => fail(&state, &caller, e),
    }
}

/// One of the entry page's forms, as posted.
enum Step {
    Confirm(ConfirmInput),
    Assign(AssignInput),
    Done(DoneInput),
    Report { milestone: String, undo: bool },
    Copy(crate::service::copies::CopyInput, api::workflow::Pins),
}

impl Step {
    /// Does it for `user` on entry `number` of `year`; says what was done.
    fn run(
        self,
        store: &mut crate::store::Store,
        state: &AppState,
        user: &accounts::User,
        year: i32,
        number: i64,
    ) -> Result<String, ApiError> {
        let today = register::today_vn();
        let bad = inbox::InboxError::from;
        Ok(match self {
            Step::Confirm(input) => {
                let c = input.parse().map_err(bad)?;
                inbox::confirm(store, user, year, number, &c)?;
                "Đã lưu thông tin văn bản đến.".into()
            }
            Step::Assign(input) => {
                let a = input.parse(today).map_err(bad)?;
                let e = inbox::assign(store, user, year, number, &a)?;
                format!("Đã chuyển cho {}.", e.row.handler.unwrap_or_default())
            }
            Step::Done(input) => {
                let (result, on) = input.parse(today).map_err(bad)?;
                inbox::done(store, user, year, number, &result, on)?;
                "Đã ghi kết quả xử lý.".into()
            }
            Step::Copy(input, pins) => {
                let tools = crate::service::copies::Tools {
                    renderer: state.renderer(),
                    keyring: &state.keyring(),
                    mail: &state.mail(),
                };
                let copy = crate::service::copies::copy(
                    store,
                    tools,
                    pins.unlock(),
                    user,
                    year,
                    number,
                    &input,
                )
                .map_err(ApiError::from)?;
                format!(
                    "Đã sao y thành bản sao {} ({} trang), đã ký số và xếp thư gửi cho nơi nhận; mở bản sao để xem tình trạng gửi.",
                    copy.number_symbol, copy.pages
                )
            }
            Step::Report { milestone, undo } => {
                inbox::report(store, user, year, number, &milestone, undo)?;
                if undo {
                    format!("Đã bỏ ghi nhận báo cáo mốc {milestone}; mốc này lại nhắc cơ quan gửi.")
                } else {
                    format!(
                        "Đã ghi nhận là báo cáo mốc {milestone}; không nhắc cơ quan gửi về mốc này nữa."
                    )
                }
            }
        })
    }
}
